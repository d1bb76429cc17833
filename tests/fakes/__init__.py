"""Test doubles that behave like real services (real sockets, real HTTP)."""

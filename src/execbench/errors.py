"""Errors that are the user's to fix.

A :class:`UserError` is printed by the CLI as one line (no traceback) and makes the
process exit with status 2. Anything else escaping the CLI is a bug in execbench.
Failures of the *user's programs* are never errors: they are verdicts.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A problem with the user's input or configuration; the message says how to fix it."""

"""What an OpenAI-compatible server says it serves, and the parts of it that name a model.

The cache key and the run id must follow the *model*, not the spelling of the URL:
``http://localhost:8000`` and ``http://127.0.0.1:8000/v1`` are the same server, while new
weights behind the same alias are a different model. So identity comes from the server's
``/v1/models`` entry for the model (its id and the metadata servers add: llama.cpp's
``meta`` with parameter count and size, vLLM's ``root`` and ``max_model_len``), with the
fields that change on every call (``created`` timestamps, permissions) left out. Only when
a server lists no models does the (normalised) URL stand in for the identity.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["served_entry", "served_ids", "stable_entry", "endpoint_identity"]

#: Fields of a /v1/models entry that vary between calls or say nothing about the weights.
_VOLATILE = frozenset({"created", "permission", "permissions", "object"})


def served_ids(listing: Any) -> list[str]:
    """The model ids in a ``/v1/models`` answer (OpenAI ``data``, or Ollama-style ``models``)."""
    if not isinstance(listing, dict):
        return []
    entries = listing.get("data", listing.get("models"))
    if not isinstance(entries, list):
        return []
    return [str(e.get("id", e.get("name", e.get("model")))) for e in entries if isinstance(e, dict)]


def served_entry(listing: Any, model: str) -> dict[str, Any] | None:
    """The entry for ``model`` in a ``/v1/models`` answer, or None when it is not listed."""
    if not isinstance(listing, dict):
        return None
    entries = listing.get("data", listing.get("models"))
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and model in (entry.get("id"), entry.get("name"), entry.get("model")):
            return entry
    return None


def stable_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` without the volatile fields, JSON-able."""
    return {str(k): v for k, v in sorted(entry.items()) if k not in _VOLATILE}


def endpoint_identity(base_url: str) -> str:
    """The URL with loopback names unified (``localhost`` -> ``127.0.0.1``) and no trailing
    slash: the fallback identity of a server that lists no models."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if host in ("localhost", "::1", "ip6-localhost"):
        host = "127.0.0.1"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))

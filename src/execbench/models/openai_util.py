"""The plain helpers of the ``openai:`` backend: base URLs, server error texts, stops, limits.

Why apart from :mod:`execbench.models.openai`: these are pure (or, for the limiter, local)
rules with their own tests, and the backend module stays about requests and their retries.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from execbench.errors import UserError

__all__ = ["Limiter", "cut_at_stop", "error_message", "is_loopback", "normalise_base_url", "parse_extra_body"]


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """``text`` up to (not including) the earliest stop sequence."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if 0 <= i < cut:
                cut = i
    return text[:cut]


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"base URL '{url}' is not an http(s) URL; use e.g. http://localhost:8000/v1")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise UserError(f"base URL '{url}' has an invalid port; ports are 1-65535") from None
    url = url.rstrip("/")
    # vLLM/Ollama users often give the server root; every OpenAI-compatible server serves /v1.
    return url + "/v1" if parts.path in ("", "/") else url


def error_message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body.get("message", body)))
        if isinstance(err, dict):
            err = err.get("message", err)
        body = err
    return " ".join(str(body).split())[:300] or "(empty body)"


class Limiter:
    """A semaphore whose size can shrink while permits are out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self.used < self.limit)
            self.used += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.used -= 1
            self._cond.notify_all()


def parse_extra_body(text: str | None) -> dict[str, Any] | None:
    """``--extra-body JSON`` as a dict; a one-line ``UserError`` for anything but an object."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"--extra-body is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise UserError("--extra-body must be a JSON object, e.g. '{\"min_p\": 0.05}'")
    return value

"""The one I/O seam of the HTTP backends: send a JSON request, get status, headers, JSON.

Everything above it (retries, parsing, accounting) is tested through this seam: a
``Transport`` is any async function ``HttpRequest -> HttpResponse`` that raises
``TransportError`` for timeouts and connection failures, much like an httpx transport.
``HttpxTransport`` is the real one; tests pass their own or talk to a fake server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["HttpRequest", "HttpResponse", "TransportError", "Transport", "HttpxTransport"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    timeout: float = 60.0
    """Seconds for the whole exchange (connect, write, read)."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    """Lower-cased header names."""
    body: Any
    """Decoded JSON, or the text when the body is not JSON (error pages)."""


class TransportError(Exception):
    """No HTTP response: timeout, refused or dropped connection. Always worth a retry."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        """"timeout", "connect" or "protocol" (the server closed without answering)."""


Transport = Callable[[HttpRequest], Awaitable[HttpResponse]]


class HttpxTransport:
    """A ``Transport`` over one shared ``httpx.AsyncClient`` (connection pooling, HTTP/1.1)."""

    def __init__(self, max_connections: int = 64) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(limits=limits, trust_env=True)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            # httpx's timeout bounds each phase; wait_for bounds the whole exchange.
            response = await asyncio.wait_for(
                self._client.request(
                    request.method,
                    request.url,
                    headers=dict(request.headers),
                    json=request.json_body,
                    timeout=httpx.Timeout(request.timeout),
                ),
                request.timeout,
            )
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise TransportError("timeout", str(exc) or type(exc).__name__) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise TransportError("connect", str(exc) or type(exc).__name__) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.NetworkError) as exc:
            raise TransportError("protocol", str(exc) or type(exc).__name__) from exc
        try:
            body: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = response.text
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status_code, headers, body)

    async def aclose(self) -> None:
        await self._client.aclose()

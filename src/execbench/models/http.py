"""The one I/O seam of the HTTP backends: send a JSON request, get status, headers, JSON or events.

Everything above it (retries, parsing, accounting) is tested through this seam: a
``Transport`` is any async function ``HttpRequest -> HttpResponse`` that raises
``TransportError`` for timeouts and connection failures, much like an httpx transport.
``HttpxTransport`` is the real one; tests pass their own or talk to a fake server.

Streaming requests (``stream=True``) read Server-Sent Events. They have no total timeout:
a long answer from a slow server is fine as long as the server shows it is alive. The
timeout is an *idle* one, measured on a ``Liveness`` shared by every request to the same
server: it fires only when nothing at all (headers, events, keep-alive comments) came from
the server for ``timeout`` seconds while we had requests in flight. A server that works on
one request at a time while the others wait in its queue is therefore never abandoned.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "TransportError",
    "Transport",
    "HttpxTransport",
    "Liveness",
    "parse_sse_line",
]

#: How often a waiting stream checks the shared liveness clock.
_POLL_S = 0.5


class Liveness:
    """When the server last showed a sign of life, counted only while requests are in flight."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last = clock()
        self.in_flight = 0

    def begin(self) -> None:
        if self.in_flight == 0:
            self._last = self._clock()  # silence while we asked nothing does not count
        self.in_flight += 1

    def end(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def touch(self) -> None:
        self._last = self._clock()

    def silent_for(self) -> float:
        return self._clock() - self._last


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    timeout: float = 60.0
    """Seconds: for plain requests the whole exchange; for streams the idle time allowed."""
    stream: bool = False
    """Read the answer as Server-Sent Events (``HttpResponse.events``)."""
    on_event: Callable[[Any], bool] | None = None
    """Called with each decoded event as it arrives (live progress); returning True ends
    the stream early (a stop sequence seen client-side), which also stops the server."""
    liveness: Liveness | None = None
    """Shared idle clock for streams; a private one when None."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    """Lower-cased header names."""
    body: Any
    """Decoded JSON, or the text when the body is not JSON (error pages); None for a stream."""
    events: list[Any] | None = None
    """Decoded ``data:`` events of a stream (without ``[DONE]``); None when not streamed."""


class TransportError(Exception):
    """No (complete) HTTP response: timeout, refused or dropped connection."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        """"timeout" (the server went silent), "connect" (never reached) or "protocol"
        (the server closed the connection without a complete answer)."""


Transport = Callable[[HttpRequest], Awaitable[HttpResponse]]


def parse_sse_line(line: str) -> tuple[bool, Any]:
    """``(is_data, value)`` for one SSE line: ``data: {...}`` gives the decoded JSON,
    ``data: [DONE]`` gives ``(True, None)``; comments and other fields give ``(False, None)``."""
    if not line.startswith("data:"):
        return False, None
    payload = line[5:].strip()
    if payload == "[DONE]" or not payload:
        return True, None
    try:
        return True, json.loads(payload)
    except json.JSONDecodeError:
        return True, {"error": {"message": f"undecodable event: {payload[:200]}"}}


async def _await_alive(aw: Awaitable[Any], liveness: Liveness, timeout: float) -> Any:
    """Await ``aw`` without a deadline of its own, failing only when the server is silent
    for ``timeout`` seconds (the awaitable is never cancelled half-way by a poll)."""
    task = asyncio.ensure_future(aw)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=min(_POLL_S, timeout))
            if done:
                return task.result()
            if liveness.silent_for() > timeout:
                raise TransportError("timeout", f"no data from the server for {timeout:g}s")
    finally:
        if not task.done():
            # Not awaited: httpcore finishes a cancelled read under a shield, which would
            # wait for the very answer we gave up on. The task ends on its own.
            task.cancel()
            task.add_done_callback(_swallow)


def _swallow(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


class HttpxTransport:
    """A ``Transport`` over one shared ``httpx.AsyncClient`` (connection pooling, HTTP/1.1)."""

    def __init__(self, max_connections: int = 64) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(limits=limits, trust_env=True)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            if request.stream:
                return await self._stream(request)
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
        return HttpResponse(response.status_code, _headers(response), _decode(response))

    async def _stream(self, request: HttpRequest) -> HttpResponse:
        liveness = request.liveness or Liveness()
        liveness.begin()
        try:
            # connecting is bounded by the timeout; after that only silence is
            timeout = httpx.Timeout(connect=request.timeout, read=None, write=request.timeout, pool=None)
            req = self._client.build_request(
                request.method,
                request.url,
                headers=dict(request.headers),
                json=request.json_body,
                timeout=timeout,
            )
            response = await _await_alive(self._client.send(req, stream=True), liveness, request.timeout)
            liveness.touch()
            try:
                headers = _headers(response)
                if response.status_code != 200 or "text/event-stream" not in headers.get("content-type", ""):
                    await _await_alive(response.aread(), liveness, request.timeout)
                    return HttpResponse(response.status_code, headers, _decode(response))
                events: list[Any] = []
                lines = response.aiter_lines().__aiter__()
                while True:
                    try:
                        line = await _await_alive(lines.__anext__(), liveness, request.timeout)
                    except StopAsyncIteration:
                        break
                    liveness.touch()
                    is_data, value = parse_sse_line(line)
                    if is_data and value is None and line[5:].strip() == "[DONE]":
                        break
                    if value is not None:
                        events.append(value)
                        if request.on_event is not None and request.on_event(value):
                            break
                return HttpResponse(200, headers, None, events)
            finally:
                await response.aclose()  # closing a stream early tells the server to stop generating
        finally:
            liveness.end()

    async def aclose(self) -> None:
        await self._client.aclose()


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text

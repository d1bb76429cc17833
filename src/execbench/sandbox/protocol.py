"""Framing on the one channel between the host and each worker.

Host -> worker: length-prefixed pickle frames (the worker trusts the host). Worker -> host:
length-prefixed frames of records ``(header JSON, payload JSON bytes)``. The worker side is
never unpickled by the host: if a program ever took over its worker, it still could not run
code in the host through the channel. The payload stays as raw JSON bytes end to end so
the worker does not parse or re-encode what a runner returned.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import struct
import time
from typing import Any

__all__ = [
    "ChannelClosed",
    "ChannelTimeout",
    "write_all",
    "encode_frame",
    "read_frame",
    "encode_records",
    "decode_records",
    "dumps_request_frame",
    "loads_request_frame",
]

_LEN = struct.Struct("<I")
MAX_FRAME = 2**31


class ChannelClosed(EOFError):
    """The other end closed the channel (usually: the worker died)."""


class ChannelTimeout(TimeoutError):
    """No complete frame arrived before the deadline."""


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
        view = view[n:]


def encode_frame(body: bytes) -> bytes:
    return _LEN.pack(len(body)) + body


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout("no frame before the deadline")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ChannelClosed("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> bytes:
    """Read one frame; ``deadline`` is a ``time.monotonic()`` value (None: block)."""
    (size,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    if size > MAX_FRAME:
        raise ChannelClosed(f"frame of {size} bytes is larger than allowed")
    return _read_exact(fd, size, deadline)


def dumps_request_frame(obj: Any) -> bytes:
    return encode_frame(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def loads_request_frame(body: bytes) -> Any:
    return pickle.loads(body)


def encode_records(records: list[tuple[dict[str, Any], bytes | None]]) -> bytes:
    """One frame holding several results: header JSON and optional raw payload each."""
    parts: list[bytes] = []
    for header, payload in records:
        h = json.dumps(header, separators=(",", ":")).encode()
        parts.append(_LEN.pack(len(h)))
        parts.append(h)
        if payload is None:
            parts.append(_LEN.pack(0xFFFFFFFF))
        else:
            parts.append(_LEN.pack(len(payload)))
            parts.append(payload)
    return encode_frame(b"".join(parts))


def decode_records(body: bytes) -> list[tuple[dict[str, Any], bytes | None]]:
    out: list[tuple[dict[str, Any], bytes | None]] = []
    pos = 0
    view = memoryview(body)
    while pos < len(body):
        (hl,) = _LEN.unpack_from(body, pos)
        pos += _LEN.size
        header = json.loads(bytes(view[pos : pos + hl]))
        pos += hl
        (pl,) = _LEN.unpack_from(body, pos)
        pos += _LEN.size
        payload: bytes | None = None
        if pl != 0xFFFFFFFF:
            payload = bytes(view[pos : pos + pl])
            pos += pl
        out.append((header, payload))
    return out

"""Framing between the judge and its candidate process: length-prefixed JSON messages.

Both ends read with a size cap; a malformed or oversized message from the candidate is
its failure (``ChannelError``), never the judge's. Standard library only.
"""

from __future__ import annotations

import json
import posix
import struct
from typing import Any

__all__ = ["ChannelError", "send", "recv", "MAX_MESSAGE", "MAX_TEXT", "exception_data"]

_LEN = struct.Struct("<I")
#: Largest message accepted from the other end.
MAX_MESSAGE = 64 * 1024 * 1024
#: Characters of an exception message kept (a 400 MB message is cut, not shipped).
MAX_TEXT = 10_000

_read = posix.read
_write = posix.write
_dumps = json.dumps
_loads = json.loads


class ChannelError(Exception):
    """The other end closed the channel or sent something that is not a message."""


def send(fd: int, message: Any) -> None:
    data = _dumps(message, separators=(",", ":")).encode("utf-8", "surrogatepass")
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[_write(fd, view) :]


def _exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = _read(fd, min(n, 1 << 20))
        if not chunk:
            raise ChannelError("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv(fd: int) -> Any:
    (size,) = _LEN.unpack(_exact(fd, _LEN.size))
    if size > MAX_MESSAGE:
        raise ChannelError(f"message of {size} bytes is larger than allowed")
    try:
        return _loads(_exact(fd, size).decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"undecodable message: {type(exc).__name__}") from None


def exception_data(exc: BaseException) -> list[str]:
    """``[type name, message]`` of an exception, read defensively (its ``__str__`` is the
    program's and may raise or return a non-str) and cut to :data:`MAX_TEXT`."""
    try:
        name = type.__dict__["__name__"].__get__(type(exc))
    except BaseException:  # noqa: BLE001
        name = "Exception"
    try:
        text = str(exc)
        if type(text) is not str:
            text = "<unprintable>"
    except BaseException:  # noqa: BLE001 - a hostile __str__ is the program's problem
        text = "<unprintable>"
    return [name if type(name) is str else "Exception", text[:MAX_TEXT]]

"""The report channel from one forked child to its worker: one sender, one report, bounded.

The child's report (a header JSON line, then the runner's payload JSON) travels over a
``SOCK_SEQPACKET`` unix socket pair instead of a pipe, for two kernel guarantees a pipe
lacks:

- **the sender is known**: the worker's end has ``SO_PASSCRED``, so every message carries
  the pid of the process that sent it (``SCM_CREDENTIALS``, filled in by the kernel; faking
  another pid needs ``CAP_SYS_ADMIN``, which no child has). Only messages sent by the very
  process the worker forked are considered. Descendants -- forks by any route: ``os.fork``,
  ``posix.fork``, ``ctypes`` ``fork()``/``syscall``, ``multiprocessing``, ``subprocess`` --
  can write to the inherited descriptor all they like: their bytes are counted and dropped.
- **messages are atomic**: each ``write`` is one message, never interleaved with another
  writer's bytes. A thread of the child writing garbage to the descriptor cannot split or
  corrupt the reporter's messages; its messages are simply not report messages.

A report is a sequence of messages, each ``MAGIC + nonce (8 bytes) + seq (u32) + last (u8) +
data``; the reader accepts the first complete sequence (seq 0, 1, ... up to ``last``) from
the child's pid that carries this execution's nonce, and nothing after it: one report per
execution. Messages from the child that are not part of it (garbage, a forgery without the
nonce) are ignored; a sequence broken in the middle (a message with the nonce but the wrong
number) marks the report as corrupt, which the worker turns into the program's verdict
(``crashed``), never into a sandbox error. Every byte received, from anyone, counts against
the execution's report budget: past it the worker stops the execution (``output_limit``).

What this does not stop: the child's own code knowing the nonce (it is in its memory) and
sending a report first. That is the judging layer's concern: nothing in a report may, by
itself, make a judged program pass (see the package docstring).
"""

from __future__ import annotations

# ``_socket``, not ``socket``: the worker's heap is copied into every execution's fork, and
# socket.py would add its enums to it for nothing.
import _socket as socket
import os
import struct

__all__ = [
    "MAGIC",
    "CHUNK",
    "ReportReader",
    "report_socketpair",
    "report_messages",
    "send_report",
]

MAGIC = b"EXR1"
_HEAD = struct.Struct("<4s8sIB")
#: Data bytes per message: well under the default socket send buffer (~208 KiB).
CHUNK = 32 * 1024
_RECV = CHUNK + _HEAD.size + 1024
_UCRED = struct.Struct("3i")
_ANC = socket.CMSG_SPACE(_UCRED.size)


def report_socketpair() -> tuple[socket.socket, int]:
    """``(worker's end, child's descriptor)``; the worker's end receives sender credentials."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET, 0)
    mine.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    mine.setblocking(False)
    return mine, theirs.detach()


def report_messages(body: bytes, nonce: bytes) -> list[bytes]:
    """The messages that carry ``body`` (at least one, the last one flagged)."""
    view = memoryview(body)
    count = max(1, -(-len(body) // CHUNK))
    return [
        _HEAD.pack(MAGIC, nonce, i, i == count - 1) + view[i * CHUNK : (i + 1) * CHUNK] for i in range(count)
    ]


def send_report(fd: int, body: bytes, nonce: bytes, write: object = os.write) -> None:
    """In the child: send the report; raises ``OSError`` when the channel is gone or broken."""
    os.set_blocking(fd, True)  # the program may have made it non-blocking
    for message in report_messages(body, nonce):
        n = write(fd, message)  # type: ignore[operator]
        if n != len(message):  # a message is sent whole or not at all
            raise OSError("short write on the report channel")


class ReportReader:
    """In the worker: collects the forked child's one report from the channel.

    ``feed`` is called whenever the socket is readable; it never blocks. ``received`` counts
    every byte that arrived (from anyone), for the report budget.
    """

    __slots__ = ("sock", "pid", "nonce", "parts", "done", "corrupt", "received", "foreign", "eof")

    def __init__(self, sock: socket.socket, pid: int, nonce: bytes) -> None:
        self.sock = sock
        self.pid = pid
        self.nonce = nonce
        self.parts: list[bytes] = []
        self.done = False
        """A complete report arrived."""
        self.corrupt = False
        """A message carrying the nonce broke the sequence: the report is void."""
        self.received = 0
        self.foreign = 0
        """Messages dropped because another process (a descendant) sent them."""
        self.eof = False

    def feed(self, budget: int | None = None) -> None:
        """Read every message available now (stop early once ``received`` passes ``budget``)."""
        while not self.eof and (budget is None or self.received <= budget):
            try:
                data, anc, _flags, _addr = self.sock.recvmsg(_RECV, _ANC)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.eof = True
                return
            if not data and not anc:
                self.eof = True  # every sender is gone (a real message always has credentials)
                return
            self.received += len(data) + 1
            self._take(data, anc)

    def _take(self, data: bytes, anc: list[tuple[int, int, bytes]]) -> None:
        sender = None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(cdata) >= _UCRED.size:
                sender = _UCRED.unpack_from(cdata)[0]
        if sender != self.pid:
            self.foreign += 1
            return
        if self.done or self.corrupt or len(data) < _HEAD.size:
            return
        magic, nonce, seq, last = _HEAD.unpack_from(data)
        if magic != MAGIC or nonce != self.nonce:
            return  # the program's own writes to the descriptor: not a report
        if seq != len(self.parts):
            self.corrupt = True
            return
        self.parts.append(data[_HEAD.size :])
        if last:
            self.done = True

    def body(self) -> bytes | None:
        """The complete report, or None (none arrived, or it was corrupt)."""
        if not self.done or self.corrupt:
            return None
        return b"".join(self.parts)

"""The pool's units of work and how a worker's record becomes a result; per-worker uids.

Why apart from :mod:`execbench.sandbox.pool`: these are the pool's small pure parts (the
record a worker sends is untrusted input, and :func:`to_result` is the one place it is
read), kept separate from the threads and processes that move them.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from execbench.sandbox.types import ExecRequest, ExecResult, Status

__all__ = ["UID_BASE", "Job", "next_uid", "error_result", "to_result"]

#: When the host is root, each worker runs its programs as its own uid/gid, above this.
UID_BASE = 1_000_000
_UIDS_PER_PROCESS = 256
_uid_counter = itertools.count()
_uid_lock = threading.Lock()


def next_uid() -> int:
    """A uid no other live worker on this host uses: derived from our pid and a counter.

    Per-worker uids make RLIMIT_NPROC a per-execution limit and confine ``kill(-1)`` by a
    program to its own processes, also across pools and processes running side by side.
    """
    with _uid_lock:
        n = next(_uid_counter) % _UIDS_PER_PROCESS
    return UID_BASE + (os.getpid() % 4_000_000) * _UIDS_PER_PROCESS + n


@dataclass
class Job:
    req: ExecRequest
    future: Future[ExecResult] = field(default_factory=Future)
    suspect: bool = False
    """Was in flight when a worker died: run it alone next time, so blame is exact."""
    retries: int = 1
    """Times a SANDBOX_ERROR (execbench's failure, not the program's) is retried."""


def error_result(req: ExecRequest, status: Status, message: str, isolation: str) -> ExecResult:
    return ExecResult(status=status, exception_message=message, isolation=isolation, id=req.id)


def to_result(req: ExecRequest, header: dict[str, Any], payload: bytes | None) -> ExecResult:
    """The worker's record as a result. The payload is the program's process talking:
    untrusted input, so anything that is not JSON is the program's verdict (CRASHED)."""
    value: Any = None
    status = Status(header["status"])
    message = header.get("exception_message")
    if payload is not None:
        try:
            value = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            status, message = Status.CRASHED, f"the program's process sent an unreadable result: {exc}"[:500]
    return ExecResult(
        status=status,
        exception_type=header.get("exception_type"),
        exception_message=message,
        stdout=header.get("stdout", ""),
        stderr=header.get("stderr", ""),
        stdout_truncated=header.get("stdout_truncated", False),
        stderr_truncated=header.get("stderr_truncated", False),
        wall_time=header.get("wall_time", 0.0),
        cpu_time=header.get("cpu_time", 0.0),
        peak_memory_bytes=header.get("peak_memory_bytes", 0),
        exit_code=header.get("exit_code"),
        signal=header.get("signal"),
        payload=value,
        isolation=header.get("isolation", "process"),
        id=req.id,
        exception_message_truncated=bool(header.get("exception_message_truncated", False)),
    )

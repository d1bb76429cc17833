"""Process accounting for the sandbox tests (importable as ``sandbox_support``)."""

from __future__ import annotations

import os

from execbench.sandbox import SandboxPool
from execbench.sandbox._reap import proc_stat_fields

__all__ = ["job_processes"]


def _parents() -> dict[int, int]:
    return {pid: int(fields[1]) for pid, fields in proc_stat_fields().items()}


def _uid(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def job_processes(p: SandboxPool) -> list[int]:
    """Host pids of processes below the pool's workers that run as an execution's uid.

    The workers (and bwrap/unshare around them) run as the host user; everything an
    execution starts runs as the worker's own uid (when root). After a ``map``
    returns, nothing of that kind may remain.
    """
    roots = {slot.proc.pid for slot in p._slots if slot.proc is not None}
    uids = {slot.uid for slot in p._slots}
    parents = _parents()
    found = []
    for pid in parents:
        cur, hops = pid, 0
        while cur in parents and hops < 64:
            if cur in roots:
                uid = _uid(pid)
                if uid in uids:
                    found.append(pid)
                break
            cur, hops = parents[cur], hops + 1
    return found

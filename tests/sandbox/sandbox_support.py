"""Process accounting for the sandbox tests (importable as ``sandbox_support``)."""

from __future__ import annotations

import os

from execbench.sandbox import SandboxPool

__all__ = ["job_processes"]


def _parents() -> dict[int, int]:
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        out[int(name)] = int(stat[stat.rfind(b")") + 2 :].split()[1])
    return out


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

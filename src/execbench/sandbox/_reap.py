"""Ending an execution completely: reap the child, kill whatever it left, remove its files.

The worker is a child subreaper, so every process an execution starts -- including
``setsid`` + double-fork orphans -- is its descendant until reaped. Fast path: once the
child is reaped, ``waitpid(-1, WNOHANG)`` raising ``ChildProcessError`` proves nothing
survived. Otherwise: in our own pid namespace one ``kill(-1, SIGKILL)`` reaches exactly
the execution's processes; elsewhere they are found by uid (each worker has its own) or
by ancestry in /proc.
"""

from __future__ import annotations

import contextlib
import os
import posix
import resource
import select
import signal
import time

__all__ = ["reap_child", "kill_leftovers", "remove_tree", "REAP_DEADLINE"]

#: Longest the worker waits for processes it has SIGKILLed to disappear.
REAP_DEADLINE = 5.0
_RESIGNAL_EVERY = 0.05


def reap_child(pid: int, pidfd: int) -> tuple[int | None, resource.struct_rusage | None]:
    """Wait for the (already SIGKILLed or exited) child: its wait status and rusage."""
    deadline = time.monotonic() + REAP_DEADLINE
    while True:
        try:
            got, status, rusage = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:
            return None, None
        if got == pid:
            return status, rusage
        if time.monotonic() > deadline:
            return None, None
        with contextlib.suppress(OSError):
            posix.kill(pid, signal.SIGKILL)
        select.select([pidfd], [], [], 0.05)


def kill_leftovers(worker_pid: int, uid: int | None, own_pid_namespace: bool) -> None:
    """Kill and reap every remaining descendant of the worker, within a deadline."""
    deadline = time.monotonic() + REAP_DEADLINE
    next_signal = 0.0
    while True:
        try:
            got, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if got:
            continue
        now = time.monotonic()
        if now > deadline:
            return
        if now >= next_signal:
            _signal_all(worker_pid, uid, own_pid_namespace)
            next_signal = now + _RESIGNAL_EVERY
        time.sleep(0.002)


def _signal_all(worker_pid: int, uid: int | None, own_pid_namespace: bool) -> None:
    if own_pid_namespace:
        # Everything in the namespace but pid 1 and ourselves belongs to the execution.
        with contextlib.suppress(OSError):
            posix.kill(-1, signal.SIGKILL)
        return
    for pid in _descendants(worker_pid, uid):
        with contextlib.suppress(OSError):
            posix.kill(pid, signal.SIGKILL)


def proc_stat_fields() -> dict[int, list[bytes]]:
    """Per live pid, the fields of ``/proc/<pid>/stat`` after the command name: ``[0]`` is
    the state, ``[1]`` the parent pid, ``[11:15]`` utime, stime, cutime, cstime (ticks).
    The name is skipped by its last ``)``, since a program may put anything in it."""
    out: dict[int, list[bytes]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        out[int(name)] = stat[stat.rfind(b")") + 2 :].split()
    return out


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _descendants(worker_pid: int, uid: int | None) -> list[int]:
    parents = {pid: int(fields[1]) for pid, fields in proc_stat_fields().items()}
    found = []
    for pid in parents:
        if pid == worker_pid:
            continue
        if uid is not None and _uid_of(pid) == uid:
            found.append(pid)
            continue
        hops, cur = 0, parents.get(pid)
        while cur is not None and cur > 1 and hops < 4096:
            if cur == worker_pid:
                found.append(pid)
                break
            cur, hops = parents.get(cur), hops + 1
    return found


def remove_tree(path: str) -> None:
    """``shutil.rmtree`` through ``posix`` (the worker runs under the reliability guard).

    Most executions leave their directory empty: one ``rmdir`` then, no listing."""
    try:
        posix.rmdir(path)
        return
    except FileNotFoundError:
        return
    except OSError:
        pass
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except OSError:
        entries = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                remove_tree(entry.path)
            else:
                posix.unlink(entry.path)
        except OSError:
            continue
    with contextlib.suppress(OSError):
        posix.rmdir(path)

"""What runs inside the forked child: walls first, then the runner, then one report.

The child never returns into the worker's code: it always ends in ``os._exit``. Its only
way to speak is the report pipe (one header JSON line, then the payload JSON); dying
without writing it is itself a verdict (CRASHED / KILLED / ...). ``atexit`` handlers and
``__del__`` methods of the program are deliberately not run at exit: the process is
discarded, and what they would do is not part of the verdict.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from execbench.sandbox import _linux
from execbench.sandbox.guard import apply_guard
from execbench.sandbox.outcome import effective_cpu_limit
from execbench.sandbox.types import ExecRequest

__all__ = ["ChildSetup", "run_child", "prepare_stdio", "REPORT_FD", "PROGRAM_FILENAME"]

#: The report pipe is moved to this descriptor in the child.
REPORT_FD = 3
PROGRAM_FILENAME = "<program>"
_MAX_MESSAGE = 4000

# Captured before user code can patch them.
_write = os.write
_exit = os._exit
_dumps = json.dumps


@dataclass(frozen=True)
class ChildSetup:
    """Everything the child needs besides the request; prepared by the worker before fork."""

    workdir: str
    stdin_fd: int
    stdout_fd: int
    stderr_fd: int
    report_fd: int
    worker_pid: int
    uid: int | None
    """Unprivileged uid/gid to switch to (None: stay as we are, not root)."""
    nproc_base: int = 0
    """Processes the uid already has (when we cannot switch to a private uid)."""


def _set_limit(kind: int, value: int | None) -> None:
    if value is None:
        return
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY and value > hard:
        value = hard
    try:
        resource.setrlimit(kind, (value, value if kind != resource.RLIMIT_CPU else value + 1))
    except (ValueError, OSError):
        resource.setrlimit(kind, (value, hard))


def _walls(req: ExecRequest, setup: ChildSetup) -> None:
    os.setpgid(0, 0)
    os.dup2(setup.stdin_fd, 0)
    os.dup2(setup.stdout_fd, 1)
    os.dup2(setup.stderr_fd, 2)
    os.dup2(setup.report_fd, REPORT_FD)
    os.closerange(REPORT_FD + 1, 1 << 20)
    os.chdir(setup.workdir)
    lim = req.limits
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_CPU, max(1, int(effective_cpu_limit(lim) + 0.999)))
    _set_limit(resource.RLIMIT_AS, lim.memory_bytes)
    _set_limit(resource.RLIMIT_FSIZE, lim.max_file_bytes)
    _set_limit(resource.RLIMIT_NOFILE, lim.max_open_files)
    if lim.max_processes is not None:
        _set_limit(resource.RLIMIT_NPROC, setup.nproc_base + lim.max_processes)
    if setup.uid is not None:
        os.setgroups([])
        os.setresgid(setup.uid, setup.uid, setup.uid)
        os.setresuid(setup.uid, setup.uid, setup.uid)
    # Set after the uid switch: changing credentials clears the parent-death signal.
    _linux.set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != setup.worker_pid:
        _exit(70)
    _linux.set_no_new_privs()


def _wrap(fd: int, mode: str) -> io.TextIOWrapper:
    raw = io.FileIO(fd, mode, closefd=False)
    buf: io.BufferedIOBase = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    errors = "backslashreplace" if mode == "w" else "replace"
    return io.TextIOWrapper(buf, encoding="utf-8", errors=errors, line_buffering=fd == 2)


class _Stdio:
    """Text streams on fds 0-2, built in the worker before any fork (never written there).

    Each child gets its own copy through fork, with empty buffers, and only has to
    point ``sys.std*`` at them after it has dup2'ed its pipes onto fds 0-2.
    """

    streams: tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper] | None = None


def prepare_stdio() -> None:
    _Stdio.streams = (_wrap(0, "r"), _wrap(1, "w"), _wrap(2, "w"))


def _fresh_stdio() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    if _Stdio.streams is None:
        prepare_stdio()
    assert _Stdio.streams is not None
    inp, out, err = _Stdio.streams
    sys.stdin = sys.__stdin__ = inp
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err
    return out, err


def _text(obj: object) -> str:
    try:
        text = str(obj)
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not hide the verdict
        text = "<unprintable>"
    return text[:_MAX_MESSAGE]


def _type_name(exc: BaseException) -> str:
    try:
        name = type(exc).__qualname__
        return name if isinstance(name, str) else "<unnamed>"
    except BaseException:  # noqa: BLE001
        return "<unnamed>"


def exec_program(code: str, _args: dict[str, Any]) -> None:
    """The ``"exec"`` runner: run ``code`` like ``python <program>``."""
    compiled = compile(code, PROGRAM_FILENAME, "exec")
    module_globals: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "__doc__": None,
        "__package__": None,
        "__spec__": None,
    }
    exec(compiled, module_globals)


def _flush(*streams: object) -> None:
    for stream in streams:
        try:
            stream.flush()  # type: ignore[attr-defined]
        except BaseException:  # noqa: BLE001, S110 - closed or replaced by the program
            pass


def _report(header: dict[str, Any], payload: bytes | None) -> None:
    data = _dumps(header).encode() + b"\n" + (payload if payload is not None else b"")
    view = memoryview(data)
    try:
        while view:
            view = view[_write(REPORT_FD, view) :]
    except OSError:
        _exit(71)


def run_child(req: ExecRequest, runner: Callable[[str, dict[str, Any]], Any] | None, setup: ChildSetup) -> NoReturn:
    """Set up the walls, run the request, report, and exit. Never returns."""
    try:
        _walls(req, setup)
        out, err = _fresh_stdio()
        sys.argv = [PROGRAM_FILENAME]
        sys.path[0] = setup.workdir
        if req.guard:
            apply_guard()
    except BaseException as exc:  # noqa: BLE001
        _report({"kind": "runner_error", "type": _type_name(exc), "message": _text(exc)}, None)
        _exit(0)
    header: dict[str, Any]
    payload: bytes | None = None
    try:
        value = (runner or exec_program)(req.code, req.args)
        header = {"kind": "ok"}
        if runner is not None:
            payload = _dumps(value).encode()
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            header = {"kind": "exit", "code": code, "message": None if code is None else str(code)}
        else:
            header = {"kind": "exit", "code": 1, "message": _text(code)}
            try:
                print(header["message"], file=err)
            except BaseException:  # noqa: BLE001, S110
                pass
    except BaseException as exc:  # noqa: BLE001 - every failure of the program is a verdict
        header = {"kind": "exception", "type": _type_name(exc), "message": _text(exc)}
        try:
            traceback.print_exception(exc, file=err, limit=50)
        except BaseException:  # noqa: BLE001, S110
            pass
    _flush(sys.stdout, sys.stderr, out, err)
    _report(header, payload)
    _exit(0)

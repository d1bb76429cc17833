"""What runs inside the forked child: walls first, then the runner, then one report.

The child never returns into the worker's code: it always ends in ``os._exit``. Its only
way to speak is the report channel (:mod:`execbench.sandbox.channel`: one header JSON line,
then the payload JSON, sent as nonce-tagged messages that the worker accepts from this
process only, once); dying without reporting is itself a verdict (CRASHED / KILLED / ...).
The nonce stops casual forgery, not a program that goes looking for it in its own memory:
the report is the program's account of itself and must never, alone, make it pass.
``atexit`` handlers and ``__del__`` methods of the program are deliberately not run at
exit: the process is discarded, and what they would do is not part of the verdict.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import posix
import resource
import signal
import struct
import sys
import time
import traceback
from _json import encode_basestring_ascii as _quote
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from execbench.sandbox import _linux
from execbench.sandbox.channel import send_report
from execbench.sandbox.guard import remove_guard
from execbench.sandbox.outcome import effective_cpu_limit
from execbench.sandbox.types import ExecRequest, Limits

__all__ = [
    "ChildSetup",
    "run_child",
    "prepare_stdio",
    "rlimits_for",
    "warm_up",
    "REPORT_FD",
    "PROGRAM_FILENAME",
    "read_stamps",
]

#: The report channel is moved to this descriptor in the child.
REPORT_FD = 3
PROGRAM_FILENAME = "<program>"
#: One character more than the worker keeps (``outcome.MAX_MESSAGE``), so it sees the cut.
_MAX_MESSAGE = 4001

# Captured before user code can patch them.
_write = os.write
_exit = os._exit
_dumps = json.dumps
_thread_time = time.thread_time
_getrusage = resource.getrusage
_STAMPS = struct.Struct("<dddd")


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
    rlimits: tuple[tuple[int, int, int], ...] = ()
    """From :func:`rlimits_for`."""
    nonce: bytes = b""
    """Tags every report message, so that a program writing to the report channel by
    accident (or naively on purpose) cannot pass for the sandbox's own report."""
    stamps: Any = None
    """Profiling only (``SandboxPool(profile=True)``, for ``bench/``): a shared page where
    the child writes its CPU time when the walls are up and when the runner returned. The
    program can overwrite it; it only ever feeds benchmark figures, never a verdict."""


_worker_hard_limits: dict[int, int] = {}


def rlimits_for(limits: Limits, nproc_base: int = 0) -> tuple[tuple[int, int, int], ...]:
    """``(resource, soft, hard)`` triples for one execution, computed in the worker.

    Clamped to the worker's own hard limits (an unprivileged worker cannot raise them).
    The CPU hard limit is one second above the soft one: SIGXCPU first (a TIMEOUT the
    program could observe), SIGKILL if it ignores that.
    """
    cpu = max(1, int(effective_cpu_limit(limits) + 0.999))
    wanted: list[tuple[int, int | None, int | None]] = [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
        (resource.RLIMIT_FSIZE, limits.max_file_bytes, limits.max_file_bytes),
        (resource.RLIMIT_NOFILE, limits.max_open_files, limits.max_open_files),
    ]
    if limits.max_processes is not None:
        n = nproc_base + limits.max_processes
        wanted.append((resource.RLIMIT_NPROC, n, n))
    out = []
    for kind, soft, hard in wanted:
        if soft is None or hard is None:
            continue
        if kind not in _worker_hard_limits:
            _worker_hard_limits[kind] = resource.getrlimit(kind)[1]
        cap = _worker_hard_limits[kind]
        if cap != resource.RLIM_INFINITY:
            soft, hard = min(soft, cap), min(hard, cap)
        out.append((kind, soft, hard))
    return tuple(out)


def _walls(req: ExecRequest, setup: ChildSetup) -> None:
    posix.setpgid(0, 0)
    os.dup2(setup.stdin_fd, 0)
    os.dup2(setup.stdout_fd, 1)
    os.dup2(setup.stderr_fd, 2)
    os.dup2(setup.report_fd, REPORT_FD)
    os.closerange(REPORT_FD + 1, 1 << 20)
    posix.chdir(setup.workdir)
    setrlimit = resource.setrlimit
    for kind, soft, hard in setup.rlimits:
        setrlimit(kind, (soft, hard))
    if setup.uid is not None:
        posix.setgroups([])
        posix.setresgid(setup.uid, setup.uid, setup.uid)
        posix.setresuid(setup.uid, setup.uid, setup.uid)
    # Set after the uid switch: changing credentials clears the parent-death signal.
    _linux.set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != setup.worker_pid:
        _exit(70)
    # no-new-privs (no setuid-binary escalation) is inherited: the worker set it once.


def _wrap(fd: int, mode: str) -> io.TextIOWrapper:
    raw = io.FileIO(fd, mode, closefd=False)
    buf: io.BufferedIOBase = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    errors = "backslashreplace" if mode == "w" else "replace"
    return io.TextIOWrapper(buf, encoding="utf-8", errors=errors, line_buffering=fd == 2)


class _Stdio:
    """Text streams on fds 0-2, built and installed as ``sys.std*`` in the worker before any
    fork (the worker never writes to them: its fds 0-2 are /dev/null).

    Each child gets its own copy through fork, with empty buffers; once it has dup2'ed
    its pipes onto fds 0-2 they are its streams, without touching ``sys`` at all
    (replacing the start-up streams in every child would run their finalisers there).
    """

    streams: tuple[io.TextIOWrapper, io.TextIOWrapper, io.TextIOWrapper] | None = None


def prepare_stdio() -> None:
    """In the worker: install the streams every child will inherit."""
    inp, out, err = _Stdio.streams = (_wrap(0, "r"), _wrap(1, "w"), _wrap(2, "w"))
    sys.stdin = sys.__stdin__ = inp
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err


def _fresh_stdio() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    if _Stdio.streams is None:
        prepare_stdio()
    assert _Stdio.streams is not None
    _inp, out, err = _Stdio.streams
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


def _join_threads() -> None:
    """Wait for non-daemon threads, as the interpreter does at exit (the wall clock still runs)."""
    threading = sys.modules.get("threading")
    if threading is None:
        return
    try:
        if threading.active_count() <= 1:
            return
        main = threading.main_thread()
        for thread in threading.enumerate():
            if thread is not main and not thread.daemon:
                thread.join()
    except BaseException:  # noqa: BLE001, S110 - a tampered threading module is the program's problem
        pass


def _print_traceback(exc: BaseException, err: io.TextIOWrapper) -> None:
    """Like the interpreter's report of an uncaught exception, without the sandbox's frames."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb, file=err, limit=50)
    except BaseException:  # noqa: BLE001, S110
        pass


def _header_json(header: dict[str, Any]) -> bytes:
    """The report header: a flat object of str/int/None, encoded with functions captured at
    import (a program that patches ``json`` cannot change how its verdict is written)."""
    parts = []
    for key, value in header.items():
        if value is None:
            text = "null"
        elif type(value) is int:
            text = int.__repr__(value)
        else:
            text = _quote(str.__str__(value) if isinstance(value, str) else "<unprintable>")
        parts.append(_quote(key) + ": " + text)
    return ("{" + ", ".join(parts) + "}").encode()


def _report(header: dict[str, Any] | None, payload: bytes | None, nonce: bytes) -> None:
    """Send the report; ``header=None`` is the common "ok" case. Any failure to send
    (the program closed, replaced or broke the channel) ends the child without a report."""
    try:
        line = b'{"kind": "ok"}\n' if header is None else _header_json(header) + b"\n"
        send_report(REPORT_FD, line + payload if payload is not None else line, nonce, _write)
    except BaseException:  # noqa: BLE001 - whatever the program did to the channel is its verdict
        _exit(71)


_WARM_UP_RUNS = 20


def warm_up() -> None:
    """In the worker: run the child's hot path a few times before any fork.

    CPython 3.11 specialises bytecode in place after a few runs; done here, once, the
    children inherit specialised code instead of each paying copy-on-write faults to
    write the same counters (measured: ~10% fewer faults per execution).
    """
    out, err = _fresh_stdio()
    for _ in range(_WARM_UP_RUNS):
        exec_program("total = sum(range(10))\nprint(total)\n", {})
        _join_threads()
        _flush(out, err)
        _header_json({"kind": "exception", "type": "ValueError", "message": "", "code": 1})


def _exit_header(exc: SystemExit, err: io.TextIOWrapper) -> dict[str, Any]:
    """The report of ``SystemExit``: its code decides, as for the interpreter. A subclass
    whose ``code`` or ``__str__`` misbehaves is a failure, never an escape from the child."""
    try:
        code = exc.code
        if code is None:
            return {"kind": "exit", "code": None, "message": None}
        if isinstance(code, int):
            text = int.__repr__(code)  # not the program's __str__/__int__
            return {"kind": "exit", "code": int(text), "message": text}
        message = _text(code)
    except BaseException:  # noqa: BLE001
        message = "<unprintable>"
    try:
        print(message, file=err)
    except BaseException:  # noqa: BLE001, S110
        pass
    return {"kind": "exit", "code": 1, "message": message}


def run_child(
    req: ExecRequest, runner: Callable[[str, dict[str, Any]], Any] | None, setup: ChildSetup
) -> NoReturn:
    """Set up the walls, run the request, report, and exit. Never returns."""
    nonce, stamps = setup.nonce, setup.stamps
    try:
        _walls(req, setup)
        out, err = _fresh_stdio()
        sys.argv = [PROGRAM_FILENAME]
        sys.path[0] = setup.workdir
        if not req.guard:
            remove_guard()  # the worker applied it to itself before forking
    except BaseException as exc:  # noqa: BLE001
        _report({"kind": "runner_error", "type": _type_name(exc), "message": _text(exc)}, None, nonce)
        _exit(0)
    del setup
    set_up, set_up_faults = (_thread_time(), _minflt()) if stamps is not None else (0.0, 0)
    header: dict[str, Any] | None
    payload: bytes | None = None
    try:
        value = (runner or exec_program)(req.code, req.args)
        header = None
        if runner is not None:
            payload = _dumps(value).encode()
    except SystemExit as exc:
        header = _exit_header(exc, err)
    except BaseException as exc:  # noqa: BLE001 - every failure of the program is a verdict
        header = {"kind": "exception", "type": _type_name(exc), "message": _text(exc)}
        _print_traceback(exc, err)
    _join_threads()
    if stamps is not None:
        _stamp(stamps, set_up, set_up_faults)
    current = (sys.stdout, sys.stderr)
    _flush(*current, *(s for s in (out, err) if s not in current))
    _report(header, payload, nonce)
    _exit(0)


def _minflt() -> int:
    return _getrusage(resource.RUSAGE_SELF).ru_minflt


def _stamp(stamps: Any, set_up: float, set_up_faults: int) -> None:
    """Profiling only: CPU seconds and minor page faults of this process when the walls were
    up / when the runner ended."""
    try:
        _STAMPS.pack_into(stamps, 0, set_up, _thread_time(), set_up_faults, _minflt())
    except BaseException:  # noqa: BLE001, S110 - the program may have closed or shrunk it
        pass


def read_stamps(stamps: Any) -> tuple[float, float, float, float]:
    """In the worker: what :func:`_stamp` wrote (zeros if the child never got there):
    CPU seconds at walls up and at the runner's end, and minor faults at the same points."""
    values = _STAMPS.unpack_from(stamps, 0)
    _STAMPS.pack_into(stamps, 0, 0.0, 0.0, 0.0, 0.0)
    return values

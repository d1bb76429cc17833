"""From the raw facts of one execution to its verdict: a pure function, tested on its own.

The worker gathers facts (what the child reported, how it ended, which limit the worker
enforced); :func:`classify` decides the :class:`Status`. Keeping the mapping here, apart
from processes and pipes, is what lets every branch be unit-tested and documented once.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from typing import Any

from execbench.sandbox.types import Limits, Status

__all__ = ["RawOutcome", "Verdict", "classify", "effective_cpu_limit"]

_CRASH_SIGNALS = frozenset({signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL, signal.SIGFPE})


def effective_cpu_limit(limits: Limits) -> float:
    """CPU seconds allowed: the explicit limit, else the wall timeout plus one second."""
    return limits.cpu_time if limits.cpu_time is not None else limits.timeout + 1.0


@dataclass(frozen=True)
class RawOutcome:
    """What the worker observed about one child."""

    report: dict[str, Any] | None
    """The child's own report header (None: it died or exited without reporting)."""
    wait_status: int | None
    """``os.wait4`` status of the child (None: never reaped, e.g. the fork failed)."""
    timed_out: bool = False
    """The worker killed it at the wall-clock deadline."""
    output_killed: bool = False
    """The worker killed it for writing more than ``output_kill_bytes``."""
    payload_too_large: bool = False
    """The runner's result exceeded the payload cap."""
    cpu_time: float = 0.0
    peak_memory_bytes: int = 0
    report_corrupt: bool = False
    """The report channel carried a broken report sequence (see :mod:`.channel`)."""


@dataclass(frozen=True)
class Verdict:
    status: Status
    exception_type: str | None = None
    exception_message: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    message_truncated: bool = False
    """``exception_message`` was cut to ``Limits.output_bytes`` (the rest is dropped)."""


#: Longest exception type name kept from a report.
_MAX_TYPE = 200
#: Longest exception message kept (and never more than ``Limits.output_bytes``).
MAX_MESSAGE = 4000


def _report_text(value: Any, limit: int) -> tuple[str | None, bool]:
    """A text field of the child's report, as untrusted input: a string cut to ``limit``
    characters (and whether it was cut), or None for anything that is not a string."""
    if not isinstance(value, str):
        return None, False
    if len(value) > limit:
        return value[:limit], True
    return value, False


def _exit_info(wait_status: int | None) -> tuple[int | None, int | None]:
    if wait_status is None:
        return None, None
    if os.WIFSIGNALED(wait_status):
        return None, os.WTERMSIG(wait_status)
    if os.WIFEXITED(wait_status):
        return os.WEXITSTATUS(wait_status), None
    return None, None


def _sig_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def classify(raw: RawOutcome, limits: Limits) -> Verdict:
    """Decide the status of one execution.

    Order matters: limits the worker enforced win over whatever the child said, then a
    report from the child (its own account of how the runner ended), then how it died.
    """
    code, sig = _exit_info(raw.wait_status)
    if raw.output_killed:
        return Verdict(
            Status.OUTPUT_LIMIT, None, f"output exceeded {limits.output_kill_bytes} bytes", code, sig
        )
    if raw.timed_out:
        return Verdict(Status.TIMEOUT, None, f"wall-clock limit of {limits.timeout:g}s exceeded", code, sig)
    if raw.payload_too_large:
        return Verdict(Status.OUTPUT_LIMIT, None, "the runner's result exceeded the payload cap", code, sig)
    if raw.report_corrupt:
        return Verdict(Status.CRASHED, None, "the program corrupted its report channel", code, sig)
    report = raw.report
    if report is not None:
        kind = report.get("kind")
        etype, _ = _report_text(report.get("type"), _MAX_TYPE)
        emsg, cut = _report_text(report.get("message"), min(MAX_MESSAGE, limits.output_bytes))
        if kind == "ok":
            return Verdict(Status.PASSED, None, None, code, sig)
        if kind == "exit":
            exit_arg = report.get("code")
            if exit_arg is None or (type(exit_arg) is int and exit_arg == 0):
                return Verdict(Status.PASSED, None, None, code, sig)
            return Verdict(Status.FAILED, "SystemExit", emsg, code, sig, cut)
        if kind == "exception":
            if etype == "MemoryError":
                return Verdict(Status.MEMORY, etype, emsg, code, sig, cut)
            return Verdict(Status.FAILED, etype, emsg, code, sig, cut)
        if kind == "runner_error":
            return Verdict(Status.SANDBOX_ERROR, etype, emsg, code, sig, cut)
        return Verdict(Status.CRASHED, None, "the program sent an unrecognised report", code, sig)
    if sig is not None:
        cpu_limit = effective_cpu_limit(limits)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and raw.cpu_time >= cpu_limit - 0.05):
            return Verdict(Status.TIMEOUT, None, f"CPU-time limit of {cpu_limit:g}s exceeded", code, sig)
        if (
            (sig in _CRASH_SIGNALS or sig == signal.SIGKILL)
            and limits.memory_bytes
            and raw.peak_memory_bytes >= limits.memory_bytes // 2
        ):
            return Verdict(Status.MEMORY, None, f"died by {_sig_name(sig)} near the memory limit", code, sig)
        if sig in _CRASH_SIGNALS:
            return Verdict(Status.CRASHED, None, f"died by {_sig_name(sig)}", code, sig)
        return Verdict(Status.KILLED, None, f"killed by {_sig_name(sig)}", code, sig)
    if code is not None:
        return Verdict(Status.CRASHED, None, f"exited with code {code} without reporting a result", code, sig)
    return Verdict(Status.SANDBOX_ERROR, None, "the execution could not be started", code, sig)

"""Unit tests of the status mapping (a pure function: no processes involved)."""

from __future__ import annotations

import os
import signal

import pytest

from execbench.sandbox.outcome import RawOutcome, classify, effective_cpu_limit
from execbench.sandbox.types import Limits, Status

LIM = Limits()


def exited(code: int) -> int:
    return code << 8


def killed(sig: int) -> int:
    return sig


def test_wait_status_helpers_match_the_os() -> None:
    assert os.WIFEXITED(exited(3)) and os.WEXITSTATUS(exited(3)) == 3
    assert os.WIFSIGNALED(killed(9)) and os.WTERMSIG(killed(9)) == 9


@pytest.mark.parametrize(
    ("report", "status", "etype"),
    [
        ({"kind": "ok"}, Status.PASSED, None),
        ({"kind": "exit", "code": 0}, Status.PASSED, None),
        ({"kind": "exit", "code": None}, Status.PASSED, None),
        ({"kind": "exit", "code": 2, "message": "2"}, Status.FAILED, "SystemExit"),
        ({"kind": "exception", "type": "ValueError", "message": "x"}, Status.FAILED, "ValueError"),
        ({"kind": "exception", "type": "MemoryError", "message": ""}, Status.MEMORY, "MemoryError"),
        (
            {"kind": "runner_error", "type": "ImportError", "message": "x"},
            Status.SANDBOX_ERROR,
            "ImportError",
        ),
        ({"kind": "???"}, Status.CRASHED, None),
    ],
)
def test_reports(report: dict[str, object], status: Status, etype: str | None) -> None:
    v = classify(RawOutcome(report, exited(0)), LIM)
    assert v.status is status
    assert v.exception_type == etype
    assert v.exit_code == 0 and v.signal is None


def test_enforced_limits_win_over_reports() -> None:
    ok = {"kind": "ok"}
    assert classify(RawOutcome(ok, killed(9), output_killed=True), LIM).status is Status.OUTPUT_LIMIT
    assert classify(RawOutcome(ok, killed(9), timed_out=True), LIM).status is Status.TIMEOUT
    assert classify(RawOutcome(ok, exited(0), payload_too_large=True), LIM).status is Status.OUTPUT_LIMIT


def test_deaths_without_report() -> None:
    assert classify(RawOutcome(None, exited(0)), LIM).status is Status.CRASHED
    v = classify(RawOutcome(None, exited(7)), LIM)
    assert (v.status, v.exit_code) == (Status.CRASHED, 7)
    v = classify(RawOutcome(None, killed(signal.SIGSEGV)), LIM)
    assert (v.status, v.signal) == (Status.CRASHED, signal.SIGSEGV)
    assert classify(RawOutcome(None, killed(signal.SIGABRT)), LIM).status is Status.CRASHED
    assert classify(RawOutcome(None, killed(signal.SIGKILL)), LIM).status is Status.KILLED
    assert classify(RawOutcome(None, killed(signal.SIGTERM)), LIM).status is Status.KILLED
    assert classify(RawOutcome(None, None), LIM).status is Status.SANDBOX_ERROR


def test_cpu_limit_signals_are_timeouts() -> None:
    assert classify(RawOutcome(None, killed(signal.SIGXCPU)), LIM).status is Status.TIMEOUT
    cpu = effective_cpu_limit(LIM)
    assert classify(RawOutcome(None, killed(signal.SIGKILL), cpu_time=cpu), LIM).status is Status.TIMEOUT
    assert classify(RawOutcome(None, killed(signal.SIGKILL), cpu_time=0.1), LIM).status is Status.KILLED


def test_crash_near_the_memory_limit_is_memory() -> None:
    lim = Limits(memory_bytes=100 * 2**20)
    near = RawOutcome(None, killed(signal.SIGSEGV), peak_memory_bytes=90 * 2**20)
    assert classify(near, lim).status is Status.MEMORY
    far = RawOutcome(None, killed(signal.SIGSEGV), peak_memory_bytes=10 * 2**20)
    assert classify(far, lim).status is Status.CRASHED


def test_cpu_limit_default() -> None:
    assert effective_cpu_limit(Limits(timeout=3)) == 4
    assert effective_cpu_limit(Limits(timeout=3, cpu_time=1.5)) == 1.5

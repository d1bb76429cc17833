"""``eval --plus / --efficiency``: the same extra verdicts and costs as ``score``, for a run's codegen results.

A run stores one result per (task, sample) with the extracted code and the base verdict;
this module turns those into :func:`execbench.plus.scoring.score_plus` samples (the program
is the prompt + the extracted code, as the run judged it) and returns, per result, the
fields to merge into its ``details``:

- ``plus`` (bool): passes the base tests *and* the extra inputs (EvalPlus's plus verdict);
  ``plus_failing_input``: the first extra input it fails (literal text), else ``None``;
- ``efficiency`` (int): bytecode instructions on the task's performance inputs, for results
  correct on base (and plus, when given) whose count succeeded; ``efficiency_reference``:
  the reference's count on the same inputs in the same batch; ``efficient``: ``efficiency
  <= efficiency_reference`` (COFFE's efficient@k with instruction counts).

The report reads ``details["plus"]`` and ``details["efficiency"]``. Plain data in, plain
data out: the CLI does the store I/O (``plus`` does not import ``runs``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from execbench.compat.humaneval import Sample
from execbench.datasets.humaneval import Problem
from execbench.plus.plusfile import Suite
from execbench.plus.scoring import PlusReport, score_plus

__all__ = ["CodegenResult", "measure_codegen"]


@dataclass(frozen=True)
class CodegenResult:
    """One stored codegen result, as much of it as the measurement needs."""

    key: tuple[str, int]
    """(run task id, sample): where the fields go."""
    problem: str
    """The dataset's task id (``HumanEval/0``), the key of problems and suites."""
    code: str | None
    """The extracted code (``None``: nothing extracted, nothing to run)."""
    correct: bool
    """The run's base verdict."""


def measure_codegen(
    problems: Mapping[str, Problem],
    results: Sequence[CodegenResult],
    suites: Mapping[str, Suite] | None,
    *,
    efficiency: bool,
    pool: Any,
    timeout: float = 1.0,
    ks: Sequence[int] = (1,),
) -> tuple[dict[tuple[str, int], dict[str, Any]], PlusReport | None]:
    """Fields to merge into each result's ``details``, and the report (``None`` if no result ran)."""
    runnable = [r for r in results if r.code is not None and r.problem in problems]
    updates: dict[tuple[str, int], dict[str, Any]] = {}
    for r in results:
        if r not in runnable and suites is not None and r.problem in suites:
            updates[r.key] = {"plus": False, "plus_failing_input": None}
    if not runnable:
        return updates, None
    samples = [Sample(task_id=r.problem, text=r.code or "") for r in runnable]
    report = score_plus(
        problems,
        samples,
        [{"task_id": r.problem, "passed": r.correct} for r in runnable],
        suites,
        ks=ks,
        pool=pool,
        timeout=timeout,
        efficiency=efficiency,
    )
    for r, row in zip(runnable, report.rows, strict=True):
        fields: dict[str, Any] = {}
        if suites is not None and r.problem in suites:
            fields["plus"] = bool(row.get("plus_passed"))
            fields["plus_failing_input"] = row.get("plus_failing_input")
        if efficiency and isinstance(row.get("cost"), int):
            fields["efficiency"] = row["cost"]
            fields["efficiency_reference"] = row["reference_cost"]
            fields["efficient"] = bool(row["efficient"])
        elif efficiency and row.get("cost_note"):
            fields["efficiency_note"] = row["cost_note"]
        if fields:
            updates[r.key] = fields
    return updates, report

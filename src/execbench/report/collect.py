"""What a report shows, gathered from the results store (read through ``runs.Store``'s API).

Pure once the store rows and traces are in hand: runs → leaderboard rows, pairwise
comparisons (``runs.compare``), kind × construct grids, binned accuracy by trace features
(with bootstrap CIs from ``runs.stats``), codegen base/plus, repair curves, and the per-task
table and drill-down records. The store's schema is used only through ``RunRecord``,
``Task`` and ``ResultRow``.

Repair runs (optional): a result whose ``details["repair"]`` is a dict with ``iterations``
(a list of ``{"feedback", "blocks", "diff", "passed"}``) and optionally ``method`` is drawn
as solved-per-iteration curves and shown per iteration in the drill-down. Codegen results
whose ``details`` hold ``plus`` (bool: the extended tests passed) and ``efficiency``
(a number) get a base-vs-plus plot and an efficiency column.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench.runs.stats import bootstrap_ci, bootstrap_indices
from execbench.runs.store import ResultRow, RunRecord, Store
from execbench.runs.summary import kind_rank, per_task_first_correct, per_task_pass1
from execbench.tasks.calls import traceable_call
from execbench.tasks.types import Task

__all__ = ["RunData", "load_runs", "call_key", "FEATURES", "trace_features", "binned_accuracy", "bin_label"]

#: Trace features the accuracy plots are drawn against: (key, axis label).
FEATURES = (
    ("steps", "trace length (steps)"),
    ("loop_iterations", "loop iterations"),
    ("recursion_depth", "recursion depth"),
    ("calls", "number of calls"),
    ("lines", "line count"),
)


@dataclass(frozen=True)
class RunData:
    """One run as the report needs it."""

    record: RunRecord
    tasks: list[Task]
    rows: list[ResultRow]
    pass1: dict[str, float] = field(default_factory=dict)
    first: dict[str, bool] = field(default_factory=dict)
    sample0: dict[str, ResultRow] = field(default_factory=dict)


def load_runs(store: Store, refs: Sequence[str]) -> list[RunData]:
    """The runs named (ids or unique prefixes), in the order given."""
    out = []
    for ref in refs:
        record = store.resolve_run(ref)
        rows = store.load_results(record.run_id, max_sample=record.n_samples)
        sample0: dict[str, ResultRow] = {}
        for r in rows:
            if r.task_id not in sample0 or r.sample < sample0[r.task_id].sample:
                sample0[r.task_id] = r
        out.append(
            RunData(
                record,
                store.load_tasks(record.run_id),
                rows,
                per_task_pass1(rows),
                per_task_first_correct(rows),
                sample0,
            )
        )
    return out


def call_key(task: Task) -> tuple[str, str, str] | None:
    """(program, entry, argument text) of the call a task is about, if it is about one."""
    return traceable_call(task)


def trace_features(trace: Any) -> dict[str, int]:
    """Steps, loop iterations, deepest recursion, calls made and program lines of a trace."""
    from execbench.trace.facts import loops

    stack: list[str] = []
    deepest = 0
    calls = 0
    for ev in trace.events:
        if ev.kind in ("call", "resume"):
            stack.append(ev.func)
            if ev.kind == "call" and ev.depth > 0:
                calls += 1
            deepest = max(deepest, stack.count(ev.func))
        elif ev.kind in ("return", "yield") and stack:
            stack.pop()
    return {
        "steps": trace.steps,
        "loop_iterations": sum(run.iterations for run in loops(trace)),
        "recursion_depth": deepest,
        "calls": calls,
        "lines": sum(1 for line in trace.source.splitlines() if line.strip()),
    }


def bin_label(value: int) -> tuple[int, str]:
    """Power-of-two bins: 0, 1, 2-3, 4-7, ... (sort key, label)."""
    if value <= 0:
        return 0, "0"
    b = int(math.log2(value))
    lo, hi = 2**b, 2 ** (b + 1) - 1
    return b + 1, str(lo) if lo == hi else f"{lo}-{hi}"


def _wilson(successes: int, n: int, z: float = 1.959964) -> dict[str, float]:
    """95% Wilson score interval of a proportion (percent): exact enough and O(1), where a
    bootstrap over a 50,000-task bin would cost minutes."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {
        "value": 100 * p,
        "ci_low": 100 * max(0.0, centre - half),
        "ci_high": 100 * min(1.0, centre + half),
    }


def binned_accuracy(
    values: Sequence[tuple[int, float]], *, resamples: int = 300
) -> list[tuple[str, int, dict[str, float]]]:
    """(label, tasks, pass@1 with 95% CI) per bin of (feature value, task pass@1) pairs.

    One sample per task (pass@1 is 0 or 1): Wilson interval; several samples: percentile
    bootstrap over the bin's tasks.
    """
    bins: dict[tuple[int, str], list[float]] = defaultdict(list)
    for value, p in values:
        bins[bin_label(value)].append(p)
    out = []
    for (_key, label), ps in sorted(bins.items()):
        if all(p in (0.0, 1.0) for p in ps):
            out.append((label, len(ps), _wilson(int(sum(ps)), len(ps))))
        else:
            idx = bootstrap_indices(len(ps), resamples=resamples)
            out.append((label, len(ps), bootstrap_ci(ps, indices=idx).as_dict()))
    return out


def kinds_of(runs: Sequence[RunData]) -> list[str]:
    return sorted({t.kind for r in runs for t in r.tasks}, key=kind_rank)

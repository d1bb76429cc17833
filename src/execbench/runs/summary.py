"""From stored verdicts to the numbers a run reports: pass@k per kind (and per construct), with CIs.

Pure: takes tasks and result rows, returns a JSON-able dict. The shape (also what
``execbench eval --json`` prints, plus run metadata added by the engine)::

    {
      "n_tasks": 800,            # tasks in the run
      "n_samples": 10,           # samples per task (the --n)
      "n_scored": 8000,          # (task, sample) pairs with a verdict
      "metrics": {               # per kind, metric -> percent with a 95% bootstrap CI
        "output": {"pass@1": {"value": 34.2125, "ci_low": 31.1, "ci_high": 37.3},
                   "pass@2": {...}, ..., "pass@10": {...}},
        "path": {"pass@1": {...}, "score": {...}}   # "score": mean partial credit, kinds that have it
      },
      "tasks_per_kind": {"output": 800},
      "by_construct": {"generators": {"output": {"pass@1": {...}}, ...}, ...},  # construct -> kind
      "tasks_per_construct": {"generators": 45},   # tasks whose meta["constructs"] names it
      "statuses": {"passed": 2736, "failed": 5264},             # execution status of the checks
      "kind_metrics": {"coverage": {"precision": ..., "recall": ..., "f1": ...}, ...}  # tasks.summarize
    }

pass@k is CRUXEval's (see ``stats``); intervals are percentile bootstraps over tasks with a
fixed seed, sharing one set of resamples per group so they are reproducible to the digit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from execbench.runs.stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    SampleOutcome,
    bootstrap_ci,
    bootstrap_indices,
    mean_pass_at_k,
    pass_at_k,
    task_counts,
)
from execbench.runs.store import ResultRow
from execbench.tasks.kinds import KINDS
from execbench.tasks.types import Task

__all__ = [
    "summarize_rows",
    "group_metrics",
    "kind_metrics",
    "extraction_metrics",
    "kind_rank",
    "per_task_first_correct",
    "per_task_pass1",
]

#: ``tasks.summarize`` fields already in ``metrics`` (with CIs) or plain counts.
_PLAIN = frozenset({"n", "tasks", "skipped", "correct", "accuracy", "pass@1"})


def kind_rank(kind: str) -> tuple[int, str]:
    """Report order: the order of ``tasks.KINDS``, unknown kinds last."""
    return (KINDS.index(kind), kind) if kind in KINDS else (len(KINDS), kind)


def group_metrics(
    per_task: Sequence[Sequence[ResultRow]],
    n: int,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, dict[str, float]]:
    """pass@k for k = 1..n (and mean partial credit where it exists) over a group of tasks.

    ``per_task`` holds, for each task with at least one verdict, its rows.
    """
    counts = [task_counts(SampleOutcome(r.correct, r.skipped) for r in rows) for rows in per_task]
    indices = bootstrap_indices(len(counts), resamples=resamples, seed=seed)
    out: dict[str, dict[str, float]] = {}
    for k in range(1, max(n, 1) + 1):
        values = [float(pass_at_k(tn, tc, k)) for tn, tc in counts]
        exact = mean_pass_at_k(counts, k)
        out[f"pass@{k}"] = bootstrap_ci(values, indices=indices, value=exact).as_dict()
    partial = any(r.score != float(r.correct) for rows in per_task for r in rows)
    if partial:
        scores = [sum(r.score for r in rows) / len(rows) for rows in per_task]
        out["score"] = bootstrap_ci(scores, indices=indices).as_dict()
    return out


def _by_task(rows: Iterable[ResultRow]) -> dict[str, list[ResultRow]]:
    grouped: dict[str, list[ResultRow]] = defaultdict(list)
    for r in rows:
        grouped[r.task_id].append(r)
    return grouped


def kind_metrics(tasks: Sequence[Task], rows: Sequence[ResultRow]) -> dict[str, dict[str, float]]:
    """The kind-specific metrics of ``tasks.summarize`` (coverage F1, CoCoNUT's path metrics,
    REval's consistency, strict-vs-compat disagreements), point values without CIs."""
    from execbench.tasks import summarize
    from execbench.tasks.types import Verdict

    verdicts = [
        Verdict(r.task_id, r.sample, r.extracted, r.correct, r.score, r.skipped, r.details) for r in rows
    ]
    out: dict[str, dict[str, float]] = {}
    for kind, values in summarize(list(tasks), verdicts).items():
        extra = {k: float(v) for k, v in values.items() if k not in _PLAIN}
        if extra and (kind == "consistency" or values.get("n", 0)):
            out[kind] = extra if kind != "consistency" else {**extra, "n": float(values.get("n", 0))}
    return out


def per_task_pass1(rows: Iterable[ResultRow]) -> dict[str, float]:
    """Each task's pass@1 estimate (c/n under CRUXEval's rule), for paired comparisons."""
    return {
        tid: float(pass_at_k(*task_counts(SampleOutcome(r.correct, r.skipped) for r in trs), 1))
        for tid, trs in _by_task(rows).items()
    }


def per_task_first_correct(rows: Iterable[ResultRow]) -> dict[str, bool]:
    """Whether each task's first sample (sample 0) is correct: McNemar's paired outcome.

    The first sample is what a greedy (n=1) run gets, so the test means the same thing
    whether a run drew one sample or many.
    """
    out: dict[str, bool] = {}
    for tid, trs in _by_task(rows).items():
        first = min(trs, key=lambda r: r.sample)
        out[tid] = first.correct and not first.skipped
    return out


def summarize_rows(
    tasks: Sequence[Task],
    rows: Sequence[ResultRow],
    n: int,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The summary of a run (see the module docstring for the shape)."""
    grouped = _by_task(rows)
    kind_of = {t.task_id: t.kind for t in tasks}
    kinds_order = sorted(dict.fromkeys(t.kind for t in tasks), key=kind_rank)
    per_kind: dict[str, list[list[ResultRow]]] = defaultdict(list)
    per_construct: dict[str, dict[str, list[list[ResultRow]]]] = defaultdict(lambda: defaultdict(list))
    for t in tasks:
        trs = grouped.get(t.task_id)
        if not trs:
            continue
        per_kind[kind_of[t.task_id]].append(trs)
        for construct in t.meta.get("constructs") or ():
            per_construct[str(construct)][t.kind].append(trs)
    metrics = {
        kind: group_metrics(per_kind[kind], n, resamples=resamples, seed=seed)
        for kind in kinds_order
        if per_kind.get(kind)
    }
    # Per construct, pass@1 per kind: kinds differ too much in difficulty to be pooled.
    by_construct = {
        c: {
            kind: {
                "pass@1": group_metrics(per_construct[c][kind], 1, resamples=resamples, seed=seed)["pass@1"]
            }
            for kind in kinds_order
            if per_construct[c].get(kind)
        }
        for c in sorted(per_construct)
    }
    statuses = Counter(r.status or "none" for r in rows)
    return {
        "n_tasks": len(tasks),
        "n_samples": n,
        "n_scored": len(rows),
        "metrics": metrics,
        "tasks_per_kind": {k: len(per_kind[k]) for k in kinds_order if per_kind.get(k)},
        "by_construct": by_construct,
        "tasks_per_construct": {c: sum(map(len, per_construct[c].values())) for c in sorted(per_construct)},
        "statuses": dict(sorted(statuses.items())),
    }


def extraction_metrics(
    tasks: Sequence[Task],
    rows: Sequence[ResultRow],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, dict[str, dict[str, float]]]:
    """pass@1 under both readings of the answers, for kinds scored both ways (CRUXEval's):
    ``{kind: {"cruxeval": {...}, "strict": {...}}}``.

    CRUXEval's own post-processing (pasting the text after ``[ANSWER]`` into an assert)
    fails chat formatting -- a fenced answer, "The output is X.", ``**Answer:** `X` `` --
    that execbench's strict extractor reads right. Both are reported, labelled, so a
    published number and a fair one sit side by side.
    """
    kind_of = {t.task_id: t.kind for t in tasks}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for kind in sorted({kind_of.get(r.task_id, r.kind) for r in rows}, key=kind_rank):
        mine = [r for r in rows if kind_of.get(r.task_id, r.kind) == kind]
        if not mine or not all(
            "strict_correct" in r.details or "cruxeval_correct" in r.details for r in mine
        ):
            continue
        readings: dict[str, list[ResultRow]] = {"cruxeval": [], "strict": []}
        for r in mine:
            strict = bool(r.details.get("strict_correct", r.correct))
            crux = bool(r.details.get("cruxeval_correct", r.correct))
            if "strict_correct" in r.details:  # cruxeval mode: correct is CRUXEval's verdict
                readings["cruxeval"].append(r)
                readings["strict"].append(replace(r, correct=strict, skipped=False))
            else:
                readings["strict"].append(r)
                readings["cruxeval"].append(replace(r, correct=crux))
        out[kind] = {
            name: group_metrics(list(_by_task(group).values()), 1, resamples=resamples, seed=seed)["pass@1"]
            for name, group in readings.items()
        }
    return out

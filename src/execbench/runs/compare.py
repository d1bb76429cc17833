"""Comparing runs: paired deltas per kind, McNemar's test, disagreements; and the leaderboard.

Two runs are compared on the tasks they share (same ``task_id``): the delta of pass@1 per
kind with a *paired* bootstrap CI (resampling tasks, keeping each task's pair), and
McNemar's test on each task's first-sample correctness (exact binomial below 25 discordant
tasks, continuity-corrected chi-square above). Pairing matters: two models on the same
tasks are correlated, and an unpaired interval would be much wider than the truth.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict
from typing import Any

from execbench.runs.stats import mcnemar, paired_bootstrap_ci
from execbench.runs.store import RunRecord, Store, effective_status
from execbench.runs.summary import kind_rank, per_task_first_correct, per_task_pass1

__all__ = ["compare_runs", "leaderboard"]


def _run_brief(record: RunRecord) -> dict[str, Any]:
    return {"run_id": record.run_id, "model": record.model, "suite": record.suite, "n": record.n_samples}


def compare_runs(store: Store, ref_a: str, ref_b: str) -> dict[str, Any]:
    """Per-kind paired comparison of two runs (JSON-able)::

        {"a": {run_id, model, suite, n}, "b": {...}, "unpaired": 0,
         "kinds": {KIND: {"n_tasks": int, "a": pct, "b": pct,
                          "delta": {"value", "ci_low", "ci_high"},   # A - B, points
                          "mcnemar": {"a_only", "b_only", "statistic", "p_value", "method"}}},
         "disagreements": [{"task_id", "kind", "a": bool, "b": bool}, ...]}

    ``delta`` is A minus B in percentage points.
    """
    run_a, run_b = store.resolve_run(ref_a), store.resolve_run(ref_b)
    rows_a = store.load_results(run_a.run_id, max_sample=run_a.n_samples)
    rows_b = store.load_results(run_b.run_id, max_sample=run_b.n_samples)
    kind_of = {r.task_id: r.kind for r in rows_a}
    kind_of.update({r.task_id: r.kind for r in rows_b if r.task_id not in kind_of})
    p1_a, p1_b = per_task_pass1(rows_a), per_task_pass1(rows_b)
    first_a, first_b = per_task_first_correct(rows_a), per_task_first_correct(rows_b)
    order = list(dict.fromkeys([r.task_id for r in rows_a]))
    shared = [t for t in order if t in p1_b]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for tid in shared:
        by_kind[kind_of[tid]].append(tid)
    kinds: dict[str, Any] = {}
    for kind, tids in sorted(by_kind.items(), key=lambda item: kind_rank(item[0])):
        a_vals = [p1_a[t] for t in tids]
        b_vals = [p1_b[t] for t in tids]
        test = mcnemar([first_a[t] for t in tids], [first_b[t] for t in tids])
        kinds[kind] = {
            "n_tasks": len(tids),
            "a": 100 * sum(a_vals) / len(tids),
            "b": 100 * sum(b_vals) / len(tids),
            "delta": paired_bootstrap_ci(a_vals, b_vals).as_dict(),
            "mcnemar": asdict(test),
        }
    disagreements = [
        {"task_id": t, "kind": kind_of[t], "a": first_a[t], "b": first_b[t]}
        for t in shared
        if first_a[t] != first_b[t]
    ]
    unpaired = len(set(p1_a) ^ set(p1_b))
    return {
        "a": _run_brief(run_a),
        "b": _run_brief(run_b),
        "unpaired": unpaired,
        "kinds": kinds,
        "disagreements": disagreements,
    }


def leaderboard(
    store: Store, *, suite: str | None = None, include_incomplete: bool = False
) -> list[dict[str, Any]]:
    """One row per run with a summary: model, suite, pass@1 per kind, n, tasks, date; best first.

    ``partial`` marks runs over part of their suite (``--limit``, ``--sample``, ``--kinds``):
    their numbers are not comparable with full runs of the same suite.

    Rows are ordered by the mean of the per-kind pass@1 values, a plain ranking key that
    is only meaningful among runs of the same suite (filter with ``suite``).
    """
    rows = []
    for r in store.list_runs():
        if not r.summary or (r.status != "complete" and not include_incomplete):
            continue
        if suite is not None and r.suite != suite:
            continue
        metrics = {k: m["pass@1"] for k, m in r.summary.get("metrics", {}).items() if "pass@1" in m}
        mean = sum(m["value"] for m in metrics.values()) / len(metrics) if metrics else 0.0
        rows.append(
            {
                "run_id": r.run_id,
                "model": r.model,
                "suite": r.suite,
                "prompt": r.config.get("prompt", "direct"),
                "metrics": metrics,
                "mean": mean,
                "n": r.n_samples,
                "tasks": r.n_tasks,
                "partial": any(r.config.get(k) is not None for k in ("limit", "sample", "kinds")),
                "status": effective_status(r),
                "date": time.strftime("%Y-%m-%d", time.localtime(r.created_at)),
            }
        )
    rows.sort(key=lambda x: (x["suite"], -x["mean"], x["model"]))
    return rows

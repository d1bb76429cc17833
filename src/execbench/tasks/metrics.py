"""Per-kind metrics over verdicts: pure functions, values in percent.

- every kind: ``n`` (scored, skips left out), ``correct``, ``accuracy``;
- ``output``/``input``/``codegen``: ``pass@1`` with the unbiased estimator over samples
  (CRUXEval's skip rule removes skipped samples from n), and for strict-mode output/input the
  number of verdicts where CRUXEval's pasted-assert semantics would have said otherwise;
- ``coverage``: precision, recall, F1 with "executed" as the positive class (REval);
- ``path``: CoCoNUT's Acc Hard, Acc Mean, Sim and False Sim, per program then averaged;
- ``consistency``: REval's Incremental Consistency per (program, input, line, variable).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from execbench.compat.passk import pass_at_k
from execbench.tasks.types import Task, Verdict

__all__ = ["summarize", "breakdown", "consistency_scores", "path_metrics", "disagreements"]


def _pct(x: float) -> float:
    return round(100.0 * x, 4)


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs) if xs else 0.0


def _pass1(pairs: Sequence[tuple[Task, Verdict]]) -> float:
    by_task: dict[str, list[Verdict]] = defaultdict(list)
    for task, verdict in pairs:
        by_task[task.task_id].append(verdict)
    values = []
    for verdicts in by_task.values():
        kept = [v for v in verdicts if not v.skipped]
        if kept:
            values.append(pass_at_k(len(kept), sum(v.correct for v in kept), 1))
        else:
            values.append(0.0)
    return _mean(values)


def path_metrics(pairs: Sequence[tuple[Task, Verdict]]) -> dict[str, float]:
    """CoCoNUT's metrics, each sample index scored on its own and then averaged over samples."""
    by_sample: dict[int, dict[str, list[Verdict]]] = defaultdict(lambda: defaultdict(list))
    for task, verdict in pairs:
        by_sample[verdict.sample][str(task.meta.get("program_id", task.task_id))].append(verdict)
    hard, mean, sim, false_sim = [], [], [], []
    for programs in by_sample.values():
        h, m, s, f = [], [], [], []
        for verdicts in programs.values():
            h.append(float(all(v.correct for v in verdicts)))
            m.append(_mean([float(v.correct) for v in verdicts]))
            s.append(_mean([v.score for v in verdicts]))
            wrong = [v.score for v in verdicts if not v.correct]
            f.append(_mean(wrong) if wrong else 0.0)
        hard.append(_mean(h))
        mean.append(_mean(m))
        sim.append(_mean(s))
        false_sim.append(_mean(f))
    return {
        "acc_hard": _pct(_mean(hard)),
        "acc_mean": _pct(_mean(mean)),
        "sim": round(_mean(sim), 4),
        "false_sim": round(_mean(false_sim), 4),
    }


def _coverage(pairs: Sequence[tuple[Task, Verdict]]) -> dict[str, float]:
    tp = fp = fn = tn = 0
    for task, verdict in pairs:
        actual = bool(task.answer)
        said = verdict.details.get("predicted")
        said_yes = said is True
        if said_yes and actual:
            tp += 1
        elif said_yes:
            fp += 1
        elif actual:
            fn += 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": _pct(precision), "recall": _pct(recall), "f1": _pct(f1)}


def _group_key(task: Task) -> tuple[str, str]:
    return str(task.meta.get("program_id", "")), str(task.meta.get("input", ""))


def consistency_scores(tasks: Sequence[Task], verdicts: Sequence[Verdict]) -> list[float]:
    """REval's Incremental Consistency, one score per (program, input, line, var, sample).

    Built from the verdicts of the four items asked about the same place: coverage and
    next-line of the line, the state of the variable there, and the call's output. A state
    question without all three companions is not scored.
    """
    by_id = {t.task_id: t for t in tasks}
    cov: dict[tuple[Any, ...], bool] = {}
    nxt: dict[tuple[Any, ...], bool] = {}
    out: dict[tuple[Any, ...], bool] = {}
    states: list[tuple[tuple[Any, ...], int, bool]] = []
    for verdict in verdicts:
        task = by_id.get(verdict.task_id)
        if task is None or verdict.skipped:
            continue
        base = (*_group_key(task), verdict.sample)
        line = task.meta.get("line")
        var = task.meta.get("var")
        if task.kind == "coverage":
            cov[(*base, line, var)] = verdict.correct
            cov.setdefault((*base, line, None), verdict.correct)
        elif task.kind == "next-line":
            nxt[(*base, line, var)] = verdict.correct
            nxt.setdefault((*base, line, None), verdict.correct)
        elif task.kind == "output":
            # REval's files ask the output once per (line, var) item; elsewhere once per call
            out[(*base, line, var)] = verdict.correct
            out.setdefault((*base, None, None), verdict.correct)
        elif task.kind == "state":
            states.append(((*base, line, var), verdict.sample, verdict.correct))
    scores: list[float] = []
    for key, _sample, state_ok in states:
        base, line, var = key[:3], key[3], key[4]
        c = cov.get((*base, line, var), cov.get((*base, line, None)))
        p = nxt.get((*base, line, var), nxt.get((*base, line, None)))
        o = out.get((*base, line, var), out.get((*base, None, None)))
        if c is None or p is None or o is None:
            continue
        if c and state_ok and p and o:
            scores.append(1.0)
        elif c and state_ok and p:
            scores.append(0.5)
        elif c and state_ok and not o:
            scores.append(0.25)
        elif c and not state_ok and not p and not o:
            scores.append(0.125)
        else:
            scores.append(0.0)
    return scores


def summarize(tasks: Sequence[Task], verdicts: Sequence[Verdict]) -> dict[str, dict[str, float]]:
    """kind -> metric -> value (percent; counts as plain numbers; path similarities as ratios)."""
    by_id = {t.task_id: t for t in tasks}
    by_kind: dict[str, list[tuple[Task, Verdict]]] = defaultdict(list)
    for verdict in verdicts:
        task = by_id.get(verdict.task_id)
        if task is not None:
            by_kind[task.kind].append((task, verdict))
    summary: dict[str, dict[str, float]] = {}
    for kind in sorted(by_kind):
        pairs = by_kind[kind]
        kept = [(t, v) for t, v in pairs if not v.skipped]
        row: dict[str, float] = {
            "n": float(len(kept)),
            "tasks": float(len({t.task_id for t, _ in pairs})),
            "skipped": float(len(pairs) - len(kept)),
            "correct": float(sum(v.correct for _, v in kept)),
            "accuracy": _pct(_mean([float(v.correct) for _, v in kept])),
        }
        if kind in ("output", "input", "codegen"):
            row["pass@1"] = _pct(_pass1(pairs))
        if kind in ("output", "input"):
            row["disagreements"] = float(sum(1 for _, v in pairs if v.details.get("disagree")))
        if kind == "coverage":
            row.update(_coverage(kept))
        if kind == "path":
            row.update(path_metrics(kept))
        summary[kind] = row
    scores = consistency_scores(tasks, verdicts)
    if scores:
        summary["consistency"] = {"n": float(len(scores)), "score": _pct(_mean(scores))}
    if any(t.meta.get("mode") == "reval" for t in tasks):
        from execbench.tasks.reval_mode import reval_figures

        summary["reval"] = reval_figures(tasks, verdicts)
    if any(t.meta.get("mode") in ("reval", "coconut") for t in tasks):
        summary["disagreements"] = {k: float(n) for k, n in disagreements(verdicts).items()}
    return summary


def disagreements(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Compat-mode verdicts where execbench's strict semantics would say otherwise, by category."""
    found: dict[str, int] = defaultdict(int)
    for verdict in verdicts:
        category = verdict.details.get("category")
        if verdict.details.get("disagree") and category:
            found[str(category)] += 1
    return dict(sorted(found.items()))


def breakdown(tasks: Sequence[Task], verdicts: Sequence[Verdict]) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, construct) -> (scored, correct): the per-construct table of the report.

    A task counts under its primary construct label (``meta["constructs"][0]``), or under
    its source when it has none.
    """
    by_id = {t.task_id: t for t in tasks}
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for verdict in verdicts:
        task = by_id.get(verdict.task_id)
        if task is None or verdict.skipped:
            continue
        labels = task.meta.get("constructs") or []
        construct = str(labels[0]) if labels else str(task.meta.get("source", "?"))
        cell = table[(task.kind, construct)]
        cell[0] += 1
        cell[1] += int(verdict.correct)
    return {key: (v[0], v[1]) for key, v in sorted(table.items())}

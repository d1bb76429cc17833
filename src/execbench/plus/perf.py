"""Performance inputs: scaled-up valid inputs on which the reference executes >= 10^5 instructions.

Efficiency is judged on inputs large enough that cost differences show (COFFE, EvalPerf),
but an input outside the problem's preconditions says nothing, so growth stays within
the seeds' shape (:func:`execbench.plus.shape.conforms` with only the length limit and
the upper bound of top-level ints lifted, as the issue's "grow sizes/magnitudes" asks)
and the reference must answer it normally. Performance inputs never decide correctness:
a program that fails one is not efficient (``cost_note`` says why), never wrong.

Growth is guided by the reference's instruction counts, in two rounds:

1. for each of the three largest kept inputs, three ways to grow -- new elements sampled
   from the seeds' shape, the input's own parts repeated (sampling can make a search end
   early: random floats are close, random words match), or its non-negative int arguments
   multiplied (numeric problems) -- each a *ladder* of factors 1, 4, 16, 64 that stops at
   the first input reaching the target (or failing);
2. the two ladders of a task that grew the most but stayed below the target go on with
   factors 256, 1024, 4096 (only where the count says growing helps: large inputs cost
   the host time to build and the sandbox time to parse).

Per ladder the first input at the target is kept, else the costliest that ran; a task
keeps its three costliest ladders. Some references cannot reach the target at all
(``len``, ``str.swapcase``, O(1) arithmetic): their inputs stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from execbench.plus.execute import Job, run_jobs
from execbench.plus.mutate import magnify_args, repeat_args, scale_args
from execbench.plus.seeds import args_text
from execbench.plus.shape import Signature, conforms

__all__ = ["PERF_MAX_OUT", "PERF_TARGET", "perf_inputs"]

#: Instructions the reference should execute on a performance input (COFFE's order of magnitude).
PERF_TARGET = 100_000
_FIRST = (1, 4, 16, 64)
_MORE = (256, 1024, 4096)
_MAX_TEXT = 400_000
"""Characters of one input's literal text (the sandbox parses it)."""
PERF_MAX_OUT = 200_000
"""Characters of the reference's output (it is stored as the expected answer)."""
_MAX_COST = 3_000_000
_BASES = 3
_WAYS = 3

Ladder = tuple[int, int]
"""(base index, way): one growth path of one task."""
Best = dict[int, tuple[str, str, int]]


def _grow(task: Any, entry: Any, way: int, factor: int) -> list[Any]:
    if factor == 1:
        return list(entry.args)
    if way == 0:
        return scale_args(entry.args, task.sig, factor, task.rng)
    if way == 1:
        return repeat_args(entry.args, factor)
    return magnify_args(entry.args, factor)


def _candidates(task: Any, ladders: Sequence[int], factors: Sequence[int]) -> list[tuple[int, str]]:
    """(ladder id, input text) for every factor of every ladder, in ladder order."""
    bases = sorted(task.corpus, key=lambda e: (-len(e.text), e.text))[:_BASES]
    valid = Signature(
        task.sig.args,
        task.sig.equal_len,
        wide=task.sig.wide,
        extra={**task.sig.extra, "any_length": True, "any_magnitude": True},
    )
    out: list[tuple[int, str]] = []
    for ladder in ladders:
        b, way = divmod(ladder, _WAYS)
        if b >= len(bases):
            continue
        seen: set[str] = set()
        for factor in factors:
            args = _grow(task, bases[b], way, factor)
            if conforms(args, valid) is not None:
                continue
            text = args_text(args)
            if text in seen or len(text) > _MAX_TEXT:
                continue
            seen.add(text)
            out.append((ladder, text))
    return out


def _run(tasks: Sequence[Any], plans: Sequence[list[tuple[int, str]]], pool: Any) -> list[Best]:
    jobs = [
        Job(t.code, t.problem.entry_point, tuple(c[1] for c in cands), count=True, timeout=2.0, total=30.0,
            contract=t.contract, groups=tuple(c[0] for c in cands), target=PERF_TARGET, max_cost=_MAX_COST,
            max_out=PERF_MAX_OUT)
        for t, cands in zip(tasks, plans, strict=True)
    ]  # fmt: skip
    out: list[Best] = []
    for cands, batch in zip(plans, run_jobs(pool, jobs), strict=True):
        best: Best = {}
        for (ladder, text), row in zip(cands, batch.results, strict=False):
            if row.get("status") != "ok" or row.get("out") is None or row.get("tampered"):
                continue
            current = best.get(ladder)
            if current is None or current[2] < PERF_TARGET:
                best[ladder] = (text, str(row["out"]), int(row["cost"]))
        out.append(best)
    return out


def perf_inputs(tasks: Sequence[Any], pool: Any) -> dict[str, list[tuple[str, str, int]]]:
    """(input text, reference output, reference instructions) per task id, costliest first.

    ``tasks``: augment's per-task state (``corpus`` of kept inputs with ``args``/``text``,
    ``sig``, ``rng``, ``code``, ``problem``, ``contract``)."""
    live = [t for t in tasks if t.corpus]
    every = list(range(_BASES * _WAYS))
    first = _run(live, [_candidates(t, every, _FIRST) for t in live], pool)
    again: list[tuple[int, list[int]]] = []
    for i, best in enumerate(first):
        if not best or max(v[2] for v in best.values()) >= PERF_TARGET:
            continue
        growing = sorted(best, key=lambda ladder: (-best[ladder][2], ladder))[:2]
        again.append((i, growing))
    if again:
        more_tasks = [live[i] for i, _ in again]
        more = _run(more_tasks, [_candidates(live[i], ladders, _MORE) for i, ladders in again], pool)
        for (i, _), best in zip(again, more, strict=True):
            for ladder, value in best.items():
                if value[2] > first[i][ladder][2]:
                    first[i][ladder] = value
    out: dict[str, list[tuple[str, str, int]]] = {}
    for task, best in zip(live, first, strict=True):
        chosen = sorted({v[0]: v for v in best.values()}.values(), key=lambda v: (-v[2], v[0]))
        out[task.problem.task_id] = chosen[:3]
    return out

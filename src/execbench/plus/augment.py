"""Coverage-guided test augmentation from a reference solution (EvalPlus-style, no LLM).

Per task: seeds (the problem's own test calls and docstring examples) are run on the
reference in the sandbox; then, round after round, candidates are made by type-aware
mutation of corpus inputs (parents that found new facts are picked more often) and by
random sampling within the seeds' shape. Besides the literal calls, the test code is run
once in the sandbox with the entry point wrapped, and the calls it makes that are not
literal in its text become seeds too (``seed:test-run``: HumanEval/38's random strings,
HumanEval/44's ``candidate(x, x + 1)`` in a loop, which also widen the shape to the
values the tests really use).
A candidate is **kept** when

1. it fits the shape the seeds show (:mod:`execbench.plus.shape`; ``--wide`` relaxes it),
2. the contract (if any) accepts it, and
3. the reference returns normally, within the per-input limits (a deterministic cap on
   line events, plus an alarm), with a plain-data result,

4. on a task whose answer never depends on the order of a list argument (every seed's
   answer stays the same with that list reversed or rotated), the candidate's answer does
   not either -- an input whose answer does has ties, several right answers (HumanEval/20's
   equally close pairs), and would fail correct programs,
5. on a validator (every seed's answer is a bool, some ``True``, and a structured string
   argument in two or more structures among the seeds): an input the reference accepts has the form (skeleton and digit-run
   lengths) of a seed it accepts -- HumanEval/124's reference accepts ``'0002-11-30'``,
   which its "mm-dd-yyyy" rejects; and an input outside the seeds' string structure
   (letters in a field, other separators: a validator's whole point) is kept only when
   the reference rejects it,

and either it reaches a coverage fact no kept input reached (a new line arc = branch
outcome, a new loop-iteration bucket, a new side of a numeric comparison or pair of
them, see :mod:`execbench.plus.runner`) -- provenance ``coverage`` -- or it is drawn for
diversity -- ``random``. Seeds are kept as ``seed:test`` / ``seed:docstring``.

Determinism: all choices come from ``random.Random`` seeded by ``(--seed, task_id)``, and
the ``--budget`` seconds are converted into a fixed number of candidate evaluations
(:data:`EVALS_PER_SECOND`), so a file depends only on its inputs and the seed. A wall-clock
safety stop (:data:`SAFETY_FACTOR` times the budget) marks tasks it cuts ``truncated``.

All tasks advance together, one sandbox job per task per round, so the pool stays busy.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execbench import _pyast
from execbench.datasets.humaneval import Problem
from execbench.plus._task import (
    Entry,
    Task,
    accepted_forms,
    code_constants,
    forms,
    free_shape,
    order_free,
    propose,
    task_rng,
)
from execbench.plus.execute import Job, record_test_calls, run_jobs
from execbench.plus.judge import outputs_match
from execbench.plus.perf import perf_inputs
from execbench.plus.seeds import Seed, args_text, extract_seeds, function_under_test
from execbench.plus.shape import infer_signature

__all__ = [
    "AugmentConfig",
    "EVALS_PER_SECOND",
    "SAFETY_FACTOR",
    "augment_problems",
    "reference_program",
    "float_atol",
]

#: Candidate evaluations one second of ``--budget`` buys (calibrated on a 2-core machine).
EVALS_PER_SECOND = 300
#: The wall-clock safety stop, as a multiple of the whole run's nominal budget.
SAFETY_FACTOR = 6.0
#: Distinct recorded calls at most (in the order the test makes them; literal ones included).
_RECORD_LIMIT = 60


@dataclass(frozen=True)
class AugmentConfig:
    per_task: int = 200
    seed: int = 0
    budget: float = 3.0
    wide: bool = False
    reduce: bool = False
    perf: bool = True
    contracts: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 1.0
    max_lines: int = 30_000
    """Line events the reference may take on a test input (a deterministic cost cap)."""


def reference_program(problem: Problem) -> str:
    """The reference as a program: HumanEval's prompt + body, or MBPP's whole function."""
    canon = problem.canonical_solution
    if f"def {problem.entry_point}(" in canon:
        return canon
    return problem.prompt + canon


def _contains_float(value: Any) -> bool:
    if type(value) is float:
        return True
    if type(value) in (list, tuple, set):
        return any(_contains_float(v) for v in value)
    if type(value) is dict:
        return any(_contains_float(v) for v in value.values())
    return False


def float_atol(outputs: Sequence[Any]) -> float:
    """EvalPlus's rule: float outputs are compared with ``atol`` 1e-6 (0 means exact)."""
    return 1e-6 if any(_contains_float(v) for v in outputs) else 0.0


def _calls_check(test: str) -> bool:
    """Whether the test code calls ``check(...)`` itself at top level (MBPP in LDB's format)."""
    try:
        tree = _pyast.parse(test)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(
        isinstance(n, ast.Expr)
        and isinstance(n.value, ast.Call)
        and isinstance(n.value.func, ast.Name)
        and n.value.func.id == "check"
        for n in tree.body  # type: ignore[attr-defined]
    )


def _targets(problems: Sequence[Problem]) -> list[Problem]:
    """Each problem with ``entry_point`` set to the function its tests call (see
    :func:`execbench.plus.seeds.function_under_test`)."""
    out = []
    for p in problems:
        entry = function_under_test(reference_program(p), p.test, p.entry_point)
        out.append(p if entry == p.entry_point else replace(p, entry_point=entry))
    return out


def _all_seeds(problems: Sequence[Problem], pool: Any) -> list[list[Seed]]:
    """Literal seeds per problem, then the calls recorded running its test code."""
    items = [(reference_program(p), p.entry_point, p.test, not _calls_check(p.test)) for p in problems]
    recorded = record_test_calls(pool, items, _RECORD_LIMIT)
    return [
        extract_seeds(p.prompt, p.test, p.entry_point, recorded=calls)
        for p, calls in zip(problems, recorded, strict=True)
    ]


def _start(problem: Problem, seeds: Sequence[Seed], config: AugmentConfig) -> Task | str:
    if not seeds:
        return "no seed inputs: no literal call in the tests or docstring, none recorded running the tests"
    code = reference_program(problem)
    sig = infer_signature([s.args for s in seeds], wide=config.wide)
    sig = replace(sig, extra={**sig.extra, "constants": code_constants(code)})
    task = Task(
        problem=problem,
        code=code,
        sig=sig,
        rng=task_rng(config.seed, problem.task_id),
        contract=config.contracts.get(problem.task_id),
        left=max(1, int(config.budget * EVALS_PER_SECOND)),
        probe=tuple(
            i for i in range(len(sig.args)) if all(type(s.args[i]) in (list, tuple) for s in seeds)
        ) if not config.wide else (),
    )  # fmt: skip
    for s in seeds:
        text = args_text(s.args)
        task.seen.add(text)
        task.pending.append((text, list(s.args), f"seed:{s.origin}"))
    return task


def _absorb(task: Task, rows: Sequence[dict[str, Any]], per_task: int) -> None:
    batch, task.pending = task.pending, []
    if task.order_free is None:
        task.order_free = order_free(task, batch, rows)
        task.accepted = accepted_forms(task, batch, rows)
        if task.accepted is not None and not task.sig.wide:
            task.relaxed = replace(task.sig, args=tuple(free_shape(shape) for shape in task.sig.args))
    kept_before = len(task.corpus)
    for (text, args, origin), row in zip(batch, rows, strict=False):
        seed = origin.startswith("seed:")
        if not seed:
            task.left -= 1
            task.evaluated += 1
        status = row.get("status")
        if status != "ok" or row.get("out") is None:
            reason = {
                "error": f"reference raised {row.get('error')}",
                "limit": "reference over the line cap",
                "invalid": f"rejected by the {str(row.get('error', '')).split(':')[0] or 'argument text'}",
            }
            task.rejected[reason.get(str(status), f"reference {status} {row.get('kind', '')}".strip())] += 1
            continue
        if not seed and set(row.get("perm_varies") or ()) & set(task.order_free or ()):
            task.rejected["answer depends on an order no seed's does (ties)"] += 1
            continue
        if text in task.outside and row.get("out") != "False":
            task.rejected["outside the seeds' shape, and the validator does not reject it"] += 1
            continue
        if (
            not seed
            and task.accepted is not None
            and row.get("out") == "True"
            and forms(task, args) not in task.accepted
        ):
            task.rejected["accepted in a form no accepted seed has"] += 1
            continue
        feats = set(row.get("features") or ())
        fresh = feats - task.covered
        if seed or fresh:
            why = "seed" if seed else f"+{len(fresh)} coverage facts (e.g. {sorted(fresh)[0]})"
            kind = origin if seed else "coverage"
        elif len(task.corpus) < per_task and task.rng.random() < 0.2:
            why, kind = f"diversity ({origin})", "random"
        else:
            task.rejected["no new coverage"] += 1
            continue
        task.covered |= feats
        if len(task.corpus) >= per_task and not seed:
            continue
        task.corpus.append(
            Entry(text, args, str(row["out"]), kind, why, new=len(fresh), feats=frozenset(feats))
        )
    task.idle = task.idle + 1 if len(task.corpus) == kept_before else 0
    if len(task.corpus) >= per_task or task.left <= 0 or task.idle >= 6:
        task.done = True


def _job(task: Task, texts: Sequence[str], config: AugmentConfig, **kw: Any) -> Job:
    return Job(
        code=task.code,
        entry=task.problem.entry_point,
        inputs=tuple(texts),
        timeout=config.timeout,
        max_lines=config.max_lines,
        contract=task.contract,
        **kw,
    )


def augment_problems(
    problems: Sequence[Problem], config: AugmentConfig, pool: Any, *, log: Any = None
) -> list[dict[str, Any]]:
    """One output record per problem (see :mod:`execbench.plus.plusfile` for the format)."""
    tasks: list[Task] = []
    records: dict[str, dict[str, Any]] = {}
    targets = _targets(problems)
    for problem, seeds in zip(targets, _all_seeds(targets, pool), strict=True):
        started = _start(problem, seeds, config)
        if isinstance(started, str):
            records[problem.task_id] = _empty(problem, started, config)
        else:
            tasks.append(started)
    deadline = time.monotonic() + max(30.0, SAFETY_FACTOR * config.budget * max(1, len(tasks)) / 2)
    rounds = 0
    while True:
        active = [t for t in tasks if not t.done]
        for task in active:
            if not task.pending:
                propose(task)
        active = [t for t in active if t.pending or not _mark_idle(t)]
        if not active:
            break
        if time.monotonic() > deadline:
            for task in active:
                task.truncated = task.done = True
            break
        batches = run_jobs(
            pool,
            [
                _job(t, [p[0] for p in t.pending], config, features=True,
                     perm=t.probe if t.order_free is None else t.order_free)
                for t in active
            ],
        )  # fmt: skip
        for task, batch in zip(active, batches, strict=True):
            if batch.load_error and not batch.results:
                task.error = batch.load_error
                task.done = True
                task.pending = []
                continue
            _absorb(task, batch.results, config.per_task)
        rounds += 1
        if log is not None:
            log(f"round {rounds}: {len(active)} tasks active")
    _confirm(tasks, config, pool)
    for task in tasks:
        _oracle_filter(task)
    if config.reduce:
        from execbench.plus.reduce import reduce_tasks

        reduce_tasks(tasks, config, pool)
    perf = perf_inputs(tasks, pool) if config.perf else {}
    for task in tasks:
        records[task.problem.task_id] = _record(task, config, perf.get(task.problem.task_id))
    return [records[p.task_id] for p in problems]


def _mark_idle(task: Task) -> bool:
    task.idle += 1
    if task.idle >= 3:
        task.done = True
    return True


def _confirm(tasks: Sequence[Task], config: AugmentConfig, pool: Any) -> None:
    """Re-run the reference untraced on the kept inputs; drop any whose output changes."""
    live = [t for t in tasks if t.corpus]
    batches = run_jobs(pool, [_job(t, [e.text for e in t.corpus], config) for t in live])
    for task, batch in zip(live, batches, strict=True):
        kept = []
        for i, entry in enumerate(task.corpus):
            row = batch.results[i] if i < len(batch.results) else {}
            if row.get("status") == "ok" and row.get("out") == entry.out:
                kept.append(entry)
            else:
                task.rejected["reference not deterministic"] += 1
        task.corpus = kept


def _oracle_filter(task: Task) -> None:
    """Tasks judged by an oracle (``find_zero``: any root counts): drop inputs on which the
    reference's own answer fails the oracle (a steep polynomial where bisection's root is
    not within the tolerance), since no program could be asked to do better."""
    if task.problem.entry_point != "find_zero":
        return
    outputs = [_pyast.literal_eval(e.out) for e in task.corpus]
    atol = float_atol(outputs)
    kept = []
    for entry, out in zip(task.corpus, outputs, strict=True):
        if outputs_match(out, out, atol, oracle="poly_root", args=entry.args):
            kept.append(entry)
        else:
            task.rejected["reference fails the oracle"] += 1
    task.corpus = kept


def _record(task: Task, config: AugmentConfig, perf: list[tuple[str, str, int]] | None) -> dict[str, Any]:
    outputs = [_pyast.literal_eval(e.out) for e in task.corpus]
    record: dict[str, Any] = {
        "task_id": task.problem.task_id,
        "entry_point": task.problem.entry_point,
        "inputs": [e.text for e in task.corpus],
        "expected": [e.out for e in task.corpus],
        "atol": float_atol(outputs),
        "provenance": [{"origin": e.origin, "why": e.why} for e in task.corpus],
    }
    if task.order_free:
        record["order_free"] = list(task.order_free)
    if task.problem.entry_point == "find_zero":
        record["oracle"] = "poly_root"
    if perf is not None:
        record["perf_inputs"] = [p[0] for p in perf]
        record["perf_expected"] = [p[1] for p in perf]
        record["perf_reference_cost"] = [p[2] for p in perf]
    record["stats"] = {
        "seed": config.seed,
        "evaluated": task.evaluated,
        "kept": len(task.corpus),
        "coverage_facts": len(task.covered),
        "rejected": dict(sorted(task.rejected.items())),
        "truncated": task.truncated,
        "wide": config.wide,
        "reduced": config.reduce,
    }
    if task.error:
        record["stats"]["error"] = task.error
    return record


def _empty(problem: Problem, why: str, config: AugmentConfig) -> dict[str, Any]:
    return {
        "task_id": problem.task_id,
        "entry_point": problem.entry_point,
        "inputs": [],
        "expected": [],
        "atol": 0.0,
        "provenance": [],
        "stats": {"seed": config.seed, "evaluated": 0, "kept": 0, "error": why, "truncated": False},
    }

"""The ``humaneval`` and ``mbpp`` compatibility modes: human-eval's functional-correctness scorer.

Input and output are those of openai/human-eval's ``evaluate_functional_correctness``:
samples are ``{"task_id", "completion"}`` lines; each result row repeats the sample with
``result`` (``"passed"`` / ``"failed: <e>"`` / ``"timed out"``) and ``passed``, in input
order; pass@k is reported for every k that all attempted problems have >= k samples for.

The program run is human-eval's ``prompt + completion + "\\n" + test + "\\n" + "check(<entry>)"``.
Two extensions keep LDB's outputs scoreable: a sample may carry a whole program in
``solution`` (then ``solution + "\\n" + test + ...``, no prompt), and a fixed ``prelude``
(e.g. LDB's import header) may be put in front. MBPP's tests (LDB format) already call
``check(...)``, so in ``mbpp`` mode no call is appended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench.compat.execute import BatchStats, run_checks
from execbench.compat.harness import PASSED
from execbench.compat.judged import Plan
from execbench.compat.passk import mean_pass_at_k
from execbench.datasets.humaneval import Problem
from execbench.errors import UserError
from execbench.judge import StrictItem, judge_request

__all__ = ["Sample", "FunctionalReport", "build_program", "build_plan", "parse_samples", "score_samples"]


@dataclass(frozen=True)
class Sample:
    """One model sample for one problem, as read from a samples file."""

    task_id: str
    text: str
    """The completion, or the whole program when ``is_solution``."""
    is_solution: bool = False
    row: Mapping[str, Any] = field(default_factory=dict)
    """The original JSON object; the results file repeats it."""


@dataclass(frozen=True)
class FunctionalReport:
    """Scored samples: human-eval's results rows plus its pass@k summary."""

    mode: str
    rows: tuple[dict[str, Any], ...]
    """Each sample's object with ``result`` and ``passed`` added, in input order."""
    pass_at_k: dict[str, float]
    problems: int
    """Problems in the dataset."""
    attempted: int
    """Problems with at least one sample (pass@k averages over these)."""
    passed: int
    """Samples that passed."""
    stats: BatchStats
    provenance: Mapping[str, Any] = field(default_factory=dict)


def build_program(problem: Problem, sample: Sample, *, prelude: str = "", call_check: bool = True) -> str:
    """The exact text executed for ``sample`` (see the module docstring)."""
    program = _candidate_text(problem, sample, prelude) + "\n" + problem.test
    if call_check:
        program += "\n" + f"check({problem.entry_point})"
    return program


def _candidate_text(problem: Problem, sample: Sample, prelude: str) -> str:
    return prelude + (sample.text if sample.is_solution else problem.prompt + sample.text)


def build_plan(
    problem: Problem, sample: Sample, *, prelude: str = "", call_check: bool = True, timeout: float = 3.0
) -> Plan:
    """The judge's view of ``sample``: the candidate's text (the program up to the tests) and
    the trusted tests, for a compat confirmation and a strict verdict (:mod:`.judged`).

    Strict judging runs the tests beside the trusted prelude and prompt (the prompt's
    helpers, e.g. HumanEval/38's ``encode_cyclic``, are the dataset's, not the sample's).
    The compat confirmation gets twice the time plus a second: it only ever takes back a
    ``passed`` the harness gave, and must not do so because judging costs a little more.
    """
    program = _candidate_text(problem, sample, prelude)
    reference = prelude + problem.prompt + problem.canonical_solution if problem.canonical_solution else None
    return Plan(
        compat=judge_request(
            program,
            tests=problem.test,
            entry=problem.entry_point,
            check=call_check,
            mode="compat",
            timeout=2 * timeout + 1,
        ),
        strict=StrictItem(
            program=program,
            tests=problem.test,
            entry=problem.entry_point,
            trusted=prelude + problem.prompt,
            check=call_check,
            reference=reference,
            timeout=timeout,
        ),
    )


def parse_samples(
    rows: Sequence[tuple[int, dict[str, Any]]], problems: Mapping[str, Problem], where: str
) -> list[Sample]:
    """Validate samples against the problems: string ``task_id`` that exists, and a string
    ``completion`` (preferred) or ``solution``."""
    samples: list[Sample] = []
    for line, row in rows:
        here = f"{where}:{line}"
        task_id = row.get("task_id")
        if not isinstance(task_id, str):
            kind = "missing" if task_id is None else f"must be a string, got {type(task_id).__name__}"
            raise UserError(f"{here}: field 'task_id' {kind}")
        if task_id not in problems:
            raise UserError(f"{here}: unknown task_id {task_id!r} (not in the problems file)")
        key = "completion" if "completion" in row else "solution" if "solution" in row else None
        if key is None:
            raise UserError(f"{here}: needs a 'completion' (or a whole-program 'solution') field")
        text = row[key]
        if not isinstance(text, str):
            raise UserError(f"{here}: field {key!r} must be a string, got {type(text).__name__}")
        samples.append(Sample(task_id=task_id, text=text, is_solution=key == "solution", row=row))
    return samples


def score_samples(
    problems: Mapping[str, Problem],
    samples: Sequence[Sample],
    *,
    ks: Sequence[int] = (1, 10, 100),
    timeout: float = 3.0,
    prelude: str = "",
    call_check: bool = True,
    mode: str = "humaneval",
    pool: Any = None,
    dedupe: bool = True,
    static: bool = True,
    workers: int | None = None,
    strict: bool = False,
) -> FunctionalReport:
    """Run every sample's program (one batch, isolated per execution) and summarise.

    Problems without samples are left out of pass@k (human-eval would refuse the file;
    the CLI says how many were not attempted).
    """
    programs = [
        build_program(problems[s.task_id], s, prelude=prelude, call_check=call_check) for s in samples
    ]
    plans = [
        build_plan(problems[s.task_id], s, prelude=prelude, call_check=call_check, timeout=timeout)
        for s in samples
    ]
    results, stats = run_checks(
        programs,
        timeout=timeout,
        pool=pool,
        dedupe=dedupe,
        workers=workers,
        static=static,
        plans=plans,
        strict=strict,
    )
    rows: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for sample, result in zip(samples, results, strict=True):
        row = dict(sample.row)
        row["result"] = result
        row["passed"] = result == PASSED
        rows.append(row)
        totals[sample.task_id] += 1
        correct[sample.task_id] += row["passed"]
    counts = [(totals[t], correct[t]) for t in problems if t in totals]
    return FunctionalReport(
        mode=mode,
        rows=tuple(rows),
        pass_at_k=mean_pass_at_k(counts, ks),
        problems=len(problems),
        attempted=len(counts),
        passed=sum(correct.values()),
        stats=stats,
        provenance=stats.provenance(mode=mode + ("+strict" if strict else ""), timeout=timeout),
    )

"""The ``cruxeval`` compatibility mode: CRUXEval's scorer, verdict for verdict.

The quirks reproduced (facebookresearch/cruxeval ``evaluation/utils_general.py``):

- the prediction *text* is pasted into ``{code}\\nassert {output} == {generation}``; for
  input prediction the generation is the whole call ``f(...)``, for output prediction it
  is the literal. No import header is added.
- skip rules: an input generation without ``f(`` and an output generation containing
  the call ``f({input})`` itself are not run and are left out of n;
- if no generation of a sample passes, the sample's list becomes ``[False] * len(all)``
  (n = all generations, skipped ones included);
- pass@k per sample with the unbiased estimator, including its ``n - c < k -> 1.0``
  shortcut even when n < k; averaged over samples and multiplied by 100.

Each run uses the human-eval harness (:mod:`execbench.compat.harness`) with a 3 s alarm.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench import _pyast
from execbench.compat.execute import BatchStats, run_checks
from execbench.compat.harness import PASSED
from execbench.compat.judged import Plan
from execbench.compat.passk import pass_at_k
from execbench.datasets.cruxeval import CruxSample
from execbench.errors import UserError
from execbench.judge import StrictItem, judge_request
from execbench.judge.values import same

__all__ = [
    "MODES",
    "GenerationVerdict",
    "CruxReport",
    "check_program",
    "check_plan",
    "scored_list",
    "score_sample",
    "score_generations",
    "validate_generations",
]

MODES = ("input", "output")


@dataclass(frozen=True)
class GenerationVerdict:
    """What CRUXEval made of one generation."""

    generation: str
    skipped: bool
    """Not run, by CRUXEval's skip rule; left out of n unless nothing passes."""
    passed: bool
    result: str | None
    """human-eval result text (``passed`` / ``failed: ...`` / ``timed out``); None if skipped."""


@dataclass(frozen=True)
class CruxReport:
    """A scored generations file, convertible to CRUXEval's ``*_scored.json``."""

    mode: str
    raw_generations: Mapping[str, Any]
    """The generations exactly as given (CRUXEval echoes them)."""
    verdicts: Mapping[str, tuple[GenerationVerdict, ...]]
    """Per sample id, in dataset order."""
    scored: Mapping[str, list[bool]]
    """CRUXEval's ``raw_scored_generations``."""
    pass_at_1: float
    pass_at_5: float
    stats: BatchStats
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """CRUXEval's output object: exactly its four keys."""
        return {
            "raw_generations": dict(self.raw_generations),
            "raw_scored_generations": {key: list(value) for key, value in self.scored.items()},
            "pass_at_1": self.pass_at_1,
            "pass_at_5": self.pass_at_5,
        }


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise UserError(f"--mode must be 'input' or 'output', got {mode!r}")


def check_program(sample: CruxSample, generation: str, mode: str) -> str | None:
    """The program CRUXEval runs for ``generation``, or None when its skip rule applies."""
    _check_mode(mode)
    if mode == "input" and "f(" not in generation:
        return None
    if mode == "output" and f"f({sample.input})" in generation:
        return None
    return f"{sample.code}\nassert {sample.output} == {generation}"


def _literal(text: str) -> tuple[bool, Any]:
    if len(text) > 100_000:
        return False, None
    try:
        return True, _pyast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _literal_call(text: str) -> ast.Call | None:
    """``f(<literal>, ...)`` (keywords allowed, no ``*``/``**``), else None."""
    if len(text) > 100_000:
        return None
    try:
        node = _pyast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f"):
        return None
    parts = [*node.args, *(k.value for k in node.keywords)]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    for part in parts:
        if any(isinstance(n, ast.Name) for n in ast.walk(part)):
            return None
        try:
            _pyast.literal_eval(part)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return node


_STRICT_TEST = "from execbench.judge.values import same as _same\ndef check(candidate):\n    assert _same({call}, {output})\n"


def check_plan(sample: CruxSample, generation: str, mode: str, *, timeout: float = 3.0) -> Plan:
    """The judge's view of one generation (run only when :func:`check_program` runs it).

    Compat confirmation: the whole pasted program, its assertion evaluated by the judge
    (:mod:`execbench.judge`). Strict: an output answer must be a literal equal to the
    expected output (:func:`execbench.judge.values.same`, decided here, nothing runs); an
    input answer must be ``f(<literals>)``, called in the candidate, its plain return
    value compared with the expected output in the judge.
    """
    program = check_program(sample, generation, mode)
    compat = None
    if program is not None:
        compat = judge_request(program, tests="", kind="assert", mode="compat", timeout=2 * timeout + 1)
    ok_out, expected = _literal(sample.output)
    if mode == "output":
        ok, value = _literal(generation)
        if not (ok and ok_out):
            return Plan(compat, strict_text="failed: not a literal")
        return Plan(compat, strict_text=PASSED if same(expected, value) else "failed: ")
    call = _literal_call(generation)
    if call is None or not ok_out:
        return Plan(compat, strict_text="failed: not a call of f with literal arguments")
    call.func = ast.Name("candidate", ast.Load())
    test = _STRICT_TEST.format(call=ast.unparse(call), output=sample.output.strip())
    return Plan(compat, strict=StrictItem(program=sample.code, tests=test, entry="f", timeout=timeout))


def scored_list(verdicts: Sequence[GenerationVerdict]) -> list[bool]:
    """CRUXEval's per-sample list: run verdicts only, or all False when none passed."""
    ran = [v.passed for v in verdicts if not v.skipped]
    if True not in ran:
        return [False] * len(verdicts)
    return ran


def _verdicts(
    generations: Sequence[str], programs: Sequence[str | None], results: Sequence[str]
) -> tuple[GenerationVerdict, ...]:
    out: list[GenerationVerdict] = []
    it = iter(results)
    for generation, program in zip(generations, programs, strict=True):
        if program is None:
            out.append(GenerationVerdict(generation, skipped=True, passed=False, result=None))
        else:
            result = next(it)
            out.append(GenerationVerdict(generation, skipped=False, passed=result == PASSED, result=result))
    return tuple(out)


def score_sample(
    sample: CruxSample, generations: Sequence[str], mode: str, *, timeout: float = 3.0, pool: Any = None
) -> tuple[GenerationVerdict, ...]:
    """Per-generation verdicts (with skipped flags) for one sample's generation list.

    For many samples prefer :func:`score_generations`, which submits everything at once.
    """
    programs = [check_program(sample, g, mode) for g in generations]
    plans = [
        check_plan(sample, g, mode, timeout=timeout) for g, p in zip(generations, programs, strict=True) if p
    ]
    ran = [p for p in programs if p is not None]
    results, _ = run_checks(ran, timeout=timeout, pool=pool, plans=plans)
    return _verdicts(generations, programs, results)


def validate_generations(raw: Any, samples: Sequence[CruxSample], where: str) -> dict[str, list[str]]:
    """Check a parsed generations file: ``{"sample_i": [str, ...]}`` with known ids."""
    if not isinstance(raw, dict):
        raise UserError(
            f'{where}: expected a JSON object {{"sample_0": [...], ...}}, got {type(raw).__name__}'
        )
    if not raw:
        raise UserError(f"{where}: no generations")
    known = {s.id for s in samples}
    unknown = [key for key in raw if key not in known]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise UserError(
            f"{where}: unknown sample id {unknown[0]!r}{more}; ids must be those of the CRUXEval data"
        )
    for key, value in raw.items():
        if not isinstance(value, list):
            raise UserError(f"{where}: {key}: expected a list of strings, got {type(value).__name__}")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise UserError(f"{where}: {key}[{index}]: expected a string, got {type(item).__name__}")
    return raw


def score_generations(
    samples: Sequence[CruxSample],
    generations: Mapping[str, Sequence[str]],
    mode: str,
    *,
    timeout: float = 3.0,
    pool: Any = None,
    dedupe: bool = True,
    workers: int | None = None,
    static: bool = True,
    strict: bool = False,
) -> CruxReport:
    """Score a whole generations file as CRUXEval does, in one batch.

    Only samples present in ``generations`` are scored (in dataset order); CRUXEval itself
    insists on all of them, so compare pass@k only over identical sample sets.
    """
    _check_mode(mode)
    chosen = [s for s in samples if s.id in generations]
    plans = [[check_program(s, g, mode) for g in generations[s.id]] for s in chosen]
    flat = [p for plan in plans for p in plan if p is not None]
    judged = [
        check_plan(s, g, mode, timeout=timeout)
        for s, plan in zip(chosen, plans, strict=True)
        for g, p in zip(generations[s.id], plan, strict=True)
        if p is not None
    ]
    results, stats = run_checks(
        flat,
        timeout=timeout,
        pool=pool,
        dedupe=dedupe,
        workers=workers,
        static=static,
        plans=judged,
        strict=strict,
    )
    verdicts: dict[str, tuple[GenerationVerdict, ...]] = {}
    scored: dict[str, list[bool]] = {}
    offset = 0
    for sample, plan in zip(chosen, plans, strict=True):
        ran = sum(p is not None for p in plan)
        verdicts[sample.id] = _verdicts(generations[sample.id], plan, results[offset : offset + ran])
        offset += ran
        scored[sample.id] = scored_list(verdicts[sample.id])
    p1 = [pass_at_k(len(s), s.count(True), 1) for s in scored.values()]
    p5 = [pass_at_k(len(s), s.count(True), 5) for s in scored.values()]
    return CruxReport(
        mode=mode,
        raw_generations=dict(generations),
        verdicts=verdicts,
        scored=scored,
        pass_at_1=sum(p1) / len(p1) * 100 if p1 else 0.0,
        pass_at_5=sum(p5) / len(p5) * 100 if p5 else 0.0,
        stats=stats,
        provenance=stats.provenance(mode=f"cruxeval-{mode}" + ("+strict" if strict else ""), timeout=timeout),
    )

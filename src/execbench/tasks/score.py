"""Scoring: raw model text -> extracted answer -> verdict, with sandboxed verification.

Kinds judged by comparison (path, coverage, state, next-line, steps, branch, loop,
exception) never run anything. ``output`` and ``input`` run in the sandbox; ``codegen``
runs the problem's tests there. All executions of one scoring pass go to one pool in one
batch.

Modes (``task.meta["mode"]``):

- ``strict`` (execbench's own ``output``/``input``): the answer must be a literal
  (``parse_literal``; input: a call of the entry with literal arguments) and is compared as
  ``(<expected>) == (<answer>)`` in the sandbox. CRUXEval's skip rule applies (an output
  answer containing the call itself is left out). The pasted-assert verdict CRUXEval would
  give is computed in the same execution and recorded (``details["cruxeval_correct"]``,
  ``details["disagree"]``).
- ``cruxeval`` (tasks from CRUXEval): the verdict *is* CRUXEval's, via
  :mod:`execbench.compat.cruxeval` (its harness, skip rule and pasted assert), so published
  numbers reproduce. A text with ``[ANSWER]`` tags is first post-processed as CRUXEval does;
  a text without them is taken as an already-extracted generation, as in CRUXEval's
  generation files. The strict verdict is computed too, for the disagreement count.
- codegen (``humaneval``/``mbpp`` tasks): **strict judging** (:mod:`execbench.judge`): the
  program (prompt + extracted code) runs in a candidate process, the problem's tests in a
  judge process it cannot reach, against plain-data answers; the tests see the dataset's
  prompt helpers, not the sample's; ``details["result"]`` is the human-eval style text and
  ``details["judging"]`` says ``strict``. ``score(..., judging="compat")`` judges with
  human-eval's semantics instead (still decided outside the program's process).
"""

from __future__ import annotations

import ast
import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from execbench import __version__, _pyast
from execbench.compat.cruxeval import check_plan, check_program
from execbench.compat.execute import make_request, result_text
from execbench.compat.harness import PASSED
from execbench.datasets.cruxeval import CruxSample
from execbench.datasets.humaneval import Problem
from execbench.errors import UserError
from execbench.judge import Judgement, StrictItem, judge_programs, judge_request, judge_strict
from execbench.judge.values import same
from execbench.sandbox.types import DEFAULT_TIMEOUT, ExecRequest, ExecResult, Limits
from execbench.tasks._exec import open_pool, run_requests
from execbench.tasks.extract import extract, extract_code, extract_input, extract_output, parse_literal
from execbench.tasks.judge import LOCAL_KINDS, judge_local
from execbench.tasks.types import Prediction, Task, Verdict

__all__ = ["score", "VERIFY_RUNNER"]

VERIFY_RUNNER = "execbench.tasks._verify:check_equal"
_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"


@dataclass
class _Pending:
    """A verdict waiting for executions: indices of its requests in the batch."""

    index: int
    prediction: Prediction
    task: Task
    extracted: str | None
    strict: int | None = None
    compat: int | None = None
    skipped: bool = False
    note: str | None = None
    strict_is_compat: bool = False
    """The strict comparison parses exactly like CRUXEval's pasted one: reuse that verdict."""
    judged: int | None = None
    """Index of the codegen's judged request."""
    host_equal: bool | None = None
    """Strict output verdict decided here on two parsed literals (nothing of the program runs)."""


def _base_details(mode: str) -> dict[str, Any]:
    return {"mode": mode, "execbench": __version__, "python": _PYTHON}


def _strict_request(task: Task, expected: str, answer: str) -> ExecRequest:
    return ExecRequest(
        code=str(task.meta.get("program", "")),
        runner=VERIFY_RUNNER,
        args={"expected": expected, "answer": answer, "pasted": True},
        limits=Limits(timeout=DEFAULT_TIMEOUT),
    )


def _call_ok(text: str, entry: str) -> bool:
    """A call of ``entry`` whose arguments are all literals (strict input answers)."""
    try:
        node = _pyast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry):
        return False
    parts = [*node.args, *(k.value for k in node.keywords)]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    return all(parse_literal(ast.get_source_segment(text.strip(), p) or "")[0] for p in parts)


def _same_parse(expected: str, answer: str) -> bool:
    """``expected == answer`` and ``(expected) == (answer)`` are the same expression."""
    try:
        pasted = ast.dump(_pyast.parse(f"{expected} == {answer}", mode="eval"))
        strict = ast.dump(_pyast.parse(f"({expected}) == ({answer})", mode="eval"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return pasted == strict


def _crux_generation(text: str, kind: str) -> str:
    if "[ANSWER]" in text or "[/ANSWER]" in text:
        return extract(kind, text, mode="cruxeval") or ""
    return text


def _crux_sample(task: Task) -> CruxSample:
    meta = task.meta
    return CruxSample(
        id=str(meta.get("sample_id", task.task_id)),
        code=str(meta.get("program", "")),
        input=str(meta.get("args", "")),
        output=str(meta.get("expected_output", "")),
    )


def _plan_exec(
    pending: _Pending,
    strict_reqs: list[ExecRequest],
    compat_programs: list[str],
    judge_reqs: list[StrictItem],
    judging: str = "strict",
) -> None:
    """Decide what to run for an output/input/codegen prediction."""
    task, text = pending.task, pending.prediction.text
    meta = task.meta
    mode = str(meta.get("mode", "strict"))
    entry = str(meta.get("entry", "f"))
    expected = str(meta.get("expected_output", ""))
    if task.kind == "codegen":
        code = extract_code(text, entry=entry)
        pending.extracted = code
        if code is None:
            return
        problem = Problem(
            task_id=str(meta.get("problem", task.task_id)),
            prompt=str(meta.get("prompt", "")),
            entry_point=entry,
            test=str(meta.get("test", "")),
        )
        # human-eval always runs prompt + completion, also when the completion redefines the
        # function: the prompt may define helpers the solution calls (HumanEval/38, /50).
        pending.judged = len(judge_reqs)
        judge_reqs.append(
            StrictItem(
                program=problem.prompt + code,
                tests=problem.test,
                entry=entry,
                trusted=problem.prompt,
                check=meta.get("source") != "mbpp",
                timeout=DEFAULT_TIMEOUT,
            )
        )
        return
    call = f"{entry}({meta.get('args', '')})"
    if mode == "cruxeval":
        generation = _crux_generation(text, task.kind)
        pending.extracted = generation
        program = check_program(_crux_sample(task), generation, task.kind)
        if program is None:
            pending.skipped = True
        else:
            pending.compat = len(compat_programs)
            compat_programs.append(program)
        strict_answer = extract_output(text) if task.kind == "output" else extract_input(text, entry=entry)
    else:
        strict_answer = extract_output(text) if task.kind == "output" else extract_input(text, entry=entry)
        pending.extracted = strict_answer
        if strict_answer is not None and task.kind == "output" and call in strict_answer:
            pending.skipped = True
            return
    if strict_answer is None:
        pending.note = "no answer found"
        return
    valid = parse_literal(strict_answer)[0] if task.kind == "output" else _call_ok(strict_answer, entry)
    if not valid:
        pending.note = (
            "not a literal" if task.kind == "output" else "not a call of the entry with literal arguments"
        )
    if mode == "cruxeval" and valid and pending.compat is not None and strict_answer == pending.extracted:
        if _same_parse(expected, strict_answer):
            pending.strict_is_compat = True
            return
    if valid and task.kind == "output":
        known, want = parse_literal(expected)
        if known:
            pending.host_equal = same(want, parse_literal(strict_answer)[1])
            if mode == "cruxeval":
                return
            valid = False  # the sandbox only computes CRUXEval's pasted verdict, for the record
    pending.strict = len(strict_reqs)
    strict_reqs.append(_strict_request(task, expected, strict_answer if valid else "None"))
    if not valid:
        # still run the pasted form so the CRUXEval verdict is known for the disagreement count
        strict_reqs[-1] = ExecRequest(
            code=strict_reqs[-1].code,
            runner=VERIFY_RUNNER,
            args={"expected": expected, "answer": strict_answer, "pasted": True, "pasted_only": True},
            limits=strict_reqs[-1].limits,
        )


def _finish(
    pending: _Pending,
    strict: list[ExecResult],
    compat: list[str],
    compat_iso: list[str],
    judged: list[Judgement],
    judging: str = "strict",
) -> Verdict:
    task = pending.task
    mode = str(task.meta.get("mode", "humaneval" if task.kind == "codegen" else "strict"))
    details = _base_details(mode)
    details["timeout"] = DEFAULT_TIMEOUT
    if task.kind == "codegen":
        details["judging"] = judging
    if pending.note:
        details["note"] = pending.note
    strict_ok: bool | None = None
    pasted_ok: bool | None = None
    if pending.strict is not None:
        result = strict[pending.strict]
        details["isolation"] = result.isolation
        payload = result.payload if result.passed and isinstance(result.payload, dict) else {}
        if not result.passed:
            details["status"] = str(result.status)
        strict_ok = bool(payload.get("equal")) and pending.note is None
        pasted_ok = bool(payload.get("pasted"))
        if payload.get("error"):
            details["error"] = payload["error"]
    if pending.host_equal is not None:
        strict_ok = pending.host_equal
    compat_ok: bool | None = None
    if pending.compat is not None:
        details["result"] = compat[pending.compat]
        details["isolation"] = compat_iso[pending.compat]
        compat_ok = compat[pending.compat] == PASSED
    if pending.strict_is_compat:
        strict_ok = compat_ok
    if pending.judged is not None:
        verdict = judged[pending.judged]
        details["result"] = verdict.result
        details["isolation"] = verdict.isolation
        if verdict.reason:
            details["reason"] = verdict.reason
        compat_ok = verdict.passed
    if task.kind == "codegen":
        correct = bool(compat_ok)
    elif mode == "cruxeval":
        correct = bool(compat_ok)
        details["strict_correct"] = bool(strict_ok)
        details["disagree"] = (not pending.skipped) and bool(strict_ok) != correct
    else:
        correct = bool(strict_ok)
        if pasted_ok is not None:
            details["cruxeval_correct"] = pasted_ok
            details["disagree"] = pasted_ok != correct
    if pending.skipped:
        details["skip_rule"] = True
        correct = False
    return Verdict(
        task_id=task.task_id,
        sample=pending.prediction.sample,
        extracted=pending.extracted,
        correct=correct,
        score=1.0 if correct else 0.0,
        skipped=pending.skipped,
        details=details,
    )


def score(
    tasks: Sequence[Task], predictions: Sequence[Prediction], *, pool: Any = None, judging: str = "strict"
) -> list[Verdict]:
    """One verdict per prediction, in the predictions' order.

    ``judging``: how codegen answers are judged, ``"strict"`` (default) or ``"compat"``
    (human-eval's semantics); see the module docstring.
    """
    if judging not in ("strict", "compat"):
        raise UserError(f"judging must be 'strict' or 'compat', got {judging!r}")
    by_id = {t.task_id: t for t in tasks}
    unknown = [p.task_id for p in predictions if p.task_id not in by_id]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise UserError(
            f"prediction for unknown task id {unknown[0]!r}{more}; score predictions against the tasks file they were made for"
        )
    verdicts: list[Verdict | None] = [None] * len(predictions)
    waiting: list[_Pending] = []
    strict_reqs: list[ExecRequest] = []
    compat_programs: list[str] = []
    judge_reqs: list[StrictItem] = []
    reval_items: list[tuple[int, Prediction]] = []
    for index, prediction in enumerate(predictions):
        task = by_id[prediction.task_id]
        compat_mode = task.meta.get("mode")
        if compat_mode == "reval":
            reval_items.append((index, prediction))
        elif compat_mode == "coconut":
            from execbench.tasks.coconut_mode import score_coconut

            verdicts[index] = score_coconut(task, prediction)
        elif task.kind in LOCAL_KINDS:
            extracted, correct, value, extra = judge_local(task, prediction.text)
            details = {**_base_details("strict"), **extra}
            verdicts[index] = Verdict(
                task_id=task.task_id,
                sample=prediction.sample,
                extracted=extracted,
                correct=correct,
                score=value if task.kind == "path" else float(correct),
                details=details,
            )
        elif task.kind in ("output", "input", "codegen"):
            pending = _Pending(index, prediction, task, None)
            _plan_exec(pending, strict_reqs, compat_programs, judge_reqs, judging)
            waiting.append(pending)
        else:
            raise UserError(
                f"task {task.task_id!r} has kind {task.kind!r}, which has no scorer; rebuild the tasks"
            )
    if waiting:
        with contextlib.ExitStack() as stack:
            if pool is None:
                pool = stack.enter_context(open_pool())
            strict_results, compat_texts, compat_iso, judged = _execute(
                strict_reqs, compat_programs, judge_reqs, pool, judging
            )
            _confirm_cruxeval(waiting, strict_results, compat_texts, pool)
        for pending in waiting:
            verdicts[pending.index] = _finish(
                pending, strict_results, compat_texts, compat_iso, judged, judging
            )
    if reval_items:
        from execbench.tasks.reval_mode import score_reval

        def run(requests: list[ExecRequest]) -> list[ExecResult]:
            if pool is None:
                with open_pool() as own:
                    return run_requests(requests, own)
            return run_requests(requests, pool)

        for index, verdict in score_reval(by_id, reval_items, run).items():
            verdicts[index] = verdict
    return [v for v in verdicts if v is not None]


def _confirm_cruxeval(
    waiting: list[_Pending], strict: list[ExecResult], compat: list[str], pool: Any
) -> None:
    """Have the judge confirm CRUXEval-mode passes that strict checking did not (see
    :mod:`execbench.compat.judged`): a pasted generation shares the harness's process, so
    its ``passed`` is a claim; one the judge refuses becomes the judge's ``failed`` text."""
    todo: list[tuple[int, ExecRequest]] = []
    for pending in waiting:
        if pending.compat is None or compat[pending.compat] != PASSED or pending.strict_is_compat:
            continue
        if pending.host_equal:
            continue
        if str(pending.task.meta.get("mode")) != "cruxeval":
            continue
        if pending.strict is not None:
            result = strict[pending.strict]
            if result.passed and isinstance(result.payload, dict) and result.payload.get("equal"):
                continue
        request = check_plan(_crux_sample(pending.task), pending.extracted or "", pending.task.kind).compat
        if request is not None:
            todo.append((pending.compat, request))
    if not todo:
        return
    for (slot, _), verdict in zip(todo, judge_programs([r for _, r in todo], pool), strict=True):
        if not verdict.passed:
            compat[slot] = verdict.result


def _judge_codegen(items: list[StrictItem], pool: Any, judging: str) -> list[Judgement]:
    """Codegen verdicts: strict (batched where the tests' calls can be planned) or compat."""
    unique: dict[StrictItem, int] = {}
    slots = [unique.setdefault(item, len(unique)) for item in items]
    if judging == "strict":
        verdicts = judge_strict(list(unique), pool)
    else:
        requests = [
            judge_request(
                i.program, tests=i.tests, entry=i.entry, check=i.check, mode="compat", timeout=i.timeout
            )
            for i in unique
        ]
        verdicts = judge_programs(requests, pool)
    return [verdicts[s] for s in slots]


def _unique(requests: list[ExecRequest]) -> tuple[list[ExecRequest], list[int]]:
    index: dict[tuple[str, str, str], int] = {}
    slots = [
        index.setdefault((r.runner, r.code, json.dumps(r.args, sort_keys=True)), len(index)) for r in requests
    ]
    firsts = {slot: i for i, slot in reversed(list(enumerate(slots)))}
    return [requests[firsts[u]] for u in range(len(index))], slots


def _execute(
    strict_reqs: list[ExecRequest],
    compat_programs: list[str],
    judge_items: list[StrictItem],
    pool: Any,
    judging: str = "strict",
) -> tuple[list[ExecResult], list[str], list[str], list[Judgement]]:
    """Run all batches on one pool; identical executions run once (programs are deterministic)."""
    strict_run, strict_slots = _unique(strict_reqs)
    unique: dict[str, int] = {}
    slots = [unique.setdefault(p, len(unique)) for p in compat_programs]
    compat_reqs = [make_request(p, DEFAULT_TIMEOUT) for p in unique]
    results = run_requests([*strict_run, *compat_reqs], pool)
    strict_results = results[: len(strict_run)]
    compat_results = results[len(strict_run) : len(strict_run) + len(compat_reqs)]
    judged = _judge_codegen(judge_items, pool, judging)
    texts = [result_text(r) for r in compat_results]
    return (
        [strict_results[s] for s in strict_slots],
        [texts[s] for s in slots],
        [compat_results[s].isolation for s in slots],
        judged,
    )

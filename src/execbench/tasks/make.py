"""From one traced call to its tasks: which questions to ask, their ids, answers and prompts.

Pure: a :class:`Subject` (program + call + what to ask) and its :class:`CallFacts` go in,
:class:`Task` values come out. Questions for sources that do not give them (everything but
REval and CoCoNUT) are chosen from the program's structure and the trace, with a random
generator seeded by ``(seed, subject)`` so that builds are reproducible.
"""

from __future__ import annotations

import ast
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench import _pyast
from execbench.tasks.facts import (
    CallFacts,
    assigned_names,
    branch_outcome,
    collapse,
    control_lines,
    loop_iterations,
    next_lines,
    statement_lines,
)
from execbench.tasks.kinds import Question
from execbench.tasks.prompts import render_prompt
from execbench.tasks.types import Task

__all__ = ["Subject", "make_tasks", "state_queries", "dedup_key"]

#: How many questions of each line-based kind to ask per call, when the source does not say.
PER_CALL = {"coverage": 4, "state": 2, "next-line": 2, "branch": 2, "loop": 1}


@dataclass(frozen=True)
class Subject:
    """One call of one program, and what to ask about it."""

    source: str
    program_id: str
    code: str
    entry: str
    args: str
    """Argument text: the call is ``entry(args)``."""
    input_idx: int
    id_prefix: str
    """Task ids are ``<id_prefix>/<question>`` (REval and CoCoNUT have their own forms)."""
    kinds: tuple[str, ...]
    constructs: tuple[str, ...] = ()
    mode: str = "strict"
    """Scoring mode of output/input tasks: ``strict`` or ``cruxeval``."""
    expected_output: str | None = None
    """The source's own output text (CRUXEval): the answer its scorer compares with."""
    questions: tuple[tuple[int, str], ...] = ()
    """Given (line, var) questions (REval); empty: choose from the trace."""
    extra: tuple[tuple[str, Any], ...] = ()
    """Source-specific metadata copied into ``meta`` (e.g. LDB's model, variant provenance)."""
    shown_call: str | None = None
    """What prompts show instead of ``entry(args)`` (REval's ClassEval cases: the test code)."""
    harness: tuple[tuple[str, Any], ...] = ()
    """Extra probe arguments (REval's ClassEval cases: ``reval_class``)."""
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def call(self) -> str:
        return self.shown_call if self.shown_call is not None else f"{self.entry}({self.args})"


def state_queries(subject: Subject) -> list[tuple[int, str]]:
    """Every (line, var) the probe should answer: given questions, else every assignment target."""
    if subject.questions:
        return sorted(set(subject.questions))
    if "state" not in subject.kinds and "consistency" not in subject.kinds:
        return []
    return sorted((line, var) for line, names in assigned_names(subject.code).items() for var in names)


def _rng(seed: int, subject: Subject) -> random.Random:
    digest = hashlib.sha256(f"{seed}\0{subject.id_prefix}\0{subject.code}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _pick(rng: random.Random, items: Sequence[Any], k: int) -> list[Any]:
    items = list(items)
    return sorted(items) if len(items) <= k else sorted(rng.sample(items, k))


def _literal_args(args: str) -> bool:
    """Every argument of ``f(<args>)`` is a literal (an input answer must be writable as one)."""
    try:
        call = _pyast.parse(f"_({args})", mode="eval").body
        assert isinstance(call, ast.Call)
        for node in [*call.args, *(k.value for k in call.keywords)]:
            _pyast.literal_eval(node)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError, AssertionError):
        return False
    return True


def _questions(
    subject: Subject, facts: CallFacts, seed: int, kinds: Sequence[str]
) -> list[tuple[Question, Any]]:
    """(question, answer) pairs for one call, in kind order."""
    lines = facts.lines()
    executed = set(lines)
    out: list[tuple[Question, Any]] = []
    rng = _rng(seed, subject)
    arms = control_lines(subject.code)
    given = subject.questions
    for kind in kinds:
        if kind in ("output", "input") and subject.expected_output is not None:
            # the source's own answer (CRUXEval): its scorer compares against exactly this text
            out.append((Question(kind), subject.expected_output if kind == "output" else subject.call))
        elif kind == "output" and facts.status == "returned":
            if facts.output is not None and facts.output_literal:
                out.append((Question("output"), facts.output))
        elif kind == "input" and facts.status == "returned" and _literal_args(subject.args):
            if facts.output is not None and facts.output_literal:
                out.append((Question("input"), subject.call))
        elif kind == "exception":
            out.append((Question("exception"), facts.exception))
        elif not facts.ok:
            continue
        elif kind == "path":
            out.append((Question("path"), collapse(lines)))
        elif kind == "steps":
            out.append((Question("steps"), len(lines)))
        elif kind == "coverage":
            if given:
                out.extend(
                    (Question("coverage", line=n), n in executed) for n in sorted({n for n, _ in given})
                )
                continue
            candidates = statement_lines(subject.code)
            hit = [n for n in candidates if n in executed]
            miss = [n for n in candidates if n not in executed]
            half = PER_CALL["coverage"] // 2
            chosen = _pick(rng, hit, half + max(0, half - len(miss))) + _pick(rng, miss, half)
            out.extend((Question("coverage", line=n), n in executed) for n in sorted(chosen))
        elif kind == "state":
            pairs = (
                list(given)
                if given
                else [
                    (n, v)
                    for n, v in state_queries(subject)
                    if n in executed and facts.state(n, v) is not None
                ]
            )
            chosen = pairs if given else _pick(rng, pairs, PER_CALL["state"])
            out.extend((Question("state", line=n, var=v), facts.state(n, v)) for n, v in chosen)
        elif kind == "next-line":
            targets = (
                sorted({n for n, _ in given})
                if given
                else _pick(rng, sorted(executed), PER_CALL["next-line"])
            )
            out.extend((Question("next-line", line=n), next_lines(lines, n) or [-1]) for n in targets)
        elif kind == "branch":
            options = []
            for n, arm in sorted(arms.items()):
                if arm.kind == "for" or n not in executed:
                    continue
                evaluations = sum(1 for x in lines if x == n)
                for k in sorted({1, evaluations}):
                    outcome = branch_outcome(facts.events, arm, k)
                    if outcome is not None:
                        options.append((n, k, outcome))
            for n, k, outcome in _pick(rng, options, PER_CALL["branch"]):
                out.append((Question("branch", line=n, occurrence=k), outcome))
        elif kind == "loop":
            loops = [arm for n, arm in sorted(arms.items()) if arm.kind in ("for", "while") and n in executed]
            for arm in _pick(rng, [a.line for a in loops], PER_CALL["loop"]):
                out.append((Question("loop", line=arm), loop_iterations(facts.events, arms[arm])))
    return out


def _task_id(subject: Subject, q: Question) -> str:
    if subject.source == "coconut":
        return subject.id_prefix
    return f"{subject.id_prefix}/{q.suffix()}"


def _meta(subject: Subject, q: Question, facts: CallFacts) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": subject.source,
        "program_id": subject.program_id,
        "program": subject.code,
        "entry": subject.entry,
        "input": subject.call,
        "args": subject.args,
        "input_idx": subject.input_idx,
        "constructs": list(subject.constructs),
        "provenance": dict(subject.provenance),
    }
    if q.kind in ("output", "input"):
        meta["mode"] = subject.mode
        meta["expected_output"] = (
            subject.expected_output if subject.expected_output is not None else facts.output
        )
    if q.line is not None:
        meta["line"] = q.line
    if q.var is not None:
        meta["var"] = q.var
    if q.occurrence is not None:
        meta["occurrence"] = q.occurrence
    for key, value in subject.extra:
        meta[key] = value
    return meta


def _task(subject: Subject, q: Question, answer: Any, facts: CallFacts, task_id: str) -> Task:
    output = subject.expected_output if subject.expected_output is not None else facts.output
    shown_output = output if q.kind == "input" else None
    return Task(
        task_id=task_id,
        kind=q.kind,
        prompt=render_prompt(q.kind, subject.code, subject.call, q, cot=False, output=shown_output),
        prompt_cot=render_prompt(q.kind, subject.code, subject.call, q, cot=True, output=shown_output),
        answer=answer,
        meta=_meta(subject, q, facts),
    )


def make_tasks(subject: Subject, facts: CallFacts, *, seed: int = 0) -> list[Task]:
    """The tasks of one call (none when the call could not be traced)."""
    if subject.source == "reval":
        return _reval_tasks(subject, facts)
    kinds = [k for k in subject.kinds if k not in ("consistency", "codegen")]
    if "consistency" in subject.kinds:
        kinds += [k for k in ("coverage", "state", "next-line", "output") if k not in kinds]
    return [
        _task(subject, q, answer, facts, _task_id(subject, q))
        for q, answer in _questions(subject, facts, seed, kinds)
    ]


def _reval_tasks(subject: Subject, facts: CallFacts) -> list[Task]:
    """REval's four items per (line, var), with its ids ``reval/<idx>/<input>/<line>/<var>/<kind>``."""
    if facts.status != "returned" or facts.truncated:
        return []
    lines = facts.lines()
    executed = set(lines)
    wanted = [
        k
        for k in ("coverage", "state", "next-line", "output")
        if k in subject.kinds or "consistency" in subject.kinds
    ]
    out: list[Task] = []
    for line, var in subject.questions:
        for kind in wanted:
            if kind == "coverage":
                q, answer = Question("coverage", line=line), line in executed
            elif kind == "state":
                q, answer = Question("state", line=line, var=var), facts.state(line, var)
            elif kind == "next-line":
                q, answer = Question("next-line", line=line), next_lines(lines, line) or [-1]
            else:
                if facts.output is None or not facts.output_literal:
                    continue
                q, answer = Question("output"), facts.output
            task = _task(subject, q, answer, facts, f"{subject.id_prefix}/{line}/{var}/{kind}")
            task.meta.setdefault("line", line)
            task.meta.setdefault("var", var)
            out.append(task)
    return out


def dedup_key(task: Task) -> tuple[str, ...]:
    """Same program + input + kind + question -> one task (REval and CoCoNUT ids are kept as given)."""
    meta = task.meta
    if meta.get("source") in ("reval", "coconut") or task.kind == "codegen":
        return ("id", task.task_id)
    code_hash = hashlib.sha256(str(meta.get("program", "")).encode()).hexdigest()
    return (
        code_hash,
        str(meta.get("input", "")),
        task.kind,
        str(meta.get("line", "")),
        str(meta.get("var", "")),
        str(meta.get("occurrence", "")),
    )

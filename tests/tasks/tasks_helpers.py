"""Helpers shared by the task-suite tests: trace a hand-written call and make its tasks."""

from __future__ import annotations

from typing import Any

from execbench.tasks._probe import probe
from execbench.tasks.facts import CallFacts
from execbench.tasks.kinds import TRACE_KINDS
from execbench.tasks.make import Subject, make_tasks, state_queries
from execbench.tasks.types import Task


def subject(
    code: str, args: str, *, entry: str = "f", kinds: tuple[str, ...] = TRACE_KINDS, **extra: Any
) -> Subject:
    return Subject(
        source=extra.pop("source", "user"),
        program_id=extra.pop("program_id", "user/t"),
        code=code,
        entry=entry,
        args=args,
        input_idx=0,
        id_prefix=extra.pop("id_prefix", "user/t/0"),
        kinds=kinds,
        **extra,
    )


def facts_of(s: Subject) -> CallFacts:
    """In-process probe (trusted test code only): the same function the sandbox runs."""
    payload = probe(
        s.code, {"entry": s.entry, "args": s.args, "queries": [list(q) for q in state_queries(s)]}
    )
    return CallFacts.from_payload(payload)


def tasks_of(s: Subject, seed: int = 0) -> dict[str, Task]:
    return {t.task_id: t for t in make_tasks(s, facts_of(s), seed=seed)}

"""Compat verdicts no program can forge, and the strict verdicts compat scorers report beside them.

Every compat scorer still runs upstream's in-process harness (:mod:`.harness`), because
upstream's exact ``result`` texts come from it. But a program shares that process with the
harness, so its ``"passed"`` is only a claim: a program can rebind the harness's names,
hunt the report nonce, or patch ``builtins``. Each sample therefore also carries a
:class:`Plan` for the judge (:mod:`execbench.judge`), whose verdicts the program cannot reach:

- its **strict** verdict is always computed (reported as how many verdicts strict judging
  would change; ``--strict`` makes it the verdict);
- a harness ``"passed"`` that strict judging does not confirm is re-judged in **compat**
  mode -- upstream's semantics with the tests in the judge, the program's objects answering
  for themselves -- and if that says failed, the sample fails with its text. An honest
  program upstream passes also passes there, so published figures are unchanged; a program
  that passed only by tampering with the harness process fails.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from execbench.compat.harness import PASSED, TIMED_OUT
from execbench.judge import StrictItem, judge_programs, judge_strict
from execbench.sandbox.types import ExecRequest

__all__ = ["Plan", "JudgedTexts", "judge_plans"]


@dataclass(frozen=True)
class Plan:
    """How the judge checks one sample."""

    compat: ExecRequest | None
    """The compat-mode judged request that confirms a harness ``passed`` (None: trust it,
    e.g. a verdict decided from the program text without running anything)."""
    strict: StrictItem | None = None
    """What strict judging judges; None when ``strict_text`` is already known."""
    strict_text: str | None = None
    """A strict verdict decided without running (e.g. an answer that is not a literal)."""


@dataclass(frozen=True)
class JudgedTexts:
    texts: list[str]
    """The verdict texts to report (compat, or strict when asked)."""
    strict_texts: list[str]
    strict_changes: int
    """Samples whose pass/fail strict judging decides differently from compat."""
    overridden: int
    """Harness ``passed`` claims the compat judge refused (tampering programs)."""


def _run_unique(requests: list[ExecRequest], pool: Any) -> list[str]:
    index: dict[tuple[str, str], int] = {}
    slots = [index.setdefault((r.code, json.dumps(r.args, sort_keys=True)), len(index)) for r in requests]
    firsts: dict[int, ExecRequest] = {}
    for slot, request in zip(slots, requests, strict=True):
        firsts.setdefault(slot, request)
    verdicts = judge_programs([firsts[i] for i in range(len(index))], pool)
    return [verdicts[s].result for s in slots]


def judge_plans(
    harness: Sequence[str], plans: Sequence[Plan], pool: Any, *, strict: bool = False
) -> JudgedTexts:
    """Confirm the harness's passes and compute strict verdicts, on ``pool``, in two batches."""
    # A program the harness saw run out of time is not run again to be judged strictly:
    # strict judging never passes what upstream could not finish (and a loop costs seconds).
    strict_texts: list[str | None] = [
        TIMED_OUT if p.strict_text is None and h == TIMED_OUT else p.strict_text
        for h, p in zip(harness, plans, strict=True)
    ]
    todo = [i for i, p in enumerate(plans) if strict_texts[i] is None and p.strict is not None]
    unique: dict[StrictItem, int] = {}
    slots = [unique.setdefault(plans[i].strict, len(unique)) for i in todo]  # type: ignore[arg-type]
    verdicts = judge_strict(list(unique), pool)
    for i, slot in zip(todo, slots, strict=True):
        strict_texts[i] = verdicts[slot].result
    stricts = [t if t is not None else "failed: not judged" for t in strict_texts]
    final = list(harness)
    check = [
        i
        for i, p in enumerate(plans)
        if harness[i] == PASSED and stricts[i] != PASSED and p.compat is not None
    ]
    overridden = 0
    for i, text in zip(check, _run_unique([plans[i].compat for i in check], pool), strict=True):  # type: ignore[misc]
        if text != PASSED:
            final[i] = text
            overridden += 1
    changes = sum((s == PASSED) != (f == PASSED) for s, f in zip(stricts, final, strict=True))
    return JudgedTexts(
        texts=stricts if strict else final,
        strict_texts=stricts,
        strict_changes=changes,
        overridden=overridden,
    )

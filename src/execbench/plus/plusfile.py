"""The PLUS.jsonl format, and EvalPlus's released HumanEval+/MBPP+ files read as the same thing.

execbench's own format (written by ``execbench augment``), one JSON object per task::

    {"task_id": "HumanEval/0", "entry_point": "has_close_elements",
     "inputs": ["[[1.0, 2.0], 0.5]", ...],      # argument lists as Python literal text
     "expected": ["False", ...],                 # the reference's outputs, literal text
     "atol": 0.0,                                # float tolerance (EvalPlus's rule)
     "provenance": [{"origin": "seed:test"|"seed:docstring"|"coverage"|"random", "why": "..."}],
     "perf_inputs": [...], "perf_expected": [...], "perf_reference_cost": [...],   # optional
     "oracle": "poly_root",                      # optional (find_zero)
     "stats": {...}}

EvalPlus's format (``HumanEvalPlus.jsonl``, ``MbppPlus.jsonl``): ``task_id``, ``prompt``,
``canonical_solution``, ``entry_point``, ``contract``, ``base_input``, ``plus_input`` (lists
of argument lists as JSON), ``atol``. Expected outputs are not in the file: as EvalPlus
does, they are computed by running the canonical solution (in the sandbox). EvalPlus's
``Mbpp/N`` ids are mapped to execbench's ``MBPP/N``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execbench.datasets.humaneval import Problem
from execbench.datasets.loading import read_jsonl
from execbench.errors import UserError
from execbench.plus.seeds import args_text

__all__ = ["Suite", "read_plus"]


@dataclass(frozen=True)
class Suite:
    """The extra tests of one task."""

    task_id: str
    inputs: tuple[str, ...]
    expected: tuple[str, ...] | None
    """``None`` until computed from the reference (EvalPlus files)."""
    atol: float = 0.0
    oracle: str | None = None
    evalplus: bool = False
    base_count: int = 0
    """EvalPlus files: the first ``base_count`` inputs are ``base_input``."""
    reference: str | None = None
    """EvalPlus files: the row's ``prompt + canonical_solution``, when present."""
    perf_inputs: tuple[str, ...] = ()
    perf_expected: tuple[str, ...] = ()
    entry: str | None = None
    """The function the inputs are for, when not the problem's ``entry_point`` (execbench's
    own files record the function the tests call: LDB's MBPP names a helper for 20 tasks)."""


def _strings(row: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"{where}: field {key!r} must be a list of strings (Python literal text)")
    return tuple(value)


def _atol(row: Mapping[str, Any], where: str) -> float:
    atol = row.get("atol", 0) or 0
    if not isinstance(atol, (int, float)) or isinstance(atol, bool) or not math.isfinite(atol) or atol < 0:
        raise UserError(f"{where}: field 'atol' must be a non-negative number, got {atol!r}")
    return float(atol)


def _task_id(raw: Any, problems: Mapping[str, Problem], where: str) -> str:
    if not isinstance(raw, str):
        raise UserError(f"{where}: field 'task_id' must be a string")
    if raw not in problems and raw.startswith("Mbpp/") and "MBPP/" + raw[5:] in problems:
        return "MBPP/" + raw[5:]
    if raw not in problems:
        raise UserError(f"{where}: unknown task_id {raw!r} (not in the problems file)")
    return raw


def _evalplus(row: Mapping[str, Any], task_id: str, where: str) -> Suite:
    texts: list[str] = []
    counts = []
    for key in ("base_input", "plus_input"):
        value = row.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
            raise UserError(f"{where}: field {key!r} must be a list of argument lists")
        texts += [args_text(v) for v in value]
        counts.append(len(value))
    prompt, canon = row.get("prompt"), row.get("canonical_solution")
    reference = prompt + canon if isinstance(prompt, str) and isinstance(canon, str) else None
    return Suite(
        task_id=task_id,
        inputs=tuple(texts),
        expected=None,
        atol=_atol(row, where),
        oracle="poly_root" if row.get("entry_point") == "find_zero" else None,
        evalplus=True,
        base_count=counts[0],
        reference=reference,
    )


def read_plus(path: Path, problems: Mapping[str, Problem]) -> dict[str, Suite]:
    """Suites keyed by task id; a malformed file is one ``UserError`` naming the line."""
    suites: dict[str, Suite] = {}
    for line, row in read_jsonl(path, what="--plus file"):
        where = f"{path}:{line}"
        task_id = _task_id(row.get("task_id"), problems, where)
        if task_id in suites:
            raise UserError(f"{where}: duplicate task_id {task_id!r}")
        if "plus_input" in row or "base_input" in row:
            suites[task_id] = _evalplus(row, task_id, where)
            continue
        inputs = _strings(row, "inputs", where)
        expected = _strings(row, "expected", where)
        if len(inputs) != len(expected):
            raise UserError(f"{where}: 'inputs' and 'expected' differ in length")
        perf = _strings(row, "perf_inputs", where)
        perf_expected = _strings(row, "perf_expected", where)
        if len(perf) != len(perf_expected):
            raise UserError(f"{where}: 'perf_inputs' and 'perf_expected' differ in length")
        oracle = row.get("oracle")
        entry = row.get("entry_point")
        suites[task_id] = Suite(
            task_id=task_id,
            inputs=inputs,
            expected=expected,
            atol=_atol(row, where),
            oracle=oracle if isinstance(oracle, str) else None,
            perf_inputs=perf,
            perf_expected=perf_expected,
            entry=entry if isinstance(entry, str) and entry.isidentifier() else None,
        )
    return suites

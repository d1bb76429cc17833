"""REval's files (``DREval_data.jsonl`` and ``DREval_tasks.jsonl``), read as data only.

``DREval_data.jsonl`` rows: ``task_id``, ``entry_point``, ``code``, ``inputs`` (argument
tuples as text, e.g. ``"([1.0, 2.0], 0.3,)"``), ``outputs``, ``test`` (None for function
programs; unittest source for ClassEval programs). ``DREval_tasks.jsonl`` rows: ``task_id``,
``idx`` (the data row), ``tasks``: ``[{input_idx, task: [{lineno, var}], output_pred}]``.
Line numbers are 1-based in ``code``. REval's own answers are not read: ground truth is
recomputed by tracing.

The argument text is a tuple; REval calls ``fn(*eval(text))``. We turn it into the call
``entry(<elements>)`` by parsing (never evaluating) the tuple, so the call text in prompts
and in the sandbox is the one REval shows (``f(<text without its last ',)'>)``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from execbench import _pyast
from execbench.datasets.loading import read_jsonl, require_str
from execbench.errors import UserError

__all__ = ["RevalProgram", "RevalItem", "load_reval", "tuple_args", "output_questions"]


@dataclass(frozen=True)
class RevalProgram:
    idx: int
    """Row number in DREval_data.jsonl (0-based): REval's ``idx``."""
    task_id: str
    entry: str
    code: str
    inputs: tuple[str, ...]
    """Argument texts of the calls (the tuple's elements, comma-separated)."""
    test: str | None
    """unittest source for ClassEval programs (None for function programs)."""
    raw_inputs: tuple[str, ...] = ()
    """The ``inputs`` texts as the file has them (REval runs ``fn(*eval(text))``)."""


@dataclass(frozen=True)
class RevalItem:
    """One (program, input, line, variable) question group."""

    idx: int
    input_idx: int
    lineno: int
    var: str


def tuple_args(text: str, where: str) -> str:
    """``"([1.0, 2.0], 0.3,)"`` -> ``"[1.0, 2.0], 0.3"``: the elements' source, parsed not run."""
    try:
        node = _pyast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise UserError(f"{where}: input {text!r} is not an argument tuple") from None
    if not isinstance(node, ast.Tuple):
        raise UserError(f"{where}: input {text!r} is not an argument tuple like '(1, 2,)'")
    source = text.strip()
    return ", ".join(ast.get_source_segment(source, elt) or ast.unparse(elt) for elt in node.elts)


def load_reval(data_path: str | Path, tasks_path: str | Path) -> tuple[list[RevalProgram], list[RevalItem]]:
    """Programs (function programs with their inputs; class programs keep their test source) and questions."""
    programs: list[RevalProgram] = []
    for idx, (line, row) in enumerate(read_jsonl(data_path, what="REval data file")):
        where = f"{data_path}:{line}"
        inputs = row.get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
            raise UserError(f"{where}: 'inputs' must be a list of argument-tuple texts")
        test = row.get("test")
        is_class = isinstance(test, str)
        programs.append(
            RevalProgram(
                idx=idx,
                task_id=require_str(row, "task_id", where),
                entry=require_str(row, "entry_point", where),
                code=require_str(row, "code", where),
                inputs=tuple(x if is_class else tuple_args(x, where) for x in inputs),
                test=test if is_class else None,
                raw_inputs=tuple(inputs),
            )
        )
    items: list[RevalItem] = []
    for line, row in read_jsonl(tasks_path, what="REval tasks file"):
        where = f"{tasks_path}:{line}"
        idx = row.get("idx")
        if not isinstance(idx, int) or not 0 <= idx < len(programs):
            raise UserError(f"{where}: 'idx' must be a row number of the data file (0..{len(programs) - 1})")
        groups = row.get("tasks")
        if not isinstance(groups, list):
            raise UserError(f"{where}: 'tasks' must be a list")
        for group in groups:
            if not isinstance(group, dict) or not isinstance(group.get("input_idx"), int):
                raise UserError(f"{where}: each entry of 'tasks' needs an integer 'input_idx'")
            input_idx = group["input_idx"]
            if not 0 <= input_idx < len(programs[idx].inputs):
                raise UserError(f"{where}: input_idx {input_idx} is out of range for program {idx}")
            for q in group.get("task") or []:
                lineno, var = (q.get("lineno"), q.get("var")) if isinstance(q, dict) else (None, None)
                if not isinstance(lineno, int) or not isinstance(var, str) or lineno < 1:
                    raise UserError(f"{where}: each question needs an integer 'lineno' (1-based) and a 'var'")
                items.append(RevalItem(idx, input_idx, lineno, var))
    return programs, items


def output_questions(tasks_path: str | Path) -> dict[tuple[int, int], str]:
    """``(idx, input_idx)`` -> REval's output question (``output_pred``: the test with ``??`` blanks)."""
    found: dict[tuple[int, int], str] = {}
    for _, row in read_jsonl(tasks_path, what="REval tasks file"):
        for group in row.get("tasks") or []:
            text = group.get("output_pred") if isinstance(group, dict) else None
            if isinstance(text, str) and isinstance(row.get("idx"), int):
                found[(row["idx"], int(group.get("input_idx", 0)))] = text
    return found

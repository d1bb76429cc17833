"""CoCoNUT's trace CSV (HumanEval part), read as data only.

Columns: ``HumanEval_ID, Name, FunctionCall, ExecutedLines, ExecutedLines_Symbols,
Code_Indices, Code_Symbols``. ``Code_Indices`` is the program with ``  # <n>`` appended to
line n; we strip those markers to recover the program (line numbers are unchanged).
``FunctionCall`` is either the bare argument text (``[1.0, 2.0], 0.3``) or an argument
tuple (``('abc',)``); which one is decided by parsing against the entry's parameters, never
by running. ``ExecutedLines`` is kept for comparison in tests only: ground truth is traced.
"""

from __future__ import annotations

import ast
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from execbench import _pyast
from execbench.errors import UserError

__all__ = [
    "CoconutRow",
    "AdvancedRow",
    "load_coconut",
    "load_coconut_advanced",
    "is_advanced",
    "strip_indices",
    "call_arguments",
]

_INDEX = re.compile(r"\s*#\s*(\d+)\s*$")


@dataclass(frozen=True)
class CoconutRow:
    row: int
    """0-based data row of the CSV (the task id is ``coconut/<row>``)."""
    humaneval_id: str
    entry: str
    args: str
    """Argument text of the call: ``entry(<args>)``."""
    code: str
    executed_lines: tuple[int, ...] | None
    """CoCoNUT's own trace, if it parses (strict mode compares against it in tests only)."""
    executed_text: str = ""
    """The ``ExecutedLines`` cell verbatim: the ``coconut`` mode's ground truth (CoCoNUT's ``Actual``)."""


def strip_indices(code_indices: str) -> str:
    """Remove the ``  # <n>`` line markers (only where the number matches the line)."""
    out = []
    for number, line in enumerate(code_indices.replace("\r\n", "\n").split("\n"), 1):
        match = _INDEX.search(line)
        if match and int(match.group(1)) == number:
            line = line[: match.start()]
        out.append(line.rstrip())
    return "\n".join(out).rstrip("\n") + "\n"


def _param_counts(code: str, entry: str) -> tuple[int, int] | None:
    """(required, maximum) positional parameters of ``entry`` (maximum -1: has ``*args``)."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            positional = node.args.posonlyargs + node.args.args
            required = len(positional) - len(node.args.defaults)
            return required, (-1 if node.args.vararg else len(positional))
    return None


def call_arguments(text: str, code: str, entry: str) -> str:
    """The argument text of a ``FunctionCall`` cell, unwrapping an argument tuple when it is one."""
    source = text.strip()
    try:
        node = _pyast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    params = _param_counts(code, entry)
    is_tuple = isinstance(node, ast.Tuple) and source.startswith("(") and source.endswith(")")
    if not is_tuple or params is None:
        return source
    assert isinstance(node, ast.Tuple)
    required, maximum = params
    n = len(node.elts)
    # One parameter and a 1-tuple ``('abc',)`` is the packed form; a longer tuple is the argument itself.
    fits = required <= n and (maximum == -1 or n <= maximum)
    if not fits or (maximum == 1 and n != 1):
        return source
    return ", ".join(ast.get_source_segment(source, elt) or ast.unparse(elt) for elt in node.elts)


def _lines(text: str) -> tuple[int, ...] | None:
    try:
        value = _pyast.literal_eval(text.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return None
    if isinstance(value, list | tuple) and all(isinstance(x, int) for x in value):
        return tuple(value)
    return None


def _read_rows(path: str | Path) -> list[dict[str, str]]:
    source = Path(path)
    if not source.is_file():
        raise UserError(f"{source}: no such CoCoNUT CSV file")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{source}: cannot read CoCoNUT CSV: {exc}") from None


@dataclass(frozen=True)
class AdvancedRow:
    """One row of an Advanced trace CSV (``Filename, Category, ExecutedLines[, Code_Indices]``)."""

    row: int
    filename: str
    category: str
    """``OOP_prepared``, ``Concurrency_prepared`` or ``Recursion_prepared``."""
    trace: int
    """1-based position of the row among its file's rows: the program is ``<Filename>_trace_<k>.py``."""
    executed_text: str
    code: str
    """The prepared program (``Test/<Category>/Python/<Filename>_trace_<k>.py`` next to the CSV's
    ``Trace`` folder), else ``Code_Indices`` without its markers (indentation lost), else empty."""


def is_advanced(path: str | Path) -> bool:
    """An Advanced trace CSV (programs identified by ``Filename``) rather than the HumanEval one."""
    source = Path(path)
    if not source.is_file():
        return False
    with source.open(newline="", encoding="utf-8") as handle:
        header = handle.readline()
    return "Filename" in header and "HumanEval_ID" not in header


def load_coconut_advanced(path: str | Path) -> list[AdvancedRow]:
    rows = _read_rows(path)
    base = Path(path).resolve().parent.parent / "Test"
    seen: dict[str, int] = {}
    out: list[AdvancedRow] = []
    for number, row in enumerate(rows):
        missing = [k for k in ("Filename", "Category", "ExecutedLines") if row.get(k) is None]
        if missing:
            raise UserError(f"{path}: row {number}: missing column(s) {', '.join(missing)}")
        name, category = row["Filename"].strip(), row["Category"].strip()
        seen[name] = seen.get(name, 0) + 1
        prepared = base / category / "Python" / f"{name}_trace_{seen[name]}.py"
        if prepared.is_file():
            code = prepared.read_text(encoding="utf-8", errors="replace")
        elif row.get("Code_Indices"):
            code = strip_indices(row["Code_Indices"])
        else:
            code = ""
        out.append(AdvancedRow(number, name, category, seen[name], row["ExecutedLines"], code))
    return out


def load_coconut(path: str | Path) -> list[CoconutRow]:
    source = Path(path)
    rows = _read_rows(path)
    need = ("HumanEval_ID", "Name", "FunctionCall", "ExecutedLines", "Code_Indices")
    out: list[CoconutRow] = []
    for number, row in enumerate(rows):
        missing = [k for k in need if row.get(k) is None]
        if missing:
            raise UserError(
                f"{source}: row {number}: missing column(s) {', '.join(missing)} (CoCoNUT's trace CSV has {', '.join(need)})"
            )
        code = strip_indices(row["Code_Indices"])
        entry = row["Name"].strip()
        out.append(
            CoconutRow(
                row=number,
                humaneval_id=row["HumanEval_ID"].strip(),
                entry=entry,
                args=call_arguments(row["FunctionCall"], code, entry),
                code=code,
                executed_lines=_lines(row["ExecutedLines"]),
                executed_text=row["ExecutedLines"],
            )
        )
    return out

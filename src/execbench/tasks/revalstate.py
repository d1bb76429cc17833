"""REval's "state after line L" semantics, over the tracer's snapshots.

REval (DREval) records a state per *step*: consecutive line events on the same line number
(in any traced frame) are merged, and the merged step keeps the locals of its last event.
Because a line event fires before its line runs, the state after line L is the state of
the step that follows each step on L (the step itself when it is the last one). Every
occurrence of L counts; the variable's values there are collected, absent ones skipped;
no value at all (or L never ran) is ``Nil``. Variables may be ``x``, ``self.x``, ``a[i]``
(and combinations): they are resolved against the same step's locals, every combination
of candidate values tried, as REval's ``VarInterpreter`` does. Locals that are modules,
functions, iterators or generators are left out, as REval leaves them out.

Pure and standard-library only: used inside the sandbox by the probe, and in tests.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from execbench import _pyast

__all__ = ["merged_steps", "needed_steps", "resolve", "SKIPPED_TYPES"]

Snapshot = dict[str, Any]

#: Local types REval does not record (by the tracer's type name).
SKIPPED_TYPES: frozenset[str] = frozenset(
    {"module", "function", "builtin_function_or_method", "generator", "method", "builtin_method"}
)


def merged_steps(lines: Sequence[int]) -> list[tuple[int, int]]:
    """(line, index of the step's last event) for each merged step of the line sequence."""
    out: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        if out and out[-1][0] == line:
            out[-1] = (line, index)
        else:
            out.append((line, index))
    return out


def needed_steps(steps: Sequence[tuple[int, int]], line: int) -> list[int]:
    """Indices into ``steps`` whose locals give the state after each occurrence of ``line``."""
    found = []
    for i, (n, _) in enumerate(steps):
        if n == line:
            found.append(i + 1 if i + 1 < len(steps) else i)
    return found


def _recorded(locals_: Mapping[str, Snapshot]) -> dict[str, Snapshot]:
    return {
        k: v
        for k, v in locals_.items()
        if v is not None
        and str(v.get("type", "")) not in SKIPPED_TYPES
        and not str(v.get("type", "")).endswith("iterator")
    }


def _constant(value: Any) -> Snapshot:
    return {"type": type(value).__name__, "repr": repr(value)}


def _literal(snap: Snapshot) -> tuple[bool, Any]:
    if snap.get("literal", True) is False or snap.get("cut"):
        return False, None
    try:
        return True, _pyast.literal_eval(str(snap.get("repr")))
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return False, None


def _attribute(obj: Snapshot, attr: str) -> Snapshot | None:
    fields = obj.get("fields")
    if isinstance(fields, dict) and attr in fields:
        return fields[attr]
    return None


def _subscript(container: Snapshot, index: Snapshot) -> Snapshot | None:
    items = container.get("items")
    kind = str(container.get("type", ""))
    if (
        isinstance(items, list)
        and items
        and isinstance(items[0], list)
        and len(items[0]) == 2
        and kind not in ("list", "tuple")
    ):
        for key, value in items:  # mapping: [key, value] pairs
            if (
                isinstance(key, dict)
                and key.get("repr") == index.get("repr")
                and key.get("type") == index.get("type")
            ):
                return value
        return None
    ok, position = _literal(index)
    if not ok or not isinstance(position, int) or isinstance(position, bool):
        return None
    if isinstance(items, list):
        length = int(container.get("len", len(items)))
        if len(items) < length:  # cut: only trust positions that are present from the front
            return items[position] if 0 <= position < len(items) else None
        try:
            return items[position]
        except IndexError:
            return None
    if kind in ("str", "bytes"):
        ok, text = _literal(container)
        if ok and isinstance(text, str | bytes):
            try:
                return _constant(text[position])
            except IndexError:
                return None
    return None


def _analyze(node: ast.expr, states: Sequence[Mapping[str, Snapshot]]) -> list[Snapshot] | None:
    if isinstance(node, ast.Constant):
        return [_constant(node.value)]
    if isinstance(node, ast.Name):
        found = [s[node.id] for s in states if node.id in s]
        return found or None
    if isinstance(node, ast.Attribute):
        objs = _analyze(node.value, states)
        if objs is None:
            return None
        found = [v for v in (_attribute(o, node.attr) for o in objs) if v is not None]
        return found or None
    if isinstance(node, ast.Subscript):
        arrays = _analyze(node.value, states)
        indices = _analyze(node.slice, states)
        if arrays is None or indices is None:
            return None
        found = [
            v for v in (_subscript(a, i) for a, i in itertools.product(arrays, indices)) if v is not None
        ]
        return found or None
    return None


def resolve(var: str, states: Sequence[Mapping[str, Snapshot]]) -> list[list[str]] | None:
    """Values of ``var`` in the given after-line states as ``[repr, type]`` pairs; None is REval's Nil.

    As in REval, a name's candidates are collected over all the states first and then
    combined (``a[i]`` tries every candidate ``a`` with every candidate ``i``); the result
    keeps first-seen order without repeats.
    """
    if not states:
        return None
    try:
        tree = _pyast.parse(var.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    values: list[list[str]] = []
    for snap in _analyze(tree.body, [_recorded(state) for state in states]) or []:
        pair = [str(snap.get("repr")), str(snap.get("type"))]
        if pair not in values:
            values.append(pair)
    return values or None

"""``parse_literal``: the strict reading of an answer as a Python value, without running anything.

Stricter than :func:`ast.literal_eval` in what it accepts (no arbitrary ``+``/``-`` between
numbers except the complex form ``1+2j``) and slightly wider where model answers need it:
``set()`` for the empty set and ``float('inf')``/``float('-inf')``/``float('nan')`` for
the float specials whose ``repr`` is not itself a literal. Everything else — names, calls,
operators, comparisons, ``or``, f-strings, lambdas — is rejected, so a verdict never depends
on code the model wrote.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from execbench.tasks._extract_text import parse_expr

__all__ = ["parse_literal", "MAX_DEPTH"]

#: Nesting deeper than this is not an answer (and would cost recursion).
MAX_DEPTH = 100

_FLOAT_SPECIALS = {
    "inf": math.inf,
    "-inf": -math.inf,
    "+inf": math.inf,
    "nan": math.nan,
    "infinity": math.inf,
}


class _Reject(Exception):
    pass


def _number(node: ast.expr) -> int | float | complex:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
        return node.value  # type: ignore[no-any-return]
    raise _Reject


def _value(node: ast.expr, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Reject
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            raise _Reject
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        number = _number(node.operand)
        return -number if isinstance(node.op, ast.USub) else +number
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        # only the complex form: real (+|-) imaginary, as repr(complex) prints it
        left = _value(node.left, depth + 1) if isinstance(node.left, ast.UnaryOp) else _number(node.left)
        right = _number(node.right)
        if type(left) not in (int, float) or not isinstance(right, complex):
            raise _Reject
        return left + right if isinstance(node.op, ast.Add) else left - right
    if isinstance(node, ast.Tuple):
        return tuple(_value(e, depth + 1) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_value(e, depth + 1) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _Reject  # {**x}
        return {
            _value(k, depth + 1): _value(v, depth + 1) for k, v in zip(node.keys, node.values, strict=True)
        }  # type: ignore[arg-type]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "set" and not node.args:
            return set()
        if node.func.id == "float" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                key = arg.value.strip().lower()
                if key in _FLOAT_SPECIALS:
                    return _FLOAT_SPECIALS[key]
    if any(isinstance(e, ast.Starred) for e in getattr(node, "elts", ())):
        raise _Reject
    raise _Reject


def parse_literal(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``text`` is an expression of literals only, else ``(False, None)``.

    Accepted: constants (str, bytes, int, float, complex, bool, None), unary +/- on a number,
    ``a+bj``/``a-bj``, tuples, lists, dicts and sets of those, ``set()``, and
    ``float('inf'|'-inf'|'nan')``. Never raises, whatever ``text`` holds.
    """
    node = parse_expr(text)
    if node is None:
        return False, None
    try:
        return True, _value(node, 0)
    except (_Reject, TypeError, RecursionError, MemoryError, ValueError, OverflowError):
        # TypeError: unhashable key or set element, e.g. {[1]: 2}
        return False, None

"""Boundary coverage for the augmenter's runs of the reference (in the sandbox, stdlib only).

Split from :mod:`execbench.plus.runner`, which uses it: the program's single comparisons
are rewritten into calls of :func:`record_cmp`, which returns the same result and records
which side of ``b`` a number ``a`` fell on (``day > 29`` met with ``day == 29`` is a new
fact although no branch changes; a wrong ``>=`` differs exactly there), and consecutive
pairs of such facts. Only the reference runs instrumented; expected outputs are confirmed
by an untraced run.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

__all__ = ["BOUNDS", "CMP_HELPER", "MAX_BOUNDS", "compile_program", "record_cmp"]

CMP_HELPER = "__execbench_cmp__"
_CMP_OPS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
BOUNDS: list[Any] = [None, None, 0]
"""The current input's boundary facts (``None``: not recording), the last fact, and how many
comparisons may still be recorded (:data:`MAX_BOUNDS`; past it a call only compares)."""
MAX_BOUNDS = 3000
_OPS: dict[str, Any] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def record_cmp(site: str, op: str, a: Any, b: Any) -> Any:
    """``a <op> b``, recording which side of ``b`` a number ``a`` fell on."""
    result = _OPS[op](a, b)
    sink = BOUNDS[0]
    if sink is not None and type(a) in (int, float) and type(b) in (int, float):
        fact = (site, 0 if a < b else 1 if a == b else 2)
        sink.add((BOUNDS[1], fact))
        BOUNDS[1] = fact
        BOUNDS[2] -= 1
        if BOUNDS[2] <= 0:
            BOUNDS[0] = None
    return result


class _Boundaries(ast.NodeTransformer):
    """Single numeric-or-not comparisons -> ``__execbench_cmp__(site, op, left, right)``:
    the same operands, evaluated once each in the same order, the same result."""

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in _CMP_OPS:
            return node
        call = ast.Call(
            func=ast.Name(CMP_HELPER, ast.Load()),
            args=[
                ast.Constant(f"{node.lineno}:{node.col_offset}"),
                ast.Constant(_CMP_OPS[type(node.ops[0])]),
                node.left,
                node.comparators[0],
            ],
            keywords=[],
        )
        return ast.copy_location(call, node)


def compile_program(code: str, filename: str, boundaries: bool) -> Any:
    """The program compiled; with ``boundaries``, comparisons instrumented (falls back to plain)."""
    if boundaries:
        try:
            tree = _Boundaries().visit(ast.parse(code, filename))
            return compile(ast.fix_missing_locations(tree), filename, "exec")
        except (SyntaxError, ValueError, RecursionError, TypeError):
            pass
    return compile(code, filename, "exec")

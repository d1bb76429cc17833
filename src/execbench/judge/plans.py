"""Call plans read from the test text: which calls of the entry point straight-line tests make.

Most HumanEval/MBPP tests are ``def check(candidate):`` followed by asserts whose calls of
the entry point have literal arguments. For those, the calls (in Python's evaluation
order) are known without running anything, and the batch path of
:func:`execbench.judge.judge_strict` needs neither a reference solution nor a recording
execution. A run may stop before the plan ends (a failing assert); a call the plan does not
have next (a short-circuit skipped one, an assertion message) sends the sample to the
interactive judge. Anything else -- loops, assignments, non-literal arguments, comprehensions and lambdas that
mention the entry --
gives no plan (the calls are then recorded with the reference, or judged interactively).
"""

from __future__ import annotations

import ast
import functools
import operator
from typing import Any

from execbench import _pyast
from execbench.judge.values import encode

__all__ = ["static_plan", "may_leave_plan"]

_MAX_TEST_CHARS = 200_000
_DEFERRED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Dict, ast.Await)


class _NoPlan(Exception):
    pass


_FOLD = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}  # fmt: skip
_MAX_FOLDED = 10**18
_MAX_FOLDED_LEN = 100_000


def _literal(node: ast.expr) -> Any:
    """A literal, or arithmetic on literals folded as the compiler would (``3 * 5 * 7``,
    ``'a' * 3``), bounded so that no plan costs more than reading it."""
    if isinstance(node, ast.Starred):
        raise _NoPlan
    try:
        return _pyast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.List | ast.Tuple):
        values = [_literal(e) for e in node.elts]
        return values if isinstance(node, ast.List) else tuple(values)
    if not (isinstance(node, ast.BinOp) and type(node.op) in _FOLD):
        raise _NoPlan
    left, right = _literal(node.left), _literal(node.right)
    kinds = {type(left), type(right)}
    if type(node.op) is ast.Pow:
        # ``0**0``, ``2 ** 10``: integer powers whose result is bounded before computing it
        if kinds != {int} or not 0 <= right <= 64 or abs(left) > 2**16:
            raise _NoPlan
    if not kinds <= {int, float, str} or (
        str in kinds and type(node.op) is not ast.Add and kinds != {str, int}
    ):
        raise _NoPlan
    if str in kinds and type(node.op) is ast.Mult:
        count = right if type(right) is int else left
        if abs(count) * max(len(str(left)), len(str(right))) > _MAX_FOLDED_LEN:
            raise _NoPlan
    try:
        value = _FOLD[type(node.op)](left, right)
    except (ArithmeticError, TypeError, ValueError):
        raise _NoPlan from None
    if (type(value) is int and abs(value) > _MAX_FOLDED) or (
        type(value) is str and len(value) > _MAX_FOLDED_LEN
    ):
        raise _NoPlan
    return value


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _calls(node: ast.AST, names: set[str], out: list[Any]) -> None:
    if isinstance(node, _DEFERRED):
        # Evaluated later or out of field order: a plan only if no call of the entry is in
        # it (``== {'a': 2}``). A call the plan misses anyway (a helper calling the entry
        # by name) meets the replay off the plan, which judges the sample interactively.
        if _mentions(node, names):
            raise _NoPlan
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        if any(k.arg is None for k in node.keywords):
            raise _NoPlan
        args = [encode(_literal(a)) for a in node.args]
        kwargs = sorted((str(k.arg), encode(_literal(k.value))) for k in node.keywords)
        out.append([args, [list(pair) for pair in kwargs]])
        return
    for child in ast.iter_child_nodes(node):
        _calls(child, names, out)


def _statements(body: list[ast.stmt], names: set[str], out: list[Any]) -> None:
    for statement in body:
        if isinstance(statement, ast.Assert):
            # The message is evaluated only once the assertion failed: its calls are not
            # planned (a replay that meets one judges the sample interactively).
            _calls(statement.test, names, out)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        elif not isinstance(statement, ast.Pass):
            raise _NoPlan


@functools.lru_cache(maxsize=256)
def _module(tests: str) -> ast.Module | None:
    """The parsed tests (cached: a problem's plan and its hint read one parse; nothing here
    changes the tree), or None when they are too long or do not parse."""
    if len(tests) > _MAX_TEST_CHARS:
        return None
    try:
        return _pyast.parse(tests)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


@functools.lru_cache(maxsize=1024)
def static_plan(tests: str, entry: str, check: bool) -> list[Any] | None:
    """The planned calls (``[[args], [[name, value], ...]]`` in plain-data form), or None.

    Cached (a function of the text alone; every sample of a problem has the same plan):
    callers must not change the list."""
    module = _module(tests)
    if module is None:
        return None
    try:
        out: list[Any] = []
        checks = [s for s in module.body if isinstance(s, ast.FunctionDef) and s.name == "check"]
        if len(checks) != 1:
            return None
        fn = checks[0]
        if fn.decorator_list or len(fn.args.args) != 1 or fn.args.vararg or fn.args.kwarg or fn.args.defaults:
            return None
        for statement in module.body:
            if statement is fn or isinstance(statement, ast.Import | ast.ImportFrom):
                continue
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant | ast.Dict):
                _literal(statement.value)  # METADATA = {...}: plain data, no calls
                continue
            if (
                not check
                and isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Call)
                and isinstance(statement.value.func, ast.Name)
                and statement.value.func.id == "check"
                and statement is module.body[-1]
            ):
                continue
            return None
        _statements(fn.body, {fn.args.args[0].arg, entry}, out)
        return out
    except (_NoPlan, SyntaxError, ValueError, MemoryError, RecursionError):
        return None


@functools.lru_cache(maxsize=1024)
def may_leave_plan(tests: str, entry: str) -> bool:
    """Whether the tests can call the entry point off a static plan when a sample fails:
    calls in an assertion's message (made only once the assertion failed) or that a
    short-circuit may skip (``and``/``or``, a conditional expression, a chained comparison).

    Only a scheduling hint: :func:`execbench.judge.judge_strict` answers such samples first,
    so that the ones that do leave the plan reach the interactive judge early rather than
    at the end of a run. Never decides a verdict."""
    module = _module(tests)
    if module is None:
        return False
    names = {entry, "candidate"}
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef):
            names.update(a.arg for a in node.args.args)
        if isinstance(node, ast.Assert) and node.msg is not None and _mentions(node.msg, names):
            return True
        if isinstance(node, ast.BoolOp | ast.IfExp) and _mentions(node, names):
            return True
        if isinstance(node, ast.Compare) and len(node.ops) > 1 and _mentions(node, names):
            return True
    return False

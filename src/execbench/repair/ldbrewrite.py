"""Where LDB's ``return`` rewrite matters, and reading LDB's value run when it is run.

LDB's instrumented copy rewrites each executed block's ``return x`` as ``_ret = x`` so that it
can print the value; the copy then no longer returns there. Most of the time that changes
nothing LDB prints (the entry's last statement returns to the test, which only looks at the
value), and execbench derives the printed values from its one traced run. When it does
change them, :func:`rewrite_matters` says so and the copy is run for real
(``execution.value_runner``); :func:`parse_value_run` reads its output by LDB's rules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from execbench import _pyast
from execbench.trace import Trace

__all__ = ["RunProgram", "rewrite_matters", "parse_value_run"]

#: Runs a program text in the sandbox: (``"timeout"`` | anything else, stdout, stderr).
RunProgram = Callable[[str], tuple[str, str, str]]


def _tail_returns(body: list[ast.stmt]) -> set[int]:
    """Lines of the ``return`` statements after which nothing of the function would run
    even if they did not return (the last statement of the body, through ``if``/``with``)."""
    if not body:
        return set()
    last = body[-1]
    if isinstance(last, ast.Return):
        return {last.lineno}
    if isinstance(last, ast.If):
        return _tail_returns(last.body) | _tail_returns(last.orelse)
    if isinstance(last, ast.With):
        return _tail_returns(last.body)
    return set()


def rewrite_matters(trace: Trace, program: str, entry: str, rewritten: set[int]) -> bool:
    """Whether LDB's rewrite of the executed ``return`` lines ``rewritten`` (as ``_ret = ...``)
    can change what its value run prints from what the program as written does: a rewritten
    ``return`` ran in any frame but the entry's first call (its caller then gets ``None``), or
    with code of its function still to run after it (a loop goes on), or the entry's own
    ``None`` goes into the test's expression rather than being the whole expression."""
    tree = _pyast.parse(program)
    tails: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            tails |= _tail_returns(node.body)
    last = tree.body[-1] if tree.body else None
    bare = (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Name)
        and last.value.func.id == entry
    )
    first = None
    for ev in trace.events:
        if first is None and ev.kind == "call" and ev.func == entry:
            first = ev.frame
        if ev.kind != "line" or ev.line not in rewritten:
            continue
        if ev.frame != first or ev.line not in tails or not bare:
            return True
    return False


def parse_value_run(status: str, stdout: str, stderr: str) -> list[tuple[str, int, str]] | str:
    """The value lines of LDB's instrumented run, or its failure string (LDB's rules: a
    timeout; a traceback other than the test's ``AssertionError``)."""
    if status == "timeout":
        return "*timeout*"
    if "Traceback (most recent call last):" in stderr and "AssertionError" not in stderr:
        lines = [x for x in stderr.strip().split("\n") if x.strip()]
        return "*execution fail*" + (lines[-1] if lines else "")
    out: list[tuple[str, int, str]] = []
    for line in stdout.split("\n")[:-1]:
        if not line.startswith("Value_"):
            continue
        kind, _, rest = line[6:].partition(":")
        number, _, raw = rest.partition("|")
        try:
            out.append((kind, int(number), raw))
        except ValueError:
            continue
    return out

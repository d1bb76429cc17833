"""Runners executed *inside the sandbox* to verify answers that need the program to run.

Loaded in warm workers, so this module imports only the standard library. The runner
``exec``-s the program into fresh globals (output swallowed), then evaluates
``(<expected>) == (<answer>)``: the answer text comes from a model and is never evaluated
in the host. The parenthesised comparison is the point of execbench's strict mode:
CRUXEval pastes ``assert <expected> == <answer>``, where an answer such as ``0 or True``
re-associates into ``(<expected> == 0) or True`` and passes. With ``pasted`` the runner
also reports what that pasted assertion says, from a second fresh run of the program, so
the two semantics can be compared without another execution.

What runs here is the *task's* program (a dataset's, traced at build time) with a model's
answer that has been checked to be a literal (output) or a call of the entry with literal
arguments (input): no model-written code. Output answers whose expected value is a literal
are not even compared here: the scorer compares the two parsed literals in the host
(:func:`execbench.judge.values.same`) and asks this runner only for CRUXEval's pasted
verdict, which is recorded, never the strict verdict. Model-written *programs* are judged
by :mod:`execbench.judge`, never by this runner.
"""

from __future__ import annotations

import contextlib
import io
import math
from typing import Any

__all__ = ["check_equal"]


def _same(a: Any, b: Any) -> bool:
    """Equality as the assertion sees it, except that NaN equals NaN (a literal cannot say "the same NaN")."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _fresh(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__execbench__"}
    exec(compile(code, "<program>", "exec"), namespace)
    return namespace


def _strict(code: str, expected: str, answer: str) -> dict[str, Any]:
    try:
        namespace = _fresh(code)
    except BaseException as exc:  # the program is data: report, never raise
        return {"equal": False, "error": f"program: {type(exc).__name__}"}
    try:
        want = eval(compile(f"({expected})", "<expected>", "eval"), namespace)
    except BaseException as exc:
        return {"equal": False, "error": f"expected: {type(exc).__name__}"}
    try:
        got = eval(compile(f"({answer})", "<answer>", "eval"), namespace)
    except BaseException as exc:
        return {"equal": False, "error": f"answer: {type(exc).__name__}"}
    try:
        return {"equal": _same(want, got), "error": None}
    except BaseException as exc:
        return {"equal": False, "error": f"compare: {type(exc).__name__}"}


def _pasted(code: str, expected: str, answer: str) -> bool:
    """CRUXEval's check: the texts pasted into one assert after the program."""
    try:
        exec(
            compile(f"{code}\nassert {expected} == {answer}", "<pasted>", "exec"),
            {"__name__": "__execbench__"},
        )
    except BaseException:
        return False
    return True


def check_equal(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``code``, then compare ``expected`` with ``answer`` (both expression texts).

    Returns ``{"equal": bool, "error": str | None}`` (plus ``"pasted": bool`` when asked);
    ``error`` names the exception type and whether the program, the expected value or the
    answer raised it. ``pasted_only`` skips the strict comparison (answer not a literal).
    """
    expected = str(args["expected"])
    answer = str(args["answer"])
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        if args.get("pasted_only"):
            out: dict[str, Any] = {"equal": False, "error": None}
        else:
            out = _strict(code, expected, answer)
        if args.get("pasted"):
            out["pasted"] = _pasted(code, expected, answer)
    return out

"""Runners executed *inside the sandbox* to verify answers that need the program to run.

Loaded in warm workers, so this module imports only the standard library. Each runner
``exec``-s the program into fresh globals (output swallowed), then evaluates
``(<expected>) == (<answer>)``: the answer text comes from a model and is never evaluated
in the host. The parenthesised comparison is the point of execbench's strict mode:
CRUXEval pastes ``assert <expected> == <answer>``, where an answer such as ``0 or True``
re-associates into ``(<expected> == 0) or True`` and passes.
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


def check_equal(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``code``, then compare ``expected`` with ``answer`` (both expression texts).

    Returns ``{"equal": bool, "error": str | None}``; ``error`` names the exception type and
    says whether the program, the expected value or the answer raised it.
    """
    expected = str(args["expected"])
    answer = str(args["answer"])
    sink = io.StringIO()
    namespace: dict[str, Any] = {"__name__": "__execbench__"}
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            exec(compile(code, "<program>", "exec"), namespace)
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

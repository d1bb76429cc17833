"""Host-side judging: compare a program's outputs (plain data from the sandbox) with expected literals.

The sandbox runner sends back each output as literal text; it is re-read here with
``ast.literal_eval`` (which evaluates no code) and compared in this trusted process, so a
program cannot fake its verdict by patching ``==`` or the comparison code next to it.

Semantics follow EvalPlus's ``unsafe_execute``: an output passes when it ``==`` the
expected value; otherwise, when the task has a tolerance (``atol`` > 0, or 1e-6 forced for
float outputs), numbers are compared as ``|out - exp| <= atol + 1e-7 * |exp|`` (numpy's
``assert_allclose`` rule) element by element through lists and tuples of equal shape.
``find_zero`` (HumanEval/32) uses EvalPlus's oracle: any root counts, ``|poly(xs, out)| <= atol``.

:func:`judge_outputs` is the single place a verdict is made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from execbench import _pyast

__all__ = ["Verdict", "judge_outputs", "outputs_match", "read_literal"]

_RTOL = 1e-7


@dataclass(frozen=True)
class Verdict:
    passed: bool
    failing: int | None = None
    """Index of the first failing input (``None`` when passed)."""
    detail: str = ""


_MISSING = object()


def read_literal(text: str | None) -> Any:
    if text is None:
        return _MISSING
    try:
        return _pyast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _is_floats(x: Any) -> bool:
    if type(x) is float:
        return True
    return type(x) in (list, tuple) and all(type(i) is float for i in x)


def _close(out: Any, exp: Any, atol: float, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if type(out) in (int, float) and type(exp) in (int, float) and type(out) is not bool:
        return math.isfinite(out) and abs(out - exp) <= atol + _RTOL * abs(exp)
    if type(out) in (list, tuple) and type(exp) in (list, tuple):
        return len(out) == len(exp) and all(
            _close(a, b, atol, depth + 1) for a, b in zip(out, exp, strict=False)
        )
    try:
        return bool(out == exp)
    except Exception:  # noqa: BLE001 - a weird value is just unequal
        return False


def _poly(xs: Sequence[Any], x: float) -> float:
    return math.fsum(c * math.pow(x, i) for i, c in enumerate(xs))


def outputs_match(out: Any, exp: Any, atol: float, *, oracle: str | None = None, args: Any = None) -> bool:
    """Does one output pass against one expected value (both plain Python values)?"""
    if out is _MISSING or exp is _MISSING:
        return False
    if oracle == "poly_root":
        try:
            return type(out) in (int, float) and abs(_poly(args[0], out)) <= max(atol, 1e-6)
        except (TypeError, ValueError, OverflowError, IndexError):
            return False
    try:
        if out == exp:
            return True
    except Exception:  # noqa: BLE001
        return False
    if atol == 0 and _is_floats(exp):
        atol = 1e-6
    return atol != 0 and _close(out, exp, atol)


def judge_outputs(
    rows: Sequence[dict[str, Any]],
    expected: Sequence[str],
    atol: float,
    *,
    oracle: str | None = None,
    inputs: Sequence[str] = (),
) -> Verdict:
    """A program's verdict on a suite: ``rows`` from the runner (one per input it reached),
    ``expected`` the reference's outputs as literal text, in the same order."""
    for i, exp_text in enumerate(expected):
        if i >= len(rows):
            return Verdict(False, i, "not reached (the program stopped earlier)")
        row = rows[i]
        status = row.get("status")
        if status != "ok":
            return Verdict(False, i, f"{status}: {row.get('error', '')}".rstrip(": "))
        if row.get("out") is None:
            return Verdict(False, i, f"returned a {row.get('kind', 'non-literal')} value")
        args = read_literal(inputs[i]) if oracle and i < len(inputs) else None
        if not outputs_match(
            read_literal(row["out"]), read_literal(exp_text), atol, oracle=oracle, args=args
        ):
            return Verdict(False, i, f"returned {row['out'][:200]}, expected {exp_text[:200]}")
    return Verdict(True)

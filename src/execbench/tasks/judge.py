"""Exact judges for the kinds that need no execution: pure functions of (task, answer text).

Each judge returns ``(extracted, correct, score, details)``. Semantics per kind:

- ``path``: CoCoNUT. The truth is the collapsed line list; both sides are rendered as
  ``[a, b, c]``; *matched* is string equality; the similarity is ``difflib.SequenceMatcher``
  over the two renderings with a comma between every character (CoCoNUT joins the
  characters of the list text with ``','`` before matching).
- ``state``: REval. ``Nil`` matches only ``Nil``; otherwise the stated type must be the type
  of one of the observed values (bool != int != float), the stated value must be of the
  stated type, and equal one of the observed values of that type (floats within 1e-6).
- ``coverage``/``branch``: yes/no; ``next-line``: any observed successor (an integer, or the
  text of a line, as REval accepts); ``steps``/``loop``: the integer; ``exception``: the
  class name (last dotted part) or None.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from execbench.tasks.extract import (
    extract_bool,
    extract_branch,
    extract_exception,
    extract_int,
    extract_lines,
    extract_state,
    parse_literal,
)
from execbench.tasks.facts import control_lines

__all__ = ["judge_local", "render_path", "path_similarity", "state_matches", "LOCAL_KINDS"]

LOCAL_KINDS = ("path", "coverage", "state", "next-line", "steps", "branch", "loop", "exception")

Judged = tuple[str | None, bool, float, dict[str, Any]]

_TYPE_ALIASES = {
    "string": "str",
    "integer": "int",
    "boolean": "bool",
    "dictionary": "dict",
    "none": "NoneType",
    "nonetype": "NoneType",
    "float64": "float",
}
_BUILTIN_TYPES = {
    "int",
    "float",
    "str",
    "bool",
    "list",
    "dict",
    "tuple",
    "set",
    "frozenset",
    "bytes",
    "complex",
    "NoneType",
}


def render_path(lines: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in lines) + "]"


def path_similarity(truth: str, predicted: str) -> float:
    """CoCoNUT's ``calculate_distance`` on list texts: characters joined by commas, then matched."""
    return difflib.SequenceMatcher(a=",".join(truth), b=",".join(predicted)).ratio()


def _norm_type(name: str) -> str:
    name = name.strip()
    lowered = name.lower()
    if lowered in _TYPE_ALIASES:
        return _TYPE_ALIASES[lowered]
    if "," in name or "tuple" in lowered:
        return "tuple"
    return lowered if lowered in _BUILTIN_TYPES else name


def _value_of(text: str, type_name: str) -> tuple[bool, Any]:
    ok, value = parse_literal(text)
    if type_name == "str" and not (ok and isinstance(value, str)):
        return True, text  # REval keeps an unquoted string as the string itself
    return ok, value


def state_matches(answer: tuple[str, str], truth: list[list[str]] | None) -> bool:
    """REval's ``_eq`` over (value text, type) and the observed ``[repr, type]`` pairs."""
    value_text, type_text = answer
    said_nil = value_text.strip().capitalize() == "Nil" and not type_text
    if truth is None or said_nil:
        return truth is None and said_nil
    if value_text.strip() == "None" or _norm_type(type_text) == "NoneType":
        return any(t == "NoneType" for _, t in truth)
    want = _norm_type(type_text)
    candidates = [r for r, t in truth if t == want]
    if not candidates:
        return False
    ok, value = _value_of(value_text, want)
    if not ok:
        return any(value_text.strip() == r for r in candidates)
    if want in _BUILTIN_TYPES and type(value).__name__ != want:
        return False
    for rep in candidates:
        good, actual = parse_literal(rep)
        if not good:
            if value_text.strip() == rep:
                return True
            continue
        if want == "float" and isinstance(actual, float) and isinstance(value, float):
            if (math.isnan(actual) and math.isnan(value)) or abs(actual - value) < 1e-6:
                return True
        elif type(actual) is type(value) and actual == value:
            return True
    return False


def _answer_line_text(text: str) -> str:
    if "[ANSWER]" in text:
        text = text.rsplit("[ANSWER]", 1)[1]
    text = text.split("[/ANSWER]")[0]
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def _next_line(task: Any, text: str) -> Judged:
    truth = [int(n) for n in task.answer]
    said = extract_int(text)
    lines: list[int] = [] if said is None else [said]
    if said is None:  # REval also accepts the code of the line itself
        code_text = _answer_line_text(text)
        program = str(task.meta.get("program", "")).split("\n")
        lines = [i for i, line in enumerate(program, 1) if code_text and line.strip() == code_text]
    extracted = None if not lines else str(lines[0]) if said is not None else _answer_line_text(text)
    return extracted, any(n in truth for n in lines), 0.0, {"predicted_lines": lines}


def _branch(task: Any, text: str) -> Judged:
    said = extract_branch(text)
    if said is None:
        return None, False, 0.0, {}
    if said in ("True", "False"):
        taken = said == "True"
    else:
        arm = control_lines(str(task.meta.get("program", ""))).get(int(task.meta.get("line", 0)))
        taken = arm is not None and int(said) == arm.body
    return said, taken == bool(task.answer), 0.0, {"predicted": taken}


def judge_local(task: Any, text: str) -> Judged:
    """Judge one answer of a kind in :data:`LOCAL_KINDS`."""
    kind = task.kind
    if kind == "path":
        lines = extract_lines(text)
        truth = render_path([int(n) for n in task.answer])
        shown = render_path(lines) if lines is not None else "[]"
        matched = lines is not None and shown == truth
        return (None if lines is None else shown), matched, path_similarity(truth, shown), {}
    if kind == "coverage":
        said = extract_bool(text)
        return (
            (None if said is None else str(said)),
            said is not None and said == bool(task.answer),
            0.0,
            {"predicted": said},
        )
    if kind == "state":
        state = extract_state(text)
        if state is None:
            return None, False, 0.0, {}
        shown = "Nil" if state == ("Nil", "") else f"{state[0]}; {state[1]}"
        return shown, state_matches(state, task.answer), 0.0, {}
    if kind == "next-line":
        return _next_line(task, text)
    if kind in ("steps", "loop"):
        said = extract_int(text)
        return (None if said is None else str(said)), said is not None and said == int(task.answer), 0.0, {}
    if kind == "branch":
        return _branch(task, text)
    if kind == "exception":
        said = extract_exception(text)
        if said is None:
            return None, False, 0.0, {}
        truth = task.answer
        correct = (said == "none" and truth is None) or (
            truth is not None and said == str(truth).split(".")[-1]
        )
        return said, correct, 0.0, {}
    raise ValueError(f"kind {kind!r} is not judged locally")

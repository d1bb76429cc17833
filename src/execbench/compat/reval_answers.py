"""REval's answer checks: how it parses a model's coverage, path and state answers and compares them.

Split from :mod:`execbench.compat.reval` (the step model and ground truth), which imports
these in the sandbox; the host imports them for scoring. Stdlib only and cheap to import,
for the same reason.
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import Any

__all__ = ["NIL", "is_cot", "parse_coverage", "parse_next_line", "parse_state", "state_equal"]

NIL = "Nil"


class _Nil:
    def __repr__(self) -> str:
        return NIL


_NIL = _Nil()


def _answer_block(resp: str, cot: bool) -> str | None:
    """REval's tag handling: None when a CoT answer never closed its thought."""
    if cot and "[/THOUGHT]" not in resp:
        return None
    for tag, keep_after in (("[ANSWER]", True), ("[/ANSWER]", False), ("[/ANSWER", False)):
        idx = resp.find(tag)
        if idx != -1:
            resp = resp[idx + len(tag) :].strip() if keep_after else resp[:idx].strip()
    return resp


def parse_coverage(resp: str, cot: bool = False) -> bool:
    """REval's coverage ``_postprocess``: YES/NO in the first three characters of the answer."""
    text = resp.upper().strip()
    if cot and "[/THOUGHT]" not in text:
        return False
    text = _answer_block(text, False) or ""
    if not text:
        return False
    head = text[:3]
    yes, no = "YES" in head, "NO" in head
    return yes if yes != no else False


def parse_next_line(resp: str, code: str, cot: bool = False) -> list[int]:
    """REval's path answer mapped to line numbers: -1, else every line whose code is the text (-2: none)."""
    if cot and "[/THOUGHT]" not in resp:
        return [-2]
    text = (_answer_block(resp, False) or "").split("\n")[0].strip()
    if text == "":
        return [-2]
    if text == "-1":
        return [-1]
    found = [i for i, line in enumerate(code.split("\n"), 1) if text == line.strip()]
    return found or [-2]


def is_cot(resp: str) -> bool:
    """Whether an answer came from REval's CoT prompt (it has REval's thought markers)."""
    return "[THOUGHT]" in resp or "[/THOUGHT]" in resp


def _is_builtin_type(cls: Any) -> bool:
    if cls is None:
        raise ValueError("invalid type")
    if not inspect.isclass(cls):
        raise AssertionError("not a class")
    return cls.__module__ == "builtins"


def _eval_env() -> dict[str, Any]:
    """The names REval's evaluation module has when it ``eval``s an answer value."""
    import datetime as _dt
    import json
    import os

    env: dict[str, Any] = {"re": re, "json": json, "os": os, "sys": sys, "inspect": inspect}
    env["datetime"] = _dt.datetime
    try:
        import numpy as np

        env["np"] = np
    except ImportError:
        pass
    return env


def parse_state(resp: str, cot: bool = False) -> Any:
    """REval's state ``_postprocess``: ``_NIL``, ``"ERROR"`` or ``(value, type)``."""
    from pydoc import locate

    if cot and "[/THOUGHT]" not in resp:
        return "ERROR"
    for bad, good in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        resp = resp.replace(bad, good)
    block = _answer_block(resp.strip(), False) or ""
    if block.capitalize() == "Nil" or block == "[Nil]":
        return _NIL
    semicolon = block.rfind(";")
    if semicolon == -1:
        return "ERROR"
    value, kind = block[:semicolon].strip(), block[semicolon + 1 :].strip().lower()
    if value.capitalize() == "Nil":
        return _NIL
    if match := re.match(r"<class '(.*)'>", kind):
        kind = match.group(1)
    if match := re.match(r"(.*)\[.*\]", kind):
        kind = match.group(1)
    kind = {"string": "str", "integer": "int"}.get(kind, kind)
    if "," in kind or "tuple" in kind:
        kind = "tuple"
    env = _eval_env()
    if kind == "str":
        try:
            return eval(value, env), str
        except Exception:
            return value, str
    if kind in ("datetime.datetime", "datetime"):
        try:
            from dateutil.parser import parse  # type: ignore[import-untyped]

            return parse(value), locate(kind)
        except Exception:
            return "ERROR"
    if kind in ("numpy.ndarray", "np.ndarray"):
        try:
            import numpy as np

            return np.array(eval(value, env)), locate(kind)
        except Exception:
            return "ERROR"
    if value == "None" or kind == "NoneType":
        return None, type(None)
    try:
        found = locate(kind)
        if _is_builtin_type(found):
            parsed = eval(value, env)
        else:
            try:
                parsed = found(eval(value, env))  # type: ignore[misc]
            except Exception:
                parsed = found(value)  # type: ignore[misc]
        return parsed, found
    except Exception:
        return "ERROR"


def state_equal(answer: Any, actual: Any) -> bool:
    """REval's ``State._eq`` (``ERROR`` is never equal)."""
    if isinstance(answer, str) and answer == "ERROR":
        return False
    if answer is _NIL or actual is _NIL:
        return answer is _NIL and actual is _NIL
    value, kind = answer
    if all(kind != type(a) for a in actual):  # noqa: E721
        return False
    if type(value) != kind:  # noqa: E721 - REval compares the types exactly
        return False
    if kind is float:
        for a in actual:
            try:
                if abs(value - a) < 1e-6:
                    return True
            except Exception:
                continue
        return False
    try:
        return bool(value in actual)
    except ValueError:
        for a in actual:
            try:
                if type(value).__name__ == "ndarray" and type(a).__name__ == "ndarray":
                    import numpy as np

                    if np.allclose(value, a):
                        return True
                elif value == a:
                    return True
            except Exception:
                continue
        return False

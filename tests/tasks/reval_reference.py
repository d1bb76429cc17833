"""A small re-implementation of REval's ``dynamics.py``, as read, for the tests only.

Run as a script (``python reval_reference.py DATA TASKS``) in a subprocess: it prints one
JSON object ``{"<idx>/<input>/<line>/<var>": {"coverage", "next-line", "state"}}`` (or
``{"error": ...}`` per call). Written apart from :mod:`execbench.compat.reval` on purpose:
the raw events are recorded first and merged into REval's steps afterwards.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import itertools
import json
import re
import sys
import types
import unittest
from collections.abc import Generator, Iterator

FILE = "<internals>"
NIL = object()


def _keep(value: object) -> bool:
    name = value.__class__.__name__
    if name in ("module", "function", "builtin_function_or_method"):
        return False
    return not isinstance(value, Iterator | Generator)


def record(fn, *args):  # type: ignore[no-untyped-def]
    events: list[tuple[int, dict | None]] = []

    def local(frame: types.FrameType, event: str, arg: object):  # type: ignore[no-untyped-def]
        if event == "line":
            events.append(
                (frame.f_lineno, {k: copy.deepcopy(v) for k, v in frame.f_locals.items() if _keep(v)})
            )
        elif event in ("return", "exception"):
            events.append((frame.f_lineno, None))

    def on_call(frame: types.FrameType, event: str, arg: object):  # type: ignore[no-untyped-def]
        return local if event == "call" and frame.f_code.co_filename == FILE else None

    sys.settrace(on_call)
    try:
        fn(*args)
    finally:
        sys.settrace(None)
    steps: list[list] = []  # [line, locals]
    for line, loc in events:
        if not steps or steps[-1][0] != line:
            steps.append([line, {}])
        if loc is not None:
            steps[-1][1] = loc
    return steps


def values_of(node: ast.AST, states: list[dict]):  # type: ignore[no-untyped-def]
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.Name):
        found = [s[node.id] for s in states if node.id in s]
        return found if found else NIL
    if isinstance(node, ast.Attribute):
        base = values_of(node.value, states)
        if base is NIL:
            return NIL
        found = [getattr(b, node.attr) for b in base if hasattr(b, node.attr)]
        return found if found else NIL
    if isinstance(node, ast.Subscript):
        bases, keys = values_of(node.value, states), values_of(node.slice, states)
        if bases is NIL or keys is NIL:
            return NIL
        found = []
        for b, k in itertools.product(bases, keys):
            with contextlib.suppress(TypeError, KeyError, IndexError):
                found.append(b[k])
        return found if found else NIL
    if isinstance(node, ast.Tuple):
        parts = [values_of(e, states) for e in node.elts]
        return NIL if any(p is NIL for p in parts) else list(itertools.product(*parts))
    raise ValueError(node)


def render(values):  # type: ignore[no-untyped-def]
    if values is NIL:
        return None
    out = []
    for v in values:
        t = type(v)
        try:
            text = repr(v)
        except Exception as exc:
            text = f"<unrepresentable {type(exc).__name__}>"
        if len(text) > 4000:
            text = text[:4000] + "...<cut>"
        out.append(
            [text, t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"]
        )
    return out


def answers(steps: list[list], line: int, var: str) -> dict:
    lines = [s[0] for s in steps]
    where = [i for i, n in enumerate(lines) if n == line]
    nxt = sorted({lines[i + 1] if i + 1 < len(lines) else -1 for i in where}) or [-1]
    state = None
    if where:
        after = [steps[min(i + 1, len(steps) - 1)][1] for i in where]
        try:
            state = render(values_of(ast.parse(var, mode="eval").body, after))
        except Exception:
            state = None
    return {"coverage": bool(where), "next-line": nxt, "state": state}


def main(data_path: str, tasks_path: str) -> None:
    data = [json.loads(x) for x in open(data_path, encoding="utf-8")]
    out: dict[str, object] = {}
    for row in (json.loads(x) for x in open(tasks_path, encoding="utf-8")):
        program = data[row["idx"]]
        for group in row["tasks"]:
            key = f"{row['idx']}/{group['input_idx']}"
            env: dict = {"__name__": "reference"}
            sink = io.StringIO()
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    exec(compile(program["code"], FILE, "exec"), env)
                    if program.get("test"):
                        exec(compile(program["test"], "<test>", "exec"), env)
                        pattern = f"{program['entry_point']}Test.*"
                        cases = [
                            v
                            for k, v in env.items()
                            if isinstance(v, type)
                            and re.match(pattern, k)
                            and issubclass(v, unittest.TestCase)
                        ]
                        case = cases[group["input_idx"]]
                        first = next(k for k in vars(case) if k.startswith("test"))
                        obj = case(first)
                        obj.setUp()
                        steps = record(getattr(obj, first))
                    else:
                        call_args = eval(program["inputs"][group["input_idx"]], env)
                        steps = record(env[program["entry_point"]], *call_args)
            except BaseException as exc:
                out[key] = {"error": type(exc).__name__}
                continue
            for q in group["task"]:
                out[f"{key}/{q['lineno']}/{q['var']}"] = answers(steps, q["lineno"], q["var"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

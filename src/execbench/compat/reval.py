"""REval (DREval) compatibility mode: its step model, its ground truth and its answer checks.

Runs inside the sandbox as ``execbench.compat.reval:run`` (stdlib only, cheap to import).
What REval's ``dynamics.py`` does, as read, and this module reproduces:

- **Steps.** Only frames of the program's own code are traced (REval compiles it under one
  file name). Every ``line``, ``return`` and ``exception`` event of those frames adds to the
  current step when it is on the same line number, else opens a new step. So a callee's
  return reported at the caller's line (a generator expression or comprehension resuming,
  an exception passing through) makes the caller's line "execute again"; a step opened by
  a ``return``/``exception`` event has no locals.
- **Locals.** At each ``line`` event the frame's locals are deep-copied, leaving out
  modules, functions, builtins, iterators and generators; the step keeps the last copy.
- **State after line L** is the step after each step on L (the step itself when last); a
  variable (``x``, ``self.x``, ``a[i]``, ``(a, b)``) is interpreted over all those steps:
  names collect values, attributes and subscripts try every candidate, a tuple is the
  product of its elements' values; nothing found (or L never ran) is ``Nil``.
- **Coverage** is "L is a step"; **next line** the set of lines of the steps after each
  step on L (-1 at the end; ``{-1}`` when L never ran).
- **ClassEval programs**: the i-th ``<Class>Test*`` unittest case keeps its first test
  method; ``setUp`` runs untraced; the test body (compiled under another file name) drives
  the class's code.
- **Answers.** State answers go through REval's value parser (``value; type``, ``eval`` of
  the value, ``pydoc.locate`` of the type, its ad-hoc cases) and its ``_eq``; output
  answers (completed test code) are padded, checked for its penalty patterns and executed.

No step or event limit: the sandbox's time limit is the only cut, and a call that hits it
is reported (never silently dropped).
"""

from __future__ import annotations

import ast
import collections.abc
import copy
import inspect
import io
import itertools
import re
import sys
from typing import Any

from execbench import _pyast
from execbench.compat.reval_answers import (
    _NIL,
    NIL,
    _answer_block,
    _eval_env,
    is_cot,
    parse_coverage,
    parse_next_line,
    parse_state,
    state_equal,
)

__all__ = ["REVAL_RUNNER", "run", "NIL", "render_values", "is_cot", "parse_coverage", "parse_next_line"]

REVAL_RUNNER = "execbench.compat.reval:run"
_FILE = "<internals>"
_TEST_FILE = "<reval-test>"
_SKIPPED = ("module", "function", "builtin_function_or_method")
_REPR_CAP = 4000


class _Step:
    __slots__ = ("line", "locals")

    def __init__(self, line: int) -> None:
        self.line = line
        self.locals: dict[str, Any] = {}


class _Recorder:
    """REval's ``Sandbox``: steps from the line/return/exception events of the program's frames."""

    def __init__(self) -> None:
        self.steps: list[_Step] = []

    def _add(self, line: int, locals_: dict[str, Any] | None) -> None:
        if not self.steps or self.steps[-1].line != line:
            self.steps.append(_Step(line))
        if locals_ is not None:
            self.steps[-1].locals = locals_

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            kept = {}
            for name, value in frame.f_locals.items():
                if type(value).__name__ in _SKIPPED:
                    continue
                if isinstance(value, collections.abc.Iterator | collections.abc.Generator):
                    continue
                kept[name] = copy.deepcopy(value)
            self._add(frame.f_lineno, kept)
        elif event in ("return", "exception"):
            self._add(frame.f_lineno, None)
        return None

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename == _FILE:
            return self._local
        return None

    def run(self, fn: Any, *args: Any) -> None:
        sys.settrace(self._global)
        try:
            fn(*args)
        finally:
            sys.settrace(None)

    # -- queries (1-based lines) --
    def lines(self) -> list[int]:
        return [s.line for s in self.steps]

    def next_lines(self, line: int) -> list[int]:
        found = set()
        for i, step in enumerate(self.steps):
            if step.line == line:
                found.add(self.steps[i + 1].line if i + 1 < len(self.steps) else -1)
        return sorted(found) or [-1]

    def after(self, line: int) -> list[_Step]:
        return [
            self.steps[i + 1] if i + 1 < len(self.steps) else step
            for i, step in enumerate(self.steps)
            if step.line == line
        ]

    def interpret(self, line: int, var: str) -> Any:
        """REval's ``VarInterpreter``: a list of values, or ``_NIL``."""
        if line not in {s.line for s in self.steps}:
            return _NIL
        try:
            tree = _pyast.parse(var)
            node = tree.body[0].value  # type: ignore[attr-defined]
            if len(tree.body) != 1:
                return _NIL
            found = self._analyze(node, self.after(line))
        except Exception:
            return _NIL
        return found if isinstance(found, list) else _NIL

    def _analyze(self, node: ast.AST, states: list[_Step]) -> Any:
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.Name):
            values = [s.locals[node.id] for s in states if node.id in s.locals]
            return values or _NIL
        if isinstance(node, ast.Attribute):
            objs = self._analyze(node.value, states)
            if objs is _NIL:
                return _NIL
            values = [getattr(o, node.attr) for o in objs if hasattr(o, node.attr)]
            return values or _NIL
        if isinstance(node, ast.Subscript):
            arrays, keys = self._analyze(node.value, states), self._analyze(node.slice, states)
            if arrays is _NIL or keys is _NIL:
                return _NIL
            values = []
            for a, k in itertools.product(arrays, keys):
                try:
                    values.append(a[k])
                except (TypeError, KeyError, IndexError):
                    pass
            return values or _NIL
        if isinstance(node, ast.Tuple):
            parts = [self._analyze(n, states) for n in node.elts]
            if any(p is _NIL for p in parts):
                return _NIL
            return list(itertools.product(*parts))
        raise ValueError(f"unsupported node {type(node).__name__}")


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a program's __repr__ may raise
        text = f"<unrepresentable {type(exc).__name__}>"
    return text if len(text) <= _REPR_CAP else text[:_REPR_CAP] + "...<cut>"


def render_values(values: Any) -> list[list[str]] | None:
    """REval's value list as ``[[repr, type], ...]`` (``None`` is Nil), in REval's order."""
    if values is _NIL or not isinstance(values, list):
        return None
    return [[_safe_repr(v), _type_name(v)] for v in values]


# -- setting the program up as REval does -------------------------------------------------


def _namespace() -> dict[str, Any]:
    return {"__name__": "dynamics", "__builtins__": __builtins__}


def _function(code: str, entry: str) -> tuple[dict[str, Any], Any]:
    env = _namespace()
    exec(compile(code, _FILE, "exec"), env)
    fn = env[entry]
    if not inspect.isroutine(fn):
        raise TypeError(f"{entry} is not a function")
    return env, fn


def _test_cases(code: str, cls: str, test: str) -> tuple[dict[str, Any], list[type]]:
    """The class and its ``<cls>Test*`` cases, each cut down to its first test method."""
    import unittest

    env = _namespace()
    exec(compile(code, _FILE, "exec"), env)
    exec(compile(test, _TEST_FILE, "exec"), env)
    cases = []
    for name, value in list(env.items()):
        if (
            isinstance(value, type)
            and re.match(f"{cls}Test.*", name)
            and issubclass(value, unittest.TestCase)
        ):
            methods = [k for k in value.__dict__.copy() if k.startswith("test")]
            if not methods:
                raise ValueError(f"no test methods in {name}")
            value.dreval_test = getattr(value, methods[0])  # type: ignore[attr-defined]
            for k in methods:
                delattr(value, k)
            cases.append(value)
    return env, cases


def _record(code: str, args: dict[str, Any]) -> _Recorder:
    recorder = _Recorder()
    if args.get("test"):
        _, cases = _test_cases(code, str(args["entry"]), str(args["test"]))
        obj = cases[int(args["index"])]()
        if hasattr(obj, "setUp"):
            obj.setUp()
        recorder.run(obj.dreval_test)
    else:
        env, fn = _function(code, str(args["entry"]))
        call_args = eval(str(args["input"]), env)  # REval: fn(*eval(input)), inside the sandbox
        recorder.run(fn, *call_args)
    return recorder


def _penalty(code: str, given: str) -> bool:
    """REval's ``penalty_pattern``: trivial asserts, or fewer asserts than the question has."""
    trivial = ("assertTrue(True)", "assertFalse(False)", "assert True", "assert False")
    if any(t in code for t in trivial):
        return True
    return code.count("assert") < given.count("assert")


def _pad(resp: str, given: str) -> str:
    """REval's ``_postprocess_phase2``: a short answer is padded with the question's first lines."""
    in_lines, out_lines = given.strip().split("\n"), resp.strip().split("\n")
    if len(out_lines) >= len(in_lines):
        return resp
    return "\n".join(in_lines[: len(in_lines) - len(out_lines)] + out_lines)


def _output_pass(code: str, args: dict[str, Any], text: str, cot: bool) -> bool:
    block = _answer_block(text, cot)
    answer = "assert False" if block is None else _pad(block, str(args["question"]))
    if _penalty(answer, str(args["question"])):
        return False
    if args.get("test"):
        env, cases = _test_cases(code, str(args["entry"]), str(args["test"]))
        case = cases[int(args["index"])]
        body, in_string = "def dreval_output_pred(self):", False
        for line in answer.split("\n"):
            body += f"\n{line}" if in_string else f"\n\t{line}"
            if "'''" in line or '"""' in line:
                in_string = not in_string
        body = body.replace("assert", "self.assert")
        exec(compile(body, _FILE, "exec"), env)
        case.dreval_output_pred = env["dreval_output_pred"]  # type: ignore[attr-defined]
        obj = case()
        if hasattr(obj, "setUp"):
            obj.setUp()
        obj.dreval_output_pred()
        return True
    _, fn = _function(code, str(args["entry"]))
    exec(answer, {**_eval_env(), "__builtins__": __builtins__}, {str(args["entry"]): fn})
    return True


def _judge_state(recorder: _Recorder, line: int, var: str, text: str, cot: bool) -> dict[str, Any]:
    try:
        parsed = parse_state(text, cot)
        actual = recorder.interpret(line, var)
        shown = parsed if isinstance(parsed, str) else _safe_repr(parsed)
        return {"correct": bool(state_equal(parsed, actual)), "parsed": shown}
    except Exception as exc:  # an answer whose value misbehaves is a wrong answer
        return {"correct": False, "parsed": f"ERROR ({type(exc).__name__})"}


def run(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner. ``args["op"]``: ``truth``, ``state`` (judge one answer), ``states`` or ``output``.

    ``truth``: ``{"lines", "answers": {"<line>|<var>": [[repr, type], ...] | None}}``;
    ``state``/``output``: ``{"correct": bool, "parsed": text}``.
    """
    op = str(args.get("op", "truth"))
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()  # REval swallows the program's output
    try:
        if op == "output":
            try:
                ok = _output_pass(code, args, str(args["answer"]), bool(args.get("cot")))
            except BaseException:  # a failing completion is a failed item, as in REval
                ok = False
            return {"correct": ok}
        recorder = _record(code, args)
        if op == "state":
            return _judge_state(
                recorder, int(args["line"]), str(args["var"]), str(args["answer"]), bool(args.get("cot"))
            )
        if op == "states":  # several answers about one call: traced once
            return {
                "verdicts": [
                    _judge_state(recorder, int(line), str(var), str(text), bool(cot))
                    for line, var, text, cot in args["answers"]
                ]
            }
        answers = {
            f"{line}|{var}": render_values(recorder.interpret(int(line), str(var)))
            for line, var in args.get("queries", [])
        }
        lines = recorder.lines()
        return {
            "lines": lines,
            "next": {str(n): recorder.next_lines(n) for n in {int(q[0]) for q in args.get("queries", [])}},
            "answers": answers,
        }
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr

"""``baseline:<name>``: non-LLM reference predictors, the floor every table shows.

A model that does not beat these has learnt nothing about execution: each one answers
from the program text alone (never by running it) with a fixed, dumb rule, in the same
``[ANSWER] ... [/ANSWER]`` form the prompts ask for. ``baseline:floor`` applies, per task
kind, the designated floor below, so that ``execbench eval --suite builtin --model
baseline:floor`` runs the whole pipeline offline. ``canonical`` is the opposite: an
oracle *ceiling* for code generation (the dataset's own solution), a check on the scorer.

Baselines read ``task.meta`` ("program", "entry", "args" or "input" -- the argument text
or the whole call --, "expected_output" or "output", "line", "var", "canonical_solution",
"prompt"); a missing key gives the empty answer, never a crash.
Parameters after the name: ``baseline:first-lines:5`` (N, default 3).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from execbench import _pyast
from execbench.errors import UserError
from execbench.models.types import Generation, GenRequest

if TYPE_CHECKING:
    from execbench.tasks.types import Task

__all__ = ["Baseline", "BASELINES", "FLOOR", "BaselineBackend", "make_baseline_backend", "wrap_answer"]


@dataclass(frozen=True)
class Baseline:
    name: str
    kinds: tuple[str, ...]
    """Task kinds it answers; other kinds get ``Generation.error``."""
    measures: str
    """What beating it shows (``describe()``)."""
    predict: Callable[[Task, int], str]
    """(task, parameter N) -> answer text, "" when the task lacks what the rule needs."""

    def describe(self) -> str:
        return f"{self.name} ({', '.join(self.kinds)}): {self.measures}"


def wrap_answer(kind: str, text: str) -> str:
    """The answer as the prompts ask for it; code generation answers raw code, human-eval style."""
    return text if kind == "codegen" else f"[ANSWER]\n{text}\n[/ANSWER]"


# -- reading the task --------------------------------------------------------------------
def _meta(task: Task, key: str) -> Any:
    return (task.meta or {}).get(key)


def _parse(task: Task) -> ast.Module | None:
    code = _meta(task, "program")
    if not isinstance(code, str):
        return None
    try:
        return _pyast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _entry_function(tree: ast.Module, entry: Any) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    name = str(entry or "f").split(".")[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def _statement_lines(task: Task) -> list[int]:
    """Lines of the entry function's statements in textual order (no def line, no docstring)."""
    tree = _parse(task)
    if tree is None:
        return []
    fn = _entry_function(tree, _meta(task, "entry"))
    body = fn.body if fn is not None else tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    lines: set[int] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.stmt) and not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                lines.add(node.lineno)
    return sorted(lines)


def _args_text(task: Task) -> str:
    """The call's argument text, whether meta holds ``1, 2`` or ``f(1, 2)``."""
    args = _meta(task, "args")
    if isinstance(args, str):
        return args.strip()
    text = _meta(task, "input")
    if not isinstance(text, str):
        return ""
    entry = str(_meta(task, "entry") or "f")
    stripped = text.strip()
    if stripped.startswith(entry + "(") and stripped.endswith(")"):
        return stripped[len(entry) + 1 : -1]
    return stripped


def _render_value(value: Any) -> str:
    return f"{value!r}; {type(value).__name__}"


# -- the rules ---------------------------------------------------------------------------
def _copy_input(task: Task, n: int) -> str:
    if task.kind == "input":
        output = _meta(task, "expected_output")
        if output is None:
            output = _meta(task, "output")
        if output is None:
            return ""
        return f"{_meta(task, 'entry') or 'f'}({output})"
    return _args_text(task)


def _first_lines(task: Task, n: int) -> str:
    lines = _statement_lines(task)[: max(n, 1)]
    return "[" + ", ".join(map(str, lines)) + "]" if lines else ""


def _all_lines(task: Task, n: int) -> str:
    lines = _statement_lines(task)
    return "[" + ", ".join(map(str, lines)) + "]" if lines else ""


def _param_value(task: Task, var: str) -> tuple[bool, Any]:
    """The literal a parameter receives from the call, when the call is all literals."""
    tree = _parse(task)
    fn = None if tree is None else _entry_function(tree, _meta(task, "entry"))
    if fn is None:
        return False, None
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    try:
        args = _pyast.literal_eval(f"({_args_text(task)},)") if _args_text(task) else ()
    except (SyntaxError, ValueError):
        return False, None
    if var in names and names.index(var) < len(args):
        return True, args[names.index(var)]
    return False, None


def _last_assigned(task: Task, n: int) -> str:
    var, line, tree = _meta(task, "var"), _meta(task, "line"), _parse(task)
    if not isinstance(var, str) or not isinstance(line, int) or tree is None:
        return ""
    best: tuple[int, Any] | None = None
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if not targets or node.lineno > line or any(ast.unparse(t) != var for t in targets):
            continue
        try:
            value = _pyast.literal_eval(node.value)  # type: ignore[union-attr,arg-type]
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if best is None or node.lineno >= best[0]:
            best = (node.lineno, value)
    if best is not None:
        return _render_value(best[1])
    found, value = _param_value(task, var)
    return _render_value(value) if found else "Nil"


def _canonical(task: Task, n: int) -> str:
    solution = _meta(task, "canonical_solution")
    if not isinstance(solution, str) or not solution.strip():
        return ""
    try:
        defines = any(
            isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) for s in _pyast.parse(solution).body
        )
    except SyntaxError:
        defines = False  # a bare indented body does not parse on its own
    prompt = _meta(task, "prompt") or _meta(task, "problem_prompt")
    if defines or not isinstance(prompt, str):
        return solution
    return prompt + solution  # a whole program: right whether the scorer prepends the prompt or not


def _next_textual(task: Task, n: int) -> str:
    line = _meta(task, "line")
    return str(line + 1) if isinstance(line, int) else ""


_OUT_IN = ("output", "input")
BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        Baseline(
            "copy-input",
            _OUT_IN,
            "predicts the output is the input (output) and the input is the output "
            "(input): catches identity-like functions and nothing else.",
            _copy_input,
        ),
        Baseline(
            "first-lines",
            ("path",),
            "predicts the path is the first N statement lines of the function: "
            "credit for straight-line prefixes only.",
            _first_lines,
        ),
        Baseline(
            "all-lines",
            ("path",),
            "predicts every statement line once, in textual order: right only for "
            "loop-free, branch-free code.",
            _all_lines,
        ),
        Baseline(
            "always-executed",
            ("coverage",),
            "answers YES: its accuracy is the share of covered lines, its recall 100%.",
            lambda t, n: "YES",
        ),
        Baseline(
            "last-assigned",
            ("state",),
            "the last literal textually assigned to the variable at or before "
            "line L (else the literal argument for a parameter, else Nil), with its type: no control or "
            "data flow.",
            _last_assigned,
        ),
        Baseline(
            "none",
            ("exception",),
            "answers None (no exception): its accuracy is the share of calls that return normally.",
            lambda t, n: "None",
        ),
        Baseline(
            "zero", ("steps", "loop"), "answers 0: right only for loops that never run.", lambda t, n: "0"
        ),
        Baseline(
            "first-arm",
            ("branch",),
            "answers YES (the body of the if/while is entered): the share of true evaluations.",
            lambda t, n: "YES",
        ),
        Baseline(
            "next-textual",
            ("next-line",),
            "answers L+1: right for straight-line code, wrong at every jump.",
            _next_textual,
        ),
        Baseline(
            "canonical",
            ("codegen",),
            "ORACLE CEILING, not a floor: returns the dataset's canonical "
            "solution from task.meta; anything below 100% is a scorer or dataset problem.",
            _canonical,
        ),
    )
}

#: The designated floor per kind, used by ``baseline:floor``.
FLOOR: dict[str, str] = {
    "output": "copy-input",
    "input": "copy-input",
    "path": "first-lines",
    "coverage": "always-executed",
    "state": "last-assigned",
    "exception": "none",
    "steps": "zero",
    "loop": "zero",
    "branch": "first-arm",
    "next-line": "next-textual",
}


class BaselineBackend:
    """Answers instantly from the task; ``baseline:floor`` dispatches per kind via ``FLOOR``."""

    def __init__(self, name: str, n: int = 3) -> None:
        if name != "floor" and name not in BASELINES:
            known = ", ".join(["floor", *BASELINES])
            raise UserError(f"unknown baseline '{name}'; choose one of: {known}")
        self.baseline = name
        self.n = n
        self.name = f"baseline:{name}" + (f":{n}" if name == "first-lines" else "")

    def describe(self) -> str:
        if self.baseline == "floor":
            return "per-kind floor: " + "; ".join(f"{k} -> {v}" for k, v in FLOOR.items())
        return BASELINES[self.baseline].describe()

    def info(self) -> dict[str, Any]:
        return {"backend": "baseline", "model": self.baseline, "n": self.n, "describe": self.describe()}

    def answer(self, task: Task) -> tuple[str, str | None]:
        """(answer text, error) for one task."""
        name = FLOOR.get(task.kind) if self.baseline == "floor" else self.baseline
        baseline = BASELINES.get(name or "")
        if baseline is None or task.kind not in baseline.kinds:
            return "", f"baseline {self.baseline} does not answer {task.kind} tasks"
        try:
            text = baseline.predict(task, self.n)
        except (RecursionError, MemoryError, ValueError, TypeError, AttributeError):
            text = ""  # a pathological program text must not stop the run
        return (wrap_answer(task.kind, text) if text else ""), None

    async def generate(self, req: GenRequest) -> Generation:
        if req.task is None:
            return Generation("", error="baselines need the task (GenRequest.task is None)")
        text, error = self.answer(req.task)
        return Generation(text, error=error)

    async def aclose(self) -> None:
        return None


def make_baseline_backend(rest: str, **options: Any) -> BaselineBackend:
    """Registry factory: ``<name>`` or ``<name>:<N>``; HTTP options are ignored."""
    name, _, param = rest.partition(":")
    if param and not param.isdigit():
        raise UserError(f"baseline parameter must be a positive integer, not '{param}' (e.g. first-lines:5)")
    return BaselineBackend(name, int(param) if param else 3)

"""MGDebugger-style hierarchical debugging (one pass per repair iteration).

1. **decompose**: the model restructures the program into a tree of subfunctions called by
   the entry (same behaviour); an answer that does not parse or lacks the entry is ignored
   and the program's own functions are the tree;
2. the tree is the call graph of the program's top-level functions from the entry; it is
   debugged **bottom-up** (callees before callers, the entry last);
3. for each subfunction: the model writes **unit tests** (asserts); they are **run for real**
   in the sandbox against the whole program; if some fail, the model gets the failing tests
   (LDB's ``# Real Execution Output:`` form) and the line-by-line trace of the first one, and
   returns the subfunction **fixed**, which replaces it in the program;
4. the entry is fixed last, the same way, if the failing visible test still fails;
5. the recomposed program is the iteration's new program.

The prompts are execbench's, written from the method's description (MGDebugger's own were
not read); golden files pin them.
"""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable
from typing import Any

from execbench import _pyast
from execbench.repair.chat import ChatRequest, Reply
from execbench.repair.ldbcompat import IMPORT_HEADER, code_body, split_feedback, trim_header
from execbench.repair.prompts import SYSTEM

__all__ = ["mg_step", "call_tree_order", "replace_function", "extract_function", "unit_tests"]

DECOMPOSE = (
    "Restructure the Python program below into a tree of small subfunctions: the entry function "
    "`{entry}` calls subfunctions, each doing one clear step (subfunctions may call further "
    "subfunctions). Keep the behaviour exactly the same, bugs included. Respond with the whole "
    "program in one Markdown code block.\n```python\n{program}\n```"
)
UNITTESTS = (
    "Task:\n{prompt}\nProgram:\n```python\n{program}\n```\nWrite 3 unit tests for the subfunction "
    "`{name}`: Python assert statements, one per line, each checking what `{name}` must return "
    "for the program to solve the task. Respond with the asserts only, in one Markdown code block."
)
FIX = (
    "Task:\n{prompt}\nThe function `{name}` of this program fails these unit tests:\n{failed}\n"
    "{trace}Fix `{name}`. Respond with the corrected function `{name}` only, in one Markdown code "
    "block.\n```python\n{program}\n```"
)

Ask = Callable[[ChatRequest], Awaitable[Reply]]
Run = Callable[[str, list[str]], Awaitable[tuple[str, ...]]]
Trace = Callable[[str, str, str], Awaitable[list[list[str]] | str]]


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def call_tree_order(program: str, entry: str) -> list[str]:
    """Top-level functions reachable from ``entry``, callees before callers (entry last)."""
    try:
        funcs = _functions(_pyast.parse(program))
    except (SyntaxError, ValueError):
        return [entry]
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in funcs:
            return
        seen.add(name)
        for node in ast.walk(funcs[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                visit(node.func.id)
        order.append(name)

    visit(entry)
    return order or [entry]


def extract_function(text: str, name: str) -> str | None:
    """The source of ``def name`` in a model's answer (decorators included), or None."""
    code = code_body(text)
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError):
        return None
    node = _functions(tree).get(name)
    if node is None:
        return None
    lines = code.split("\n")
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return "\n".join(lines[first - 1 : node.end_lineno])


def replace_function(program: str, name: str, new: str) -> str:
    """``program`` with top-level ``def name`` replaced by ``new`` (unchanged if absent)."""
    try:
        node = _functions(_pyast.parse(program)).get(name)
    except (SyntaxError, ValueError):
        return program
    if node is None:
        return program
    lines = program.split("\n")
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return "\n".join(lines[: first - 1] + new.split("\n") + lines[node.end_lineno :])


def unit_tests(text: str, name: str, limit: int = 5) -> list[str]:
    """The ``assert`` lines of an answer that call ``name`` and parse (at most ``limit``)."""
    out: list[str] = []
    for line in code_body(text).split("\n"):
        line = line.strip()
        if line.startswith("assert ") and f"{name}(" in line:
            try:
                _pyast.parse(line)
            except (SyntaxError, ValueError):
                continue
            out.append(line)
    return out[:limit]


async def _fix(
    ask: Ask,
    trace: Trace,
    task_id: str,
    iteration: int,
    prompt: str,
    program: str,
    name: str,
    failed: tuple[str, ...],
) -> str:
    traced = await trace(program, failed[0], name)
    shown = ""
    if isinstance(traced, list) and traced:
        shown = "Execution trace of the first failing test, line by line with the values after each line:\n"
        shown += "\n".join("\n".join(b) for b in traced) + "\n"
    message = FIX.format(
        prompt=prompt, name=name, failed="\n".join(failed), trace=shown, program=trim_header(program)
    )
    reply = await ask(ChatRequest(task_id, f"fix:{name}", iteration, (("system", SYSTEM), ("user", message))))
    new = extract_function(reply.text, name) if reply.error is None else None
    return replace_function(program, name, new) if new else program


async def mg_step(
    ask: Ask,
    run: Run,
    trace: Trace,
    task_id: str,
    iteration: int,
    prompt: str,
    entry: str,
    program: str,
    failed: str,
) -> tuple[str | None, dict[str, Any]]:
    """One hierarchical pass; returns (new program or None if the model gave no answer, notes)."""
    shown = trim_header(program)
    reply = await ask(
        ChatRequest(
            task_id,
            "decompose",
            iteration,
            (("system", SYSTEM), ("user", DECOMPOSE.format(entry=entry, program=shown))),
        )
    )
    if reply.error is not None:
        return None, {}
    tree_program = code_body(reply.text)
    if entry not in _defined(tree_program):
        tree_program = shown
    current = IMPORT_HEADER + trim_header(tree_program)
    order = call_tree_order(current, entry)
    notes: dict[str, Any] = {"tree": order, "unit_tests": {}}
    for name in order[:-1]:
        message = UNITTESTS.format(prompt=prompt, program=trim_header(current), name=name)
        answer = await ask(
            ChatRequest(task_id, f"unittests:{name}", iteration, (("system", SYSTEM), ("user", message)))
        )
        tests = unit_tests(answer.text, name) if answer.error is None else []
        fails = await run(current, tests) if tests else ()
        notes["unit_tests"][name] = {"tests": tests, "failed": list(fails)}
        if fails:
            current = await _fix(ask, trace, task_id, iteration, prompt, current, name, fails)
    still = await run(current, [split_feedback(failed)[0].rstrip()]) if failed else ()
    notes["entry_failed"] = list(still)
    if still:
        current = await _fix(ask, trace, task_id, iteration, prompt, current, entry, still)
    return current, notes


def _defined(program: str) -> set[str]:
    try:
        return set(_functions(_pyast.parse(program)))
    except (SyntaxError, ValueError):
        return set()

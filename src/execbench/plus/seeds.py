"""Seed inputs: the argument lists a problem's own tests and docstring already use.

Read from text with ``ast`` only (nothing is executed in the host): every call to
``candidate(...)`` or to the entry point inside the test code, and every
``entry(...)`` written in the prompt's docstring (``>>> f(1, 2)``, ``f(3) ➞ 4``,
``f("a") == "b"``), whose arguments are all literals (``ast.literal_eval`` accepts them).

Tests that compute their arguments (HumanEval/38's random strings, /32's random
polynomials) have no literal calls: for those the augmenter records the calls the test
code makes, in the sandbox (:func:`execbench.plus.execute.record_test_calls`), and passes
their literal text here as ``recorded`` (origin ``test-run``). :func:`function_under_test`
finds the function the tests really call when it is not the entry point (LDB's MBPP names
a helper as ``entry_point`` for 20 problems, e.g. MBPP/18's ``str_to_list`` while every
assert calls ``remove_dirty_chars``).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from execbench import _pyast

__all__ = ["Seed", "extract_seeds", "args_text", "function_under_test"]


@dataclass(frozen=True)
class Seed:
    args: tuple[Any, ...]
    origin: str
    """``test``, ``docstring`` or ``test-run`` (recorded while the test code ran)."""


def args_text(args: Any) -> str:
    """An argument list as Python literal text (``[1, 'a']``), the file format's unit."""
    return repr(list(args))


def _literal_args(call: ast.Call) -> tuple[Any, ...] | None:
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    try:
        return tuple(_pyast.literal_eval(a) for a in call.args)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _calls(tree: ast.AST, names: set[str]) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            yield node


def _parse(text: str, mode: str) -> ast.Module | ast.Expression:
    """``ast.parse`` without the interpreter's warnings about the text (invalid escapes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _pyast.parse(text, mode=mode)  # type: ignore[call-overload,no-any-return]


def _from_test(test: str, entry: str) -> list[tuple[Any, ...]]:
    try:
        tree = _parse(test, "exec")
    except (SyntaxError, ValueError):
        return []
    out = []
    for call in _calls(tree, {"candidate", entry}):
        args = _literal_args(call)
        if args is not None:
            out.append(args)
    return out


def _from_docstring(prompt: str, entry: str) -> list[tuple[Any, ...]]:
    out = []
    for match in re.finditer(rf"\b{re.escape(entry)}\(", prompt):
        start = match.start()
        depth = 0
        for end in range(match.end() - 1, min(len(prompt), start + 2000)):
            ch = prompt[end]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break
        else:
            continue
        try:
            node = _parse(prompt[start : end + 1], "eval").body
        except (SyntaxError, ValueError):
            continue
        if isinstance(node, ast.Call):
            args = _literal_args(node)
            if args is not None and not _is_signature(prompt, start):
                out.append(args)
    return out


def _is_signature(prompt: str, start: int) -> bool:
    return prompt[max(0, start - 4) : start] == "def "


def _from_recorded(recorded: Sequence[str]) -> list[tuple[Any, ...]]:
    out = []
    for text in recorded:
        try:
            value = _pyast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if type(value) is list:
            out.append(tuple(value))
    return out


def function_under_test(code: str, test: str, entry: str) -> str:
    """``entry``, unless the test never calls it (nor ``candidate``) and calls a function
    ``code`` defines: then the one it calls most (first in text order on ties)."""
    try:
        tree = _parse(test, "exec")
        defined = {n.name for n in ast.walk(_parse(code, "exec")) if isinstance(n, ast.FunctionDef)}
    except (SyntaxError, ValueError, RecursionError):
        return entry
    called = [c.func.id for c in _calls(tree, defined | {"candidate"})]  # type: ignore[attr-defined]
    if not called or entry in called or "candidate" in called:
        return entry
    counts: dict[str, int] = {}
    for name in called:
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: (counts[n], -called.index(n)))


def extract_seeds(prompt: str, test: str, entry: str, recorded: Sequence[str] = ()) -> list[Seed]:
    """Distinct seeds, tests first, in text order, then ``recorded`` calls (literal text);
    only the most common arity is kept."""
    found = [Seed(a, "test") for a in _from_test(test, entry)]
    found += [Seed(a, "docstring") for a in _from_docstring(prompt, entry)]
    found += [Seed(a, "test-run") for a in _from_recorded(recorded)]
    if not found:
        return []
    arities: dict[int, int] = {}
    for seed in found:
        arities[len(seed.args)] = arities.get(len(seed.args), 0) + 1
    arity = max(arities, key=lambda n: (arities[n], -n))
    seen: set[str] = set()
    seeds = []
    for seed in found:
        key = args_text(seed.args)
        if len(seed.args) == arity and key not in seen:
            seen.add(key)
            seeds.append(seed)
    return seeds

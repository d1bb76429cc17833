"""Seed inputs: the argument lists a problem's own tests and docstring already use.

Read from text with ``ast`` only (nothing is executed in the host): every call to
``candidate(...)`` or to the entry point inside the test code, and every
``entry(...)`` written in the prompt's docstring (``>>> f(1, 2)``, ``f(3) ➞ 4``,
``f("a") == "b"``), whose arguments are all literals (``ast.literal_eval`` accepts them).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from execbench import _pyast

__all__ = ["Seed", "extract_seeds", "args_text"]


@dataclass(frozen=True)
class Seed:
    args: tuple[Any, ...]
    origin: str
    """``test`` or ``docstring``."""


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


def extract_seeds(prompt: str, test: str, entry: str) -> list[Seed]:
    """Distinct seeds, tests first, in text order; only the most common arity is kept."""
    found = [Seed(a, "test") for a in _from_test(test, entry)]
    found += [Seed(a, "docstring") for a in _from_docstring(prompt, entry)]
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

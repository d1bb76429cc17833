"""Codegen answers: find the solution in a model's reply and drop what is not the solution.

Chat models wrap a solution in prose, fences, tags, "example usage" blocks and tests of
their own. Taking the last fenced block of the whole reply grades a correct solution wrong
whenever an example or a test fence follows it. The rules, in order:

1. The tagged answer wins: inside the last complete ``[ANSWER]...[/ANSWER]`` block (or
   after an unclosed tag), only its content is read.
2. Among the fenced blocks of that region (else of the whole reply), the first that
   defines the entry point is the solution; else the first python block that defines a
   function; else the last python block; else the last block; else the region's text.
3. The solution is sanitised as EvalPlus's sanitizer does: top-level statements that are
   not definitions -- prints and other calls, asserts, ``if __name__ == "__main__":``
   blocks, loops that exercise the code -- and the model's own ``test_*``/``check``
   functions are dropped; imports, classes, functions and assignments stay. Code that does
   not parse is returned as written (it fails on its own, in the sandbox).

Nothing is executed here: ``ast.parse`` only reads.
"""

from __future__ import annotations

import ast
import re
import warnings

from execbench import _pyast
from execbench.tasks._extract_text import fences, normalize

__all__ = ["extract_code", "sanitize_code"]

_PYTHON = ("python", "py", "python3", "")
_OPEN_TAG = re.compile(r"\[ANSWER\]|<answer>", re.IGNORECASE)
_KEEP = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)
_MAX_CODE = 50_000


def _parse(code: str) -> ast.Module | None:
    if len(code) > _MAX_CODE or "\x00" in code:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _defines(code: str, entry: str | None) -> bool:
    """Whether ``code`` defines ``entry`` (any function when ``entry`` is None) at top level."""
    if entry is not None:
        if re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE) is None:
            return False
    elif re.search(r"^\s*(?:async\s+)?def\s+\w+\s*\(", code, re.MULTILINE) is None:
        return False
    return True


def _is_test_function(node: ast.stmt, entry: str | None) -> bool:
    name = getattr(node, "name", "")
    return (
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and name != entry
        and (name.startswith("test") or name == "check")
    )


def sanitize_code(code: str, entry: str | None = None) -> str:
    """``code`` without the top-level statements that are not part of a solution."""
    module = _parse(code)
    if module is None:
        return code
    lines = code.split("\n")
    kept: list[str] = []
    for node in module.body:
        if not isinstance(node, _KEEP) or _is_test_function(node, entry):
            continue
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        kept.append("\n".join(lines[first - 1 : end]))
    if not kept:
        return code  # nothing recognisable: leave the verdict to the check
    return "\n".join(kept) + "\n"


def _choose(blocks: list[tuple[str, str, bool]], entry: str | None) -> str | None:
    python = [b for b in blocks if b[0] in _PYTHON]
    for predicate in (
        lambda body: _defines(body, entry),
        lambda body: entry is not None and _defines(body, None),
    ):
        for _lang, body, _closed in python:
            if predicate(body):
                return body
    if python:
        return python[-1][1]
    return blocks[-1][1] if blocks else None


def extract_code(text: str, *, entry: str | None = None) -> str | None:
    """The solution's source code in ``text`` (see the module docstring), or None."""
    normalized = normalize(text, translate=False)
    scope = _tagged_text(normalized) if _OPEN_TAG.search(normalized) else normalized
    code = _choose(fences(scope), entry)
    if code is None:
        code = scope
    code = code.strip("\n")
    if not code.strip():
        return None
    return sanitize_code(code, entry).strip("\n") or None


def _tagged_text(text: str) -> str:
    """The last complete tagged block, else what follows the last open tag."""
    closes = list(re.finditer(r"\[/ANSWER\]|</answer>", text, re.IGNORECASE))
    opens = list(_OPEN_TAG.finditer(text))
    if closes:
        close = closes[-1]
        before = [o for o in opens if o.end() <= close.start()]
        if before:
            return text[before[-1].end() : close.start()]
    return text[opens[-1].end() :] if opens else text

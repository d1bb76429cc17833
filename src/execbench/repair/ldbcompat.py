"""LDB's conventions for programs and tests, re-implemented from reading its ``programming/``
folder (FloridSleeves/LLMDebugger), so that its published runs replay string for string.

- Every program carries LDB's import header (:data:`IMPORT_HEADER`, the ``ldb`` prelude plus
  a second ``import re``); the model is shown the program without it.
- A seed becomes a program as LDB's ``prepare_function_from_seed`` does: the prompt is put in
  front unless the seed has the function header; helper functions of the prompt that the seed
  lacks are put in front; the prompt's docstring is inserted when the entry has none.
- Visible tests are LDB's ``given_tests`` that name the entry point and are not ``assert False``.
- A failing visible test is fed back as ``<test> # Real Execution Output: <output>``, where
  ``<output>`` is ``str()`` of the value of the assert's left operand (or of its whole test
  expression), ``str(exception)`` if that raises, and ``""`` on a timeout (LDB's thread
  timeout raises an empty ``AssertionError`` when it "terminates" a live thread).

Pure functions over strings: nothing here runs a program.
"""

from __future__ import annotations

import re

from execbench import _pyast
from execbench.compat.ldb import LDB_PRELUDE

__all__ = [
    "IMPORT_HEADER",
    "FEEDBACK_MARK",
    "prepare_program",
    "trim_header",
    "visible_tests",
    "docstring_tests",
    "feedback_text",
    "split_feedback",
    "call_expression",
    "code_body",
    "with_docstring",
]

#: LDB's ``utils.IMPORT_HEADER``: the ``ldb`` prelude and one more ``import re``.
IMPORT_HEADER = LDB_PRELUDE + "import re\n"
FEEDBACK_MARK = "# Real Execution Output:"


def _functions(text: str) -> list[tuple[str, str]]:
    """(name, text) of each top-level ``def`` in ``text`` except the last one (LDB's
    ``get_function`` rule: a function's text runs to the next ``def`` line)."""
    funcs: list[tuple[str, str]] = []
    current = ""
    name = ""
    for line in text.split("\n"):
        if line.startswith("def "):
            if current:
                funcs.append((name, current))
            current = line
            name = line.split("def ", 1)[1].split("(")[0]
        elif current:
            current += "\n" + line
    return funcs


def _docstring_of(prompt: str) -> str | None:
    for quote in ('"""', "'''"):
        if quote in prompt:
            return prompt.split(quote)[-2]
    return None


def _has_docstring(program: str, entry: str) -> bool:
    lines = program.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(f"def {entry}(")), len(lines) - 1)
    body = "\n".join(lines[start:])
    return '"""' in body or "'''" in body


def with_docstring(program: str, prompt: str, entry: str, *, first: bool = False) -> str:
    """``program`` with the prompt's docstring after the entry's header if the entry has none.

    ``first`` takes the prompt's first quoted part (LDB's ``fix_func_impl_comments``, used when
    preparing a program) instead of the last (``extrace_comment``, used before tracing)."""
    if _has_docstring(program, entry):
        return program
    comment: str | None
    if first:
        quote = '"""' if '"""' in prompt else "'''" if "'''" in prompt else None
        comment = prompt.split(quote)[1] if quote else None
    else:
        comment = _docstring_of(prompt)
    if comment is None:
        return program
    lines = program.split("\n")
    at = len(lines) - 1
    for i, line in enumerate(lines):
        if (line.startswith("def") and entry in line) if first else line.startswith(f"def {entry}("):
            at = i
            break
    lines.insert(at + 1, '    """' + comment + '"""')
    return "\n".join(lines)


def prepare_program(prompt: str, seed: str, entry: str) -> str:
    """LDB's ``prepare_function_from_seed`` for HumanEval/MBPP (see the module docstring)."""
    program = seed if (prompt in seed or f"def {entry}(" in seed) else prompt + "\n" + seed
    have = {name for name, _ in _functions(seed)}
    for name, text in _functions(prompt):
        if name not in have:
            program = text + "\n" + program
    program = with_docstring(program, prompt, entry, first=True)
    if IMPORT_HEADER not in program:
        program = IMPORT_HEADER + program
    return program


def trim_header(program: str) -> str:
    """The program as LDB shows it to the model: without the import header."""
    return program.replace(IMPORT_HEADER, "")


def visible_tests(given: list[str], entry: str) -> list[str]:
    """LDB's filter of the given tests."""
    return [t for t in given if entry in t and "assert False" not in t]


_DOCTEST = re.compile(r"^\s*>>>\s*(.+?)\s*$")


def docstring_tests(prompt: str, entry: str) -> list[str]:
    """Asserts from the prompt's doctest examples (``>>> f(x)`` then the expected line),
    for suites without LDB's ``given_tests``. Examples whose expected text is not a Python
    literal are left out (the model must not be shown a test that cannot be checked)."""
    lines = prompt.split("\n")
    tests: list[str] = []
    for i, line in enumerate(lines):
        m = _DOCTEST.match(line)
        if not m or entry not in m.group(1) or i + 1 >= len(lines):
            continue
        call, expected = m.group(1), lines[i + 1].strip()
        if not expected or expected.startswith(">>>"):
            continue
        try:
            _pyast.literal_eval(expected)
            _pyast.parse(call, mode="eval")
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        tests.append(f"assert {call} == {expected}")
    return tests


def feedback_text(test: str, output: str) -> str:
    """LDB's record of one failing test."""
    return f"{test} {FEEDBACK_MARK} {output}"


def split_feedback(failed: str) -> tuple[str, str]:
    """(assertion, real output) as LDB's ``ldb_debug`` splits them: the assertion keeps
    its trailing space and the output its leading one, as LDB's prompts show them."""
    head, _, tail = failed.partition(FEEDBACK_MARK)
    return head, tail


def call_expression(test: str) -> str:
    """The expression LDB traces for a failing test: the text before ``==`` with
    ``assert `` removed (LDB's ``failed_test.replace("assert ", "").split("==")[0]``)."""
    return test.replace("assert ", "").split("==")[0]


def code_body(response: str) -> str:
    """The program in a model's answer: the first fenced ``python`` block, else the
    first fenced block, else the whole text (LDB's ``get_code_body``, made total)."""
    if "```python" in response:
        return response.split("```python", 1)[1].split("```", 1)[0].strip()
    if "```" in response:
        parts = response.split("```")
        if len(parts) >= 3:
            block = parts[1]
            first, _, rest = block.partition("\n")
            return (rest if first.strip().isidentifier() else block).strip()
    return response.strip()

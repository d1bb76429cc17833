"""Answer extractors: turn a model's messy text into the normalised answer text of a task kind.

Prompts ask for the final answer between ``[ANSWER]`` and ``[/ANSWER]`` (CRUXEval's
convention), but models add prose, markdown fences, ``assert f(x) == y`` forms, typographic
quotes, several attempts, or stop mid-answer. The rules, in order:

1. Only the last ``MAX_TEXT`` characters are read; CRLF and unicode quotes are normalised.
2. The answer region is the last *complete* tagged block; else the text after an unclosed
   tag; else the whole text. Inside it, the last fenced block (closed or not) wins.
3. In a marked region (tags or fence) the first match counts; in bare prose the last one
   does, because models state their conclusion at the end.
4. Expressions are found by parsing (``ast``), never by splitting on ``==`` or commas, so
   ``assert f("a==b") == "x, y"`` is read correctly. Nothing is ever evaluated: values come
   from :func:`parse_literal`, which only builds literals.

Every extractor returns ``None`` when nothing usable is found and never raises.

Modes: ``strict`` (the rules above) and ``cruxeval``, which reproduces CRUXEval's own
post-processing exactly (cut at the ``[/ANSWER]`` stop word, take the text after the first
``[ANSWER]``, then split on the first ``==``: the right part for output prediction, the left
part after ``assert`` for input prediction) so that published numbers reproduce.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

from execbench import _pyast
from execbench.tasks._extract_code import extract_code
from execbench.tasks._extract_literal import parse_literal
from execbench.tasks._extract_text import (
    Region,
    answer_region,
    parse_expr,
    split_top_level,
    strip_decorations,
    top_level_cuts,
)
from execbench.tasks.kinds import KINDS as ALL_KINDS

__all__ = [
    "KINDS",
    "MODES",
    "extract",
    "extract_output",
    "extract_input",
    "extract_lines",
    "extract_bool",
    "extract_int",
    "extract_state",
    "extract_branch",
    "extract_exception",
    "extract_code",
    "complete_answer",
    "parse_literal",
]

#: Kinds with an answer to extract: every task kind but the composite ``consistency``.
KINDS: tuple[str, ...] = tuple(kind for kind in ALL_KINDS if kind != "consistency")
MODES: tuple[str, ...] = ("strict", "cruxeval")

_MAX_LINES = 200
_MAX_PREFIX = 2_000
_MAX_CANDIDATES = 16
_PHRASE = re.compile(
    r"(?:output|result|answer|return value|value)\s*(?:of\s+[^\n:=]{1,200}?\s*)?"
    r"(?:is|will be|would be|should be|=|:)\s*(?:(?:actually|simply|just|indeed|therefore|then|now)\s+)?"
    r"|\breturns?\s+",
    re.IGNORECASE,
)
_INPUT_PHRASE = re.compile(r"(?:input|call|answer)\s*(?:is|will be|would be|should be|=|:)\s*", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`([^`\n]{1,2000})`")


def _segment(text: str, node: ast.AST) -> str | None:
    segment = ast.get_source_segment(text, node)
    return segment.strip() if segment else None


def _assert_sides(region: str) -> tuple[str, str] | None:
    """(left, right) source texts of the last ``assert L == R`` (or bare ``L == R``) in ``region``."""
    lines = region.split("\n")[-_MAX_LINES:]
    for start in range(len(lines) - 1, -1, -1):
        stripped = lines[start].strip()
        if not (stripped.startswith("assert") or "==" in stripped):
            continue
        for end in range(start + 1, min(len(lines), start + 30) + 1):
            chunk = "\n".join(line.strip() if i == 0 else line for i, line in enumerate(lines[start:end]))
            chunk = strip_decorations(chunk)
            sides = _compare_sides(chunk)
            if sides is not None:
                return sides
    return None


def _compare_sides(chunk: str) -> tuple[str, str] | None:
    if len(chunk) > 20_000:
        return None
    text = chunk
    if chunk.startswith("assert"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                module = _pyast.parse(chunk)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None
        if len(module.body) != 1 or not isinstance(module.body[0], ast.Assert):
            return None
        node: ast.expr = module.body[0].test
    else:
        parsed = parse_expr(chunk)
        if parsed is None:
            return None
        node = parsed
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return None
    left, right = _segment(text, node.left), _segment(text, node.comparators[0])
    if left is None or right is None:
        return None
    return left, right


def _leading_expression(text: str, *, literal: bool) -> str | None:
    """Longest prefix of ``text`` that is an expression (a literal, if ``literal``)."""
    text = text[:_MAX_PREFIX].strip()
    for cut in top_level_cuts(text, limit=200):
        candidate = strip_decorations(text[:cut])
        if not candidate:
            continue
        if literal and parse_literal(candidate)[0]:
            return candidate
        if not literal and parse_expr(candidate) is not None:
            return candidate
    return None


def _pick(items: list[str], region: Region) -> str | None:
    if not items:
        return None
    return items[0] if region.marked else items[-1]


def _nearest(pattern: re.Pattern[str], region: Region) -> list[re.Match[str]]:
    """The matches that can decide the answer: the first few in a marked region, else the last few.

    Bounding them keeps a text that repeats "the output is" 20,000 times linear.
    """
    matches = list(pattern.finditer(region.text))
    return matches[:_MAX_CANDIDATES] if region.marked else matches[-_MAX_CANDIDATES:]


def _after_phrases(
    region: Region, pattern: re.Pattern[str], check: Callable[[str], str | None]
) -> str | None:
    found = [value for m in _nearest(pattern, region) if (value := check(region.text[m.end() :])) is not None]
    return _pick(found, region)


def _lines_from_bottom(region: Region) -> list[str]:
    lines = [strip_decorations(line) for line in region.text.split("\n")[-_MAX_LINES:]]
    return [line for line in lines if line]


def _cruxeval(text: str, kind: str) -> str | None:
    """CRUXEval's post-processing, reproduced quirk for quirk (first block, first ``==``)."""
    text = text.split("[/ANSWER]")[0]
    if "[ANSWER]" in text:
        text = text.split("[ANSWER]")[1].strip()
    if kind == "output":
        if "==" in text:
            text = text.split("==")[1].strip()
    else:
        if "==" in text:
            text = text.split("==")[0].strip()
        if "assert" in text:
            text = text.split("assert")[1].strip()
    text = text.strip()
    return text or None


def extract_output(text: str, *, mode: str = "strict") -> str | None:
    """The predicted output as expression text (as written), e.g. ``"[1, 2]"`` or ``"'a==b'"``."""
    if mode == "cruxeval":
        return _cruxeval(text, "output")
    found = _extract_output(answer_region(text, translate=False))
    return found if found is not None else _extract_output(answer_region(text))


def _extract_output(region: Region) -> str | None:
    sides = _assert_sides(region.text)
    if sides is not None:
        return sides[1]
    whole = strip_decorations(region.text)
    if parse_literal(whole)[0]:
        return whole
    phrased = _after_phrases(region, _PHRASE, lambda rest: _leading_expression(rest, literal=True))
    if phrased is not None:
        return phrased
    inline = [
        c for m in _nearest(_INLINE_CODE, region) if parse_literal(c := strip_decorations(m.group(1)))[0]
    ]
    candidate = _pick(inline, region)
    if candidate is not None:
        return candidate
    literal_lines = [line for line in _lines_from_bottom(region) if parse_literal(line)[0]]
    candidate = _pick(literal_lines, region)
    if candidate is not None:
        return candidate
    if region.marked and parse_expr(whole) is not None and "\n" not in whole:
        return whole
    return None


def _is_call(text: str, entry: str | None) -> bool:
    node = parse_expr(text)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    return entry is None or node.func.id == entry


def extract_input(text: str, *, mode: str = "strict", entry: str | None = None) -> str | None:
    """The predicted call text, e.g. ``"f([1, 2], 3)"``: one call of a named function.

    With ``entry``, the call must be of that function, and a bare argument list ``"[1], 2"``
    in a marked answer is accepted as ``entry([1], 2)``.
    """
    if mode == "cruxeval":
        return _cruxeval(text, "input")
    region = answer_region(text)
    sides = _assert_sides(region.text)
    if sides is not None and _is_call(sides[0], entry):
        return sides[0]
    whole = strip_decorations(region.text)
    if _is_call(whole, entry):
        return whole

    def call_prefix(rest: str) -> str | None:
        found = _leading_expression(rest, literal=False)
        return found if found is not None and _is_call(found, entry) else None

    phrased = _after_phrases(region, _INPUT_PHRASE, call_prefix)
    if phrased is not None:
        return phrased
    inline = [
        c for m in _nearest(_INLINE_CODE, region) if _is_call(c := strip_decorations(m.group(1)), entry)
    ]
    candidate = _pick(inline, region) or _pick(
        [ln for ln in _lines_from_bottom(region) if _is_call(ln, entry)], region
    )
    if candidate is not None:
        return candidate
    bare_args = entry is not None and region.marked and "\n" not in whole and not _is_call(whole, None)
    if bare_args and _is_call(f"{entry}({whole})", entry):
        return f"{entry}({whole})"
    return None


# possessive \d++: a long digit run followed by "x1" must not backtrack quadratically
#: "the answer is N", and the phrasings of counts and line numbers ("the next line is 3,
#: right after line 2": the stated number, not the last one in the sentence).
_INT_PHRASE = re.compile(
    _PHRASE.pattern + r"|(?:next\s+line|line\s+number|number\s+of\s+\w+|count|steps?|iterations?|times)\s*"
    r"(?:executed\s+)?(?:is|will\s+be|would\s+be|should\s+be|=|:)\s*",
    re.IGNORECASE,
)
_INT_TOKEN = re.compile(r"(?<![\w.])[-+]?\d++(?![\w.]*\d)")
_PATH_SEPARATORS = re.compile(r"^[\s,;\[\]()\-\u2192>|]*$")
_LINE_WORD = re.compile(r"\b(?:lines?|L|and|then)\b\.?", re.IGNORECASE)


def _ints_only(text: str) -> list[int] | None:
    """The integers of ``text`` when nothing but integers and separators is in it."""
    cleaned = _LINE_WORD.sub(" ", text)
    numbers = re.findall(r"\d+", cleaned)
    rest = re.sub(r"\d+", " ", cleaned)
    if not numbers or not _PATH_SEPARATORS.match(rest) or len(numbers) > 10_000:
        return None
    return [int(n) for n in numbers]


def extract_lines(text: str) -> list[int] | None:
    """A path of line numbers: ``"1, 2, 3"``, ``"[1,2,3]"``, ``"1 -> 2 -> 3"`` or one per line."""
    region = answer_region(text)
    whole = strip_decorations(region.text)
    ok, value = parse_literal(whole)
    if ok and isinstance(value, list | tuple) and all(type(v) is int for v in value):
        return list(value)
    numbers = _ints_only(whole)
    if numbers is not None:
        return numbers
    runs: list[list[int]] = []  # consecutive lines of numbers form one path ("one per line")
    previous = False
    for line in region.text.split("\n")[-_MAX_LINES:]:
        numbers = _ints_only(strip_decorations(line).split(":")[-1])
        if numbers is None:
            previous = False
            continue
        if previous and len(numbers) == 1:
            runs[-1].extend(numbers)
        else:
            runs.append(numbers)
        previous = len(numbers) == 1
    if runs:
        return runs[0] if region.marked else runs[-1]
    return None


_BOOL = re.compile(
    r"\b(not\s+executed|never\s+executed|isn't\s+executed|not\s+covered|not\s+reached|unreachable|unexecuted|"
    r"executed|covered|reached|yes|no|true|false)\b",
    re.IGNORECASE,
)
_TRUE_WORDS = frozenset({"executed", "covered", "reached", "yes", "true"})


def extract_bool(text: str) -> bool | None:
    """Yes/no answers: yes/true/executed/covered → True; no/false/not executed → False."""
    region = answer_region(text)
    words = [m.group(1).lower() for m in _BOOL.finditer(region.text)]
    word = _pick(words, region)
    if word is None:
        return None
    return word in _TRUE_WORDS


def extract_int(text: str) -> int | None:
    """One integer (a step count, a loop count, the next line, ``-1`` for "none")."""
    region = answer_region(text)
    whole = strip_decorations(region.text)
    ok, value = parse_literal(whole)
    if ok and type(value) is int:
        return value
    phrased = _after_phrases(
        region,
        _INT_PHRASE,
        lambda rest: m.group(0) if (m := _INT_TOKEN.match(strip_decorations(rest[:40]))) else None,
    )
    if phrased is not None:
        return int(phrased)
    numbers = [m.group(0) for m in _INT_TOKEN.finditer(region.text[-_MAX_PREFIX * 10 :])]
    picked = _pick(numbers, region)
    return int(picked) if picked is not None else None


_CLASS_REPR = re.compile(r"<class\s+'([\w.]+)'>")
_NIL = re.compile(r"^\W*nil\W*$", re.IGNORECASE)


def extract_state(text: str) -> tuple[str, str] | None:
    """``(value text, type name)`` from ``"value; type"``; ``("Nil", "")`` for an undefined variable."""
    region = answer_region(text)
    candidates = [strip_decorations(region.text), *reversed(_lines_from_bottom(region))]
    if not region.marked:
        candidates = [candidates[0], *reversed(candidates[1:])]
    for candidate in candidates:
        if len(candidate) > _MAX_PREFIX:
            continue
        if _NIL.match(candidate):
            return "Nil", ""
        parts = split_top_level(candidate, ";")
        if len(parts) < 2:
            continue
        value, kind = strip_decorations(";".join(parts[:-1])), strip_decorations(parts[-1])
        match = _CLASS_REPR.search(kind)
        kind = match.group(1) if match else kind
        kind = kind.split(".")[-1] if re.fullmatch(r"[\w.]+", kind) else ""
        if kind and parse_expr(value) is not None:
            return value, kind
    return None


_BRANCH = re.compile(
    r"\b(not\s+taken|taken|true|false|yes|no|then|else|if)\b|\bline\s+(\d+)\b",
    re.IGNORECASE,
)
_BRANCH_TRUE = frozenset({"taken", "true", "yes", "then", "if"})


def extract_branch(text: str) -> str | None:
    """Which way a branch went: ``"True"`` (taken/true/then), ``"False"`` (not taken/false/else),
    or a line number as text when the model names the line control goes to."""
    region = answer_region(text)
    whole = strip_decorations(region.text)
    if re.fullmatch(r"\d+", whole):
        return whole
    answers: list[str] = []
    for m in _BRANCH.finditer(region.text):
        if m.group(2) is not None:
            answers.append(m.group(2))
        else:
            answers.append("True" if m.group(1).lower() in _BRANCH_TRUE else "False")
    return _pick(answers, region)


_NO_EXCEPTION = re.compile(
    r"\b(no\s+exception|no\s+error|does\s+not\s+raise|doesn't\s+raise|won't\s+raise|will\s+not\s+raise|"
    r"nothing\s+is\s+raised|none)\b",
    re.IGNORECASE,
)
# bare class names only: a dotted prefix (json.decoder.) simply precedes a word boundary,
# and a pattern for the prefix would backtrack quadratically on "a.a.a.a...".
_EXCEPTION = re.compile(
    r"\b([A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)|StopIteration|StopAsyncIteration)\b"
)


def extract_exception(text: str) -> str | None:
    """An exception class name (``"ValueError"``; dotted names give their last part) or ``"none"``."""
    region = answer_region(text)
    found: list[tuple[int, str]] = [(m.start(), m.group(1)) for m in _EXCEPTION.finditer(region.text)]
    found += [(m.start(), "none") for m in _NO_EXCEPTION.finditer(region.text)]
    found.sort()
    return _pick([name for _, name in found], region)


def _text_of_lines(text: str, *, mode: str) -> str | None:
    lines = extract_lines(text)
    return None if lines is None else ", ".join(str(n) for n in lines)


def _text_of_bool(text: str, *, mode: str) -> str | None:
    value = extract_bool(text)
    return None if value is None else str(value)


def _text_of_int(text: str, *, mode: str) -> str | None:
    value = extract_int(text)
    return None if value is None else str(value)


def _text_of_state(text: str, *, mode: str) -> str | None:
    state = extract_state(text)
    if state is None:
        return None
    return "Nil" if state[0] == "Nil" and not state[1] else f"{state[0]}; {state[1]}"


_DISPATCH: dict[str, Callable[..., str | None]] = {
    "output": extract_output,
    "input": lambda text, *, mode, entry=None: extract_input(text, mode=mode, entry=entry),
    "path": _text_of_lines,
    "coverage": _text_of_bool,
    "state": _text_of_state,
    "next-line": _text_of_int,
    "steps": _text_of_int,
    "branch": lambda text, *, mode: extract_branch(text),
    "loop": _text_of_int,
    "exception": lambda text, *, mode: extract_exception(text),
    "codegen": lambda text, *, mode, entry=None: extract_code(text, entry=entry),
}


def extract(kind: str, text: str, *, mode: str = "strict", entry: str | None = None) -> str | None:
    """Normalised answer text for ``kind`` (see :data:`KINDS`), or None when nothing is usable.

    Answer texts: output → expression; input → call; path → ``"1, 2, 3"``; coverage →
    ``"True"``/``"False"``; state → ``"value; type"`` or ``"Nil"``; next-line, steps, loop →
    an integer; branch → ``"True"``/``"False"``/a line number; exception → a class name or
    ``"none"``; codegen → source code. ``mode="cruxeval"`` changes output and input only.
    Unknown kinds and modes are programming errors (ValueError); text is never one.
    """
    if kind not in _DISPATCH:
        raise ValueError(f"unknown task kind {kind!r}; expected one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise ValueError(f"unknown extraction mode {mode!r}; expected one of {', '.join(MODES)}")
    if not isinstance(text, str):
        return None
    try:
        if kind in ("input", "codegen"):
            return _DISPATCH[kind](text, mode=mode, entry=entry)
        return _DISPATCH[kind](text, mode=mode)
    except (RecursionError, MemoryError):
        return None


_OPEN_AT_END = re.compile(r"(?:\[ANSWER\]|<answer>)\s*\Z", re.IGNORECASE)


def complete_answer(prompt: str, text: str) -> str:
    """``text`` as an answer to ``prompt``: when the prompt ends by opening the answer tag
    (direct prompts end with ``[ANSWER]``, so a completions-API model continues inside it)
    and the text opens none of its own, the tag is put back in front. The extractors then
    see a marked answer and read it first-match, instead of reading the continuation as
    prose whose *last* number wins ("Line 3 (right after line 2)" is 3, not 2)."""
    if _OPEN_AT_END.search(prompt[-200:]) is None or re.search(r"\[ANSWER\]|<answer>", text, re.IGNORECASE):
        return text
    return "[ANSWER]\n" + text

"""Text plumbing for the answer extractors: normalising model text and finding the answer region.

Model output is hostile and messy: CRLF, typographic quotes, markdown fences, several
``[ANSWER]`` blocks, truncation mid-tag. Everything here is pure string work plus
``ast.parse`` (which never executes anything), bounded in size so a huge or deeply nested
text costs milliseconds, never a crash.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass

from execbench import _pyast

__all__ = [
    "MAX_TEXT",
    "MAX_EXPR",
    "Region",
    "normalize",
    "answer_region",
    "last_fence",
    "fences",
    "strip_decorations",
    "parse_expr",
    "top_level_cuts",
    "split_top_level",
]

#: Only the last MAX_TEXT characters of a model's text are read: answers come at the end.
MAX_TEXT = 100_000
#: Longest candidate handed to ``ast.parse``; answers longer than this are not answers.
MAX_EXPR = 20_000

_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": None,
        "\ufeff": None,
        "\u2212": "-",
        "\u2192": "->",
    }
)

_OPEN_TAG = re.compile(r"\[ANSWER\]|<answer>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"\[/ANSWER\]|</answer>", re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Region:
    """The part of a model's text that holds its answer."""

    text: str
    marked: bool
    """True when the model marked it (answer tags or a code fence): the first match inside
    wins. Otherwise the whole text is prose and the *last* match wins (models conclude)."""
    truncated: bool = False
    """An answer tag or fence was opened and never closed."""


def normalize(text: str, *, translate: bool = True) -> str:
    """CRLF to LF, bounded length, and (``translate``) typographic quotes and spaces to ASCII.

    Translation is lossy inside string literals (``'→'`` is a fine answer), so literal
    extractors try the untranslated text first and translate only when that fails.
    """
    if len(text) > MAX_TEXT:
        text = text[-MAX_TEXT:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_QUOTES) if translate else text


def fences(text: str) -> list[tuple[str, str, bool]]:
    """Every fenced block in order, as ``(language, body, closed)``; a fence left open runs
    to the end of the text."""
    marks = list(_FENCE.finditer(text))
    blocks: list[tuple[str, str, bool]] = []
    index = 0
    while index < len(marks):
        opening = marks[index]
        start = opening.end() + 1
        if index + 1 < len(marks):
            closing = marks[index + 1]
            blocks.append((opening.group(1).lower(), text[start : closing.start()], True))
            index += 2
        else:
            blocks.append((opening.group(1).lower(), text[start:], False))
            index += 1
    return blocks


def last_fence(text: str, *, prefer_python: bool = False) -> tuple[str, bool] | None:
    """Contents of the last fenced block (``(body, closed)``), or None when there is no fence.

    With ``prefer_python`` the last block labelled python/py wins over later unlabelled or
    other-language blocks (codegen answers are often followed by an example run).
    """
    blocks = fences(text)
    if not blocks:
        return None
    if prefer_python:
        python = [b for b in blocks if b[0] in ("python", "py", "python3")]
        if python:
            return python[-1][1], python[-1][2]
    return blocks[-1][1], blocks[-1][2]


def answer_region(text: str, *, translate: bool = True) -> Region:
    """Last complete ``[ANSWER]...[/ANSWER]`` block, else the text after an unclosed tag, else all."""
    text = normalize(text, translate=translate)
    opens = list(_OPEN_TAG.finditer(text))
    closes = list(_CLOSE_TAG.finditer(text))
    region: Region | None = None
    if opens:
        usable = [c for c in closes if c.start() >= opens[0].end()]
        if usable:
            close = usable[-1]
            ends = [o.end() for o in opens]
            start = ends[bisect.bisect_right(ends, close.start()) - 1]
            region = Region(text[start : close.start()], True)
    if region is None and opens:
        region = Region(text[opens[-1].end() :], True, truncated=True)
    if region is None and closes:  # "... f(1) == 3 [/ANSWER]": the prompt held the opening tag
        region = Region(text[: closes[-1].start()], False)
    if region is None:
        region = Region(text, False)
    fence = last_fence(region.text)
    if fence is not None:
        body, closed = fence
        return Region(body, True, truncated=region.truncated or not closed)
    return region


_EDGE_JUNK = " \t\n`*_"


def strip_decorations(text: str) -> str:
    """Remove markdown emphasis/backticks/quote marks around an answer and trailing periods or commas."""
    text = text.strip(_EDGE_JUNK).lstrip(">").strip(_EDGE_JUNK)
    for _ in range(3):
        if text.endswith((".", ",", ";", ":")) and not text.endswith("..."):
            text = text[:-1].rstrip(_EDGE_JUNK)
    return text


def parse_expr(text: str) -> ast.expr | None:
    """The expression ``text`` denotes, or None; never raises, whatever the text."""
    if not text or len(text) > MAX_EXPR or "\x00" in text:
        return None
    try:
        with warnings.catch_warnings():
            # model text is full of odd literals ("1st"); their SyntaxWarnings are noise
            warnings.simplefilter("ignore", SyntaxWarning)
            return _pyast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


_OPENERS = {"(": ")", "[": "]", "{": "}"}


def _scan(text: str) -> list[tuple[int, str]]:
    """Positions of characters at bracket depth 0 outside string literals (a cheap tokenizer)."""
    out: list[tuple[int, str]] = []
    stack: list[str] = []
    quote: str | None = None
    index = 0
    n = len(text)
    while index < n:
        ch = text[index]
        if quote is not None:
            if ch == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
            index += 1
            continue
        if ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, index) else ch
            index += len(quote)
            continue
        if ch in _OPENERS:
            stack.append(_OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif not stack:
            out.append((index, ch))
        index += 1
    return out


def top_level_cuts(text: str, limit: int = 64) -> list[int]:
    """Candidate end positions of a leading expression: whitespace/punctuation at depth 0."""
    cuts = [i for i, ch in _scan(text) if ch in " \t\n,.;:!?"]
    cuts.append(len(text))
    return sorted(set(cuts), reverse=True)[:limit]


def split_top_level(text: str, sep: str) -> list[str]:
    """Split on ``sep`` characters that sit outside strings and brackets."""
    if len(text) > MAX_EXPR:
        return [text]
    parts: list[str] = []
    last = 0
    for index, ch in _scan(text):
        if ch == sep:
            parts.append(text[last:index])
            last = index + 1
    parts.append(text[last:])
    return parts

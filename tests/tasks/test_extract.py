"""Messy model outputs -> the answer text each extractor must find (hand-written table)."""

from __future__ import annotations

import math

import pytest

from execbench.tasks.extract import (
    KINDS,
    extract,
    extract_bool,
    extract_code,
    extract_exception,
    extract_input,
    extract_int,
    extract_lines,
    extract_output,
    extract_state,
    parse_literal,
)

# (kind, model text, expected extraction)
TABLE: list[tuple[str, str, str | None]] = [
    # --- output: tags, asserts, fences
    ("output", "[ANSWER]\nassert f([1, 2]) == [2, 1]\n[/ANSWER]", "[2, 1]"),
    ("output", "[ANSWER]assert f('a==b') == 'x == y'[/ANSWER]", "'x == y'"),
    ("output", "[ANSWER]assert f(x='==') == {'k': '=='}[/ANSWER]", "{'k': '=='}"),
    (
        "output",
        "[ANSWER]\nassert f(\n    [1, 2],\n) == (\n    3,\n    4,\n)\n[/ANSWER]",
        "(\n    3,\n    4,\n)",
    ),
    ("output", "```python\nassert f(2) == {'a': 1}\n```", "{'a': 1}"),
    ("output", "[ANSWER]\n```python\n[1, 2]\n```\n[/ANSWER]", "[1, 2]"),
    ("output", "Thinking...\n[ANSWER]\n5\n[/ANSWER]", "5"),
    ("output", "[ANSWER] 42", "42"),  # unclosed tag, parses
    ("output", "[ANSWER] [1, 2,", None),  # unclosed tag, truncated mid-list
    ("output", "[ANSWER]\n```python\nassert f(1) == 'abc'", "'abc'"),  # unclosed fence
    ("output", "[ANSWER]1[/ANSWER] wait, no: [ANSWER]2[/ANSWER]", "2"),  # last complete block
    ("output", "[ANSWER]1[/ANSWER] on reflection [ANSWER]3", "1"),  # last *complete* block wins
    ("output", "assert f(1) == 2\nassert f(1) == 3", "3"),
    ("output", "blah\r\n[ANSWER]\r\n-1.5,\r\n[/ANSWER]\r\n", "-1.5"),  # CRLF, trailing comma
    ("output", "[ANSWER]\u201chello\u201d[/ANSWER]", '"hello"'),  # unicode quotes
    ("output", "[ANSWER]\u2018it\u2019[/ANSWER]", "'it'"),
    ("output", "The output is [1, 2, 3], because we append.", "[1, 2, 3]"),
    ("output", "The output is 3. Done.", "3"),
    ("output", "Therefore the function returns 'abc'.", "'abc'"),
    ("output", "So the result will be (1, 'a').", "(1, 'a')"),
    ("output", "So f(3) returns `(1, 'a')`.", "(1, 'a')"),
    ("output", "**Answer:** `True`", "True"),
    ("output", "Output: None", "None"),
    ("output", "First I guessed the output is 4; the output is actually 5.", "5"),
    ("output", "[ANSWER]\nf(3) == -2.0\n[/ANSWER]", "-2.0"),
    ("output", "[ANSWER]{1, 2}[/ANSWER]", "{1, 2}"),
    ("output", "[ANSWER]set()[/ANSWER]", "set()"),
    ("output", "[ANSWER]1+2j[/ANSWER]", "1+2j"),
    ("output", "I cannot determine this.", None),
    ("output", "", None),
    ("output", "[ANSWER][/ANSWER]", None),
    # --- input
    ("input", "[ANSWER]assert f([1, 2], 'x==y') == 3[/ANSWER]", "f([1, 2], 'x==y')"),
    ("input", "The input is f(3, 4).", "f(3, 4)"),
    ("input", "[ANSWER]\nf('abc')\n[/ANSWER]", "f('abc')"),
    ("input", "```python\nassert f(*[1, 2]) == 'a'\n```", "f(*[1, 2])"),
    ("input", "One call that works: `f('a', b=2)`.", "f('a', b=2)"),
    ("input", "[ANSWER]\u201cabc\u201d[/ANSWER]", None),  # not a call
    ("input", "[ANSWER]f(1) or f(2)[/ANSWER]", None),
    ("input", "[ANSWER]assert f(1) == 2 and g(3)", None),
    # --- path (lines)
    ("path", "[ANSWER]1 -> 2 -> 4[/ANSWER]", "1, 2, 4"),
    ("path", "[ANSWER][1,2,3][/ANSWER]", "1, 2, 3"),
    ("path", "The path is:\n1\n2\n5", "1, 2, 5"),
    ("path", "Executed lines: 3, 4, 7.", "3, 4, 7"),
    ("path", "[ANSWER]\u2192 lines 2 \u2192 3 \u2192 2[/ANSWER]", "2, 3, 2"),
    ("path", "no idea", None),
    # --- coverage (bool)
    ("coverage", "The line is not executed, so No.", "False"),
    ("coverage", "[ANSWER]Yes, it is executed[/ANSWER]", "True"),
    ("coverage", "[ANSWER]NO[/ANSWER]", "False"),
    ("coverage", "It is never executed.", "False"),
    ("coverage", "true", "True"),
    ("coverage", "hmm", None),
    # --- ints: steps, next-line, loop
    ("steps", "It loops 4 times so the answer is 4.", "4"),
    ("steps", "[ANSWER]\n12\n[/ANSWER]", "12"),
    ("next-line", "[ANSWER]-1[/ANSWER]", "-1"),
    ("next-line", "After line 3 the next line is 7.", "7"),
    ("loop", "[ANSWER]\n3\n[/ANSWER]", "3"),
    ("loop", "The loop body runs three times", None),
    ("loop", "version 3.11 runs it 2 times", "2"),
    # --- state
    ("state", "[ANSWER][1, 2]; list[/ANSWER]", "[1, 2]; list"),
    ("state", "[ANSWER]'a;b'; str[/ANSWER]", "'a;b'; str"),
    ("state", "[ANSWER]Nil[/ANSWER]", "Nil"),
    ("state", "[ANSWER]3; <class 'int'>[/ANSWER]", "3; int"),
    ("state", "The value is\n`{'x': 1}; dict`", "{'x': 1}; dict"),
    ("state", "[ANSWER]3[/ANSWER]", None),
    # --- exception
    ("exception", "It raises a ValueError: invalid literal", "ValueError"),
    ("exception", "[ANSWER]No exception[/ANSWER]", "none"),
    ("exception", "[ANSWER]json.decoder.JSONDecodeError[/ANSWER]", "JSONDecodeError"),
    ("exception", "At first KeyError seems likely, but it is IndexError.", "IndexError"),
    ("exception", "[ANSWER]StopIteration[/ANSWER]", "StopIteration"),
    ("exception", "The call does not raise.", "none"),
    # --- branch
    ("branch", "[ANSWER]taken[/ANSWER]", "True"),
    ("branch", "[ANSWER]not taken[/ANSWER]", "False"),
    ("branch", "The condition is false, so the else branch runs.", "False"),
    ("branch", "[ANSWER]12[/ANSWER]", "12"),
    # --- codegen
    (
        "codegen",
        "Here:\n```python\ndef f(x):\n    return x\n```\nExample:\n```\n>>> f(1)\n```",
        "def f(x):\n    return x",
    ),
    ("codegen", "def f(x):\n    return 1", "def f(x):\n    return 1"),
    ("codegen", "```py\ndef g():\n    pass", "def g():\n    pass"),
    ("codegen", "   \n", None),
]


@pytest.mark.parametrize(("kind", "text", "expected"), TABLE)
def test_table(kind: str, text: str, expected: str | None) -> None:
    assert extract(kind, text) == expected


def test_table_is_big_and_covers_every_kind() -> None:
    assert len(TABLE) >= 60
    assert {kind for kind, _, _ in TABLE} == set(KINDS)


# CRUXEval's own post-processing: first [ANSWER], first "==", stop word "[/ANSWER]".
CRUXEVAL: list[tuple[str, str, str | None]] = [
    ("output", "[ANSWER]\nassert f(1) == 'a' == 'b'\n[/ANSWER]", "'a'"),
    ("output", "[ANSWER]assert f('x==y') == 3[/ANSWER]", "y')"),  # the quirk: naive split
    ("output", "[ANSWER]1[/ANSWER] then [ANSWER]2[/ANSWER]", "1"),  # first block
    ("output", "reasoning [ANSWER] [1, 2] ", "[1, 2]"),
    ("output", " 5 ", "5"),  # direct prompt: the generation is the continuation after "== "
    ("input", "[ANSWER]assert f(1, 2) == 3[/ANSWER]", "f(1, 2)"),
    ("input", "f('a')", "f('a')"),
    ("input", "[ANSWER][/ANSWER]", None),
]


@pytest.mark.parametrize(("kind", "text", "expected"), CRUXEVAL)
def test_cruxeval_mode(kind: str, text: str, expected: str | None) -> None:
    assert extract(kind, text, mode="cruxeval") == expected


def test_strict_and_cruxeval_differ_on_quoted_equals() -> None:
    text = "[ANSWER]assert f('x==y') == 3[/ANSWER]"
    assert extract_output(text) == "3"
    assert extract_output(text, mode="cruxeval") == "y')"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-1", -1),
        ("+2.5", 2.5),
        ("'a'", "a"),
        ("b'x'", b"x"),
        ("None", None),
        ("True", True),
        ("(1, [2, {3: 'x'}])", (1, [2, {3: "x"}])),
        ("{1, 2}", {1, 2}),
        ("set()", set()),
        ("1+2j", 1 + 2j),
        ("-1-2j", -1 - 2j),
        ("float('inf')", math.inf),
        ("float('-inf')", -math.inf),
        ("'a' 'b'", "ab"),
        ("()", ()),
    ],
)
def test_parse_literal_accepts(text: str, value: object) -> None:
    ok, got = parse_literal(text)
    assert ok and got == value and type(got) is type(value)


def test_parse_literal_nan() -> None:
    ok, got = parse_literal("float('nan')")
    assert ok and math.isnan(got)


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "f(1)",
        "1 or 2",
        "1 == 1",
        "1 + 1",
        "--1",
        "[1, *x]",
        "{**d}",
        "{[1]: 2}",
        "{[1]}",
        "lambda: 1",
        "f'{x}'",
        "...",
        "__import__('os').system('true')",
        "float('1.5')",
        "set([1])",
        "1 if x else 2",
        "[" * 500,
        "-" * 10_000 + "1",
        "",
        "a\x00b",
    ],
)
def test_parse_literal_rejects(text: str) -> None:
    assert parse_literal(text) == (False, None)


def test_typed_extractors() -> None:
    assert extract_lines("[ANSWER]1, 2, 3[/ANSWER]") == [1, 2, 3]
    assert extract_bool("[ANSWER]False[/ANSWER]") is False
    assert extract_int("[ANSWER] -1 [/ANSWER]") == -1
    assert extract_state("[ANSWER]None; NoneType[/ANSWER]") == ("None", "NoneType")
    assert extract_state("nil") == ("Nil", "")
    assert extract_exception("[ANSWER]ZeroDivisionError[/ANSWER]") == "ZeroDivisionError"
    assert extract_code("[ANSWER]\nx = 1\n[/ANSWER]") == "x = 1"


def test_input_with_entry() -> None:
    assert extract_input("[ANSWER]g(1)[/ANSWER]", entry="f") is None
    assert extract_input("[ANSWER][1, 2], 3[/ANSWER]", entry="f") == "f([1, 2], 3)"
    assert extract_input("[ANSWER]f(1)[/ANSWER]", entry="f") == "f(1)"


def test_unknown_kind_or_mode_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown task kind"):
        extract("nope", "1")
    with pytest.raises(ValueError, match="unknown extraction mode"):
        extract("output", "1", mode="nope")

"""Properties of the extractors: they never raise, stay fast on hostile text, and round-trip literals."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execbench.tasks.extract import KINDS, extract, extract_output, parse_literal

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text biased towards the syntax extractors look for
_PIECES = st.sampled_from(
    [
        "[ANSWER]",
        "[/ANSWER]",
        "<answer>",
        "```python\n",
        "```",
        "assert ",
        "f(",
        ")",
        "==",
        " == ",
        "'",
        '"',
        "[",
        "]",
        "{",
        "}",
        "(",
        ",",
        ":",
        ";",
        "\n",
        "\r\n",
        "->",
        "\u201c",
        "\u2019",
        "-1",
        "3.5",
        "1e9",
        "output is ",
        "returns ",
        "not executed",
        "ValueError",
        "Nil",
        "line 3",
        "\\",
        "#",
        "lambda",
        "j",
    ]
)
_MESSY = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)


@_SETTINGS
@given(kind=st.sampled_from(KINDS), text=st.one_of(st.text(max_size=300), _MESSY))
def test_extract_never_raises(kind: str, text: str) -> None:
    for mode in ("strict", "cruxeval"):
        result = extract(kind, text, mode=mode)
        assert result is None or isinstance(result, str)


@_SETTINGS
@given(text=st.one_of(st.text(max_size=300), _MESSY))
def test_parse_literal_never_raises(text: str) -> None:
    ok, value = parse_literal(text)
    assert ok or value is None


_LITERALS = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
        st.binary(max_size=5),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.integers(), st.text(max_size=5)), inner, max_size=4),
        st.frozensets(st.integers(), max_size=4).map(set),
    ),
    max_leaves=12,
)


@_SETTINGS
@given(value=_LITERALS)
def test_output_round_trips_any_literal(value: object) -> None:
    text = repr(value)
    assert parse_literal(text) == (True, value)
    for wrapped in (
        f"[ANSWER]\nassert f(1) == {text}\n[/ANSWER]",
        f"Reasoning...\n[ANSWER]{text}[/ANSWER]",
        f"```python\nassert f('==') == {text}\n```",
    ):
        got = extract_output(wrapped)
        assert got is not None and parse_literal(got) == (True, value)


HOSTILE = [
    "[" * 100_000,
    "(" * 50_000 + ")" * 50_000,
    "-" * 200_000 + "1",
    "not " * 50_000,
    "a." * 100_000,
    "[ANSWER]" * 20_000,
    "[/ANSWER]" * 20_000,
    "```\n" * 20_000,
    "assert f(1) == " + "[" * 30_000,
    "'" * 100_001,
    '"""' + "x" * 300_000,
    "1, " * 100_000,
    "\n".join(["assert f(x) =="] * 5_000),
    "[ANSWER]x[/ANSWER]" * 10_000,
    "[ANSWER]" * 10_000 + "[/ANSWER]" * 10_000,
    "The output is " + "(" * 10_000 + "1" + ")" * 10_000,
    "\x00" * 10_000,
    "line 1\n" * 50_000,
    "1" * 100_000 + "x1",
    "the output is " * 20_000,
    "`" + "a" * 100_000,
    " not" + " " * 100_000,
]


@pytest.mark.timeout(60)  # a hang guard against quadratic blow-ups, not a benchmark
@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_inputs_are_bounded(text: str) -> None:
    for kind in KINDS:
        for mode in ("strict", "cruxeval"):
            result = extract(kind, text, mode=mode)
            assert result is None or isinstance(result, str)

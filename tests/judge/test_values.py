"""The judge's plain-data codec: exact round trips, opaque values, hostile input rejected."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execbench.judge.values import FLOAT_REL_TOL, Opaque, decode, encode, is_plain, same

_atoms = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary() | st.complex_numbers()
)
_hashable = st.recursive(
    _atoms, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=8
)
_values = st.recursive(
    _atoms,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_hashable, inner, max_size=3)
        | st.sets(_hashable, max_size=3)
        | st.frozensets(_hashable, max_size=3)
    ),
    max_leaves=20,
)


def _identical(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return math.isnan(a) and math.isnan(b) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a) is complex:
        return _identical(a.real, b.real) and _identical(a.imag, b.imag)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a.items(), b.items(), strict=True))
    if type(a) in (set, frozenset):
        return len(a) == len(b) and all(any(_identical(x, y) for y in b) for x in a)
    return bool(a == b) or a != a


@given(_values)
def test_round_trip_is_exact(value: Any) -> None:
    tree = json.loads(json.dumps(encode(value)))
    assert _identical(decode(tree), value)


def test_subclasses_and_objects_are_opaque() -> None:
    class Liar(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    handles: list[Any] = []
    for value in (Liar(3), [1, Liar(2)], {"k": object()}, iter([1]), lambda: 1):
        tree = encode(value, lambda obj: handles.append(obj) or len(handles) - 1)
        assert tree[0] == "h"
        assert isinstance(decode(tree), Opaque) and not is_plain(decode(tree))


def test_encoding_never_runs_the_program_methods() -> None:
    class Loud(list):
        def __iter__(self) -> Any:
            raise AssertionError("ran")

    assert encode(Loud([1]))[0] == "h"
    cycle: list[Any] = []
    cycle.append(cycle)
    assert encode(cycle)[0] == "h"  # past the depth bound: opaque, not a crash


@pytest.mark.parametrize(
    "tree",
    [
        ["i", 5],
        ["zz", 1],
        ["l", "x"],
        ["d", [[["l", []], ["N"]]]],
        "str",
        [],
        ["h", "x", "t"],
        ["S", [["l", []]]],
    ],
)
def test_malformed_trees_are_value_errors(tree: Any) -> None:
    with pytest.raises(ValueError):
        decode(tree)


def test_same_uses_the_stated_float_tolerance() -> None:
    assert same(0.1 + 0.2, 0.3)
    assert not same(1.0, 1.0 + 10 * FLOAT_REL_TOL)
    assert same(float("nan"), float("nan")) and same([1, 2.0], [1.0, 2])
    assert same(True, 1) and not same([1], (1,)) and not same("1", 1)
    assert same({"a": [0.5]}, {"a": [0.5 + 1e-12]})
    assert not same(Opaque("x"), Opaque("x"))

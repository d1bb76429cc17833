"""Snapshots: faithful literals, bounded, deterministic, and never running the program's code."""

from __future__ import annotations

import collections
import dataclasses
import enum
import math
import time
from typing import Any, NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from execbench.trace import SnapshotLimits, trace_call
from execbench.trace.fingerprint import fingerprint, same_fingerprint, unchanged
from execbench.trace.snapshot import Encoder

atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.floats(allow_nan=False),
    st.binary(max_size=10),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
)
hashable = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
literals = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.lists(inner, max_size=6).map(tuple),
        st.dictionaries(hashable, inner, max_size=6),
        st.frozensets(hashable, max_size=6),
        st.sets(hashable, max_size=6),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(literals)
def test_literal_text_evaluates_back_to_the_value(value: Any) -> None:
    snap = Encoder().encode(value)
    assert snap.get("literal", True), snap
    back = eval(snap["repr"])
    assert back == value and type(back) is type(value)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.one_of(st.integers(), st.text(max_size=5)), max_size=8))
def test_sets_are_encoded_deterministically(value: set[Any]) -> None:
    shuffled = set(reversed(list(value)))
    assert Encoder().encode(value) == Encoder().encode(shuffled)


def test_special_floats_and_limits() -> None:
    enc = Encoder(SnapshotLimits(max_items=3, max_str=5, max_depth=2, max_int_digits=50))
    assert enc.encode(math.inf) == {"type": "float", "repr": "float('inf')", "special": "inf"}
    assert enc.encode(-math.inf)["special"] == "-inf"
    nan = enc.encode([math.nan])
    assert nan["items"][0]["special"] == "nan" and nan["repr"] == "[float('nan')]"
    big = enc.encode(10**5000)  # beyond 3.11's int->str limit: must not raise
    assert big["cut"] == "int" and big["literal"] is False
    long = enc.encode("abcdefgh")
    assert long["cut"] == "str" and long["len"] == 8 and long["repr"] == "'abcde'"
    many = enc.encode(list(range(10)))
    assert many["len"] == 10 and len(many["items"]) == 3 and many["cut"] == "items"
    deep = enc.encode([[[[1]]]])
    assert deep["items"][0]["items"][0]["cut"] == "depth"


def test_cycles_and_shared_references() -> None:
    a: list[Any] = [1]
    a.append(a)
    snap = Encoder().encode(a)
    assert snap["items"][1]["cut"] == "cycle" and snap["items"][1]["id"] == snap["id"]
    inner = [0]
    pair = Encoder().encode([inner, inner])
    assert pair["items"][0]["id"] == pair["items"][1]["id"]


class Hostile:
    """Every dunder misbehaves; reading it must not trigger any of them."""

    calls: list[str] = []

    def __init__(self) -> None:
        object.__setattr__(self, "x", 1)

    def __repr__(self) -> str:
        Hostile.calls.append("repr")
        raise RuntimeError("repr")

    def __eq__(self, other: object) -> bool:
        Hostile.calls.append("eq")
        raise RuntimeError("eq")

    def __hash__(self) -> int:
        Hostile.calls.append("hash")
        return 1

    def __len__(self) -> int:
        Hostile.calls.append("len")
        while True:
            pass

    def __iter__(self) -> Any:
        Hostile.calls.append("iter")
        time.sleep(100)

    def __getattr__(self, name: str) -> Any:
        Hostile.calls.append("getattr " + name)
        return lambda *a: a

    def __getattribute__(self, name: str) -> Any:
        if name != "__dict__":
            Hostile.calls.append("getattribute " + name)
        return object.__getattribute__(self, name)

    @property
    def __class__(self) -> type:  # type: ignore[override]
        Hostile.calls.append("class")
        return int


class LyingList(list):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        raise RuntimeError("iter")

    def __len__(self) -> int:
        return 10**9


class LyingDict(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise RuntimeError("items")

    def __iter__(self) -> Any:
        raise RuntimeError("iter")


class HostileInt(int):
    def __int__(self) -> int:
        raise RuntimeError("int")

    def __index__(self) -> int:
        raise RuntimeError("index")

    def __repr__(self) -> str:
        raise RuntimeError("repr")


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a = [1]


class Prop:
    @property
    def boom(self) -> int:
        raise RuntimeError("property")


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class Pair(NamedTuple):
    a: int
    b: str


class Color(enum.Enum):
    RED = 1


def test_hostile_objects_are_read_without_running_their_code() -> None:
    Hostile.calls.clear()
    h = Hostile()
    enc = Encoder()
    snap = enc.encode({"h": h, "l": [h]})
    assert Hostile.calls == []
    assert snap["items"][0][1]["type"] == "Hostile" and snap["items"][0][1]["fields"]["x"]["repr"] == "1"
    assert enc.encode(LyingList([1, 2]))["repr"] == "LyingList([1, 2])"
    assert enc.encode(LyingDict(a=1))["repr"] == "LyingDict({'a': 1})"
    hi = enc.encode(HostileInt(7))
    assert hi["fields"]["value"]["repr"] == "7" and hi["type"] == "HostileInt"
    slotted = enc.encode(Slotted())
    assert slotted["fields"] == {"a": enc.encode([1]) | {"id": slotted["fields"]["a"]["id"]}}
    assert enc.encode(Prop())["repr"] == "<Prop object>"
    assert enc.encode(Point(1, [2]))["repr"] == "Point(x=1, y=[2])"
    assert enc.encode(Pair(1, "b"))["repr"] == "Pair(a=1, b='b')"
    assert enc.encode(Color.RED)["repr"] == "Color.RED"
    counter = enc.encode(collections.Counter("aab"))
    assert counter["repr"] == "Counter({'a': 2, 'b': 1})" and counter["literal"] is False
    assert enc.encode(collections.defaultdict(list))["repr"] == "defaultdict(list, {})"
    assert enc.encode(collections.deque([1, 2]))["repr"] == "deque([1, 2])"
    assert enc.encode(ValueError("bad", 2))["repr"] == "ValueError(args=('bad', 2))"


def test_generators_and_iterators_are_not_consumed() -> None:
    def gen() -> Any:
        yield 1
        yield 2

    g = gen()
    enc = Encoder()
    assert enc.encode(g)["state"] == "created"
    next(g)
    assert enc.encode(g)["state"] == "suspended"
    assert list(g) == [2]
    it = iter([1, 2, 3])
    enc.encode(it)
    assert list(it) == [1, 2, 3]


def test_fingerprint_compares_by_identity() -> None:
    a: list[Any] = [1, 2]
    before = fingerprint(a, 200)
    assert same_fingerprint(before, fingerprint(a, 200))
    assert not same_fingerprint(before, fingerprint(list(a), 200))  # a different list object
    a[0] = True  # equal to 1, but another object: seen as changed
    assert not same_fingerprint(before, fingerprint(a, 200))
    grid = [[1, 2], [3]]
    fp = fingerprint(grid, 200)
    assert same_fingerprint(fp, fingerprint(grid, 200))
    grid[1].append(4)
    assert not same_fingerprint(fp, fingerprint(grid, 200))
    assert fingerprint([Hostile()], 200) is None


def test_unchanged_checks_in_place_without_program_code() -> None:
    grid = [[1, 2], [3]]
    fp = fingerprint(grid, 3)
    assert fp is not None and unchanged(grid, fp, 3)
    grid[1].append(4)
    assert not unchanged(grid, fp, 3)
    long = list(range(10))  # beyond max_items: only the kept prefix and the length count
    fp_long = fingerprint(long, 3)
    assert fp_long is not None and unchanged(long, fp_long, 3)
    long[0] = -1
    assert not unchanged(long, fp_long, 3)
    d = {"a": 1}
    fp_d = fingerprint(d, 3)
    assert fp_d is not None and unchanged(d, fp_d, 3)
    d["a"] = 2
    assert not unchanged(d, fp_d, 3)
    Hostile.calls.clear()
    assert not unchanged(Hostile(), fp_d, 3)  # another type at any id: never touched
    assert Hostile.calls == []


HOSTILE_PROGRAM = """
import time

class Evil:
    __slots__ = ("v",)
    def __init__(self, v):
        self.v = v
    def __repr__(self):
        raise RuntimeError("no repr")
    def __eq__(self, other):
        time.sleep(5)
        return True
    __hash__ = object.__hash__
    def __len__(self):
        raise RuntimeError("no len")
    def __getattr__(self, name):
        return self

class Mutator:
    def __init__(self):
        self.n = 0
    def __repr__(self):
        self.n += 1
        return "m"

def f(n):
    items = [Evil(i) for i in range(n)]
    m = Mutator()
    d = {e: [e] for e in items}
    d[1] = d
    big = 7 ** 20000
    g = (x for x in range(3))
    return len(items), m.n, next(g)
"""


def test_hostile_program_runs_unchanged_under_the_tracer() -> None:
    start = time.perf_counter()
    trace = trace_call(HOSTILE_PROGRAM, "f", "3")
    assert time.perf_counter() - start < 4  # no Evil.__eq__ (5 s) was ever called
    assert trace.exception is None and trace.return_text == "(3, 0, 0)"
    last = trace.changes[-2]
    assert "big" in last or any("big" in c for c in trace.changes)

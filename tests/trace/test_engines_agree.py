"""The C engine records what the Python engine records: every event, every state change,
the return value, the exception and stdout, on the datasets and on odd programs.

The Python engine is the reference rendering of the rules (``diffing.py``, ``engine.py``);
the C engine (``csrc/``) must be indistinguishable from it. Also: the C helper for
flat containers equals the encoder's general walk.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from trace_ref import CAP, cruxeval, humaneval

from execbench.errors import UserError
from execbench.trace import TraceLimits, trace_call, trace_program
from execbench.trace import flat as flat_mod
from execbench.trace import snapshot as snapshot_mod
from execbench.trace.engine import ENGINES
from execbench.trace.pybehavior import PYBEHAVIOR
from execbench.trace.snapshot import Encoder
from execbench.trace.types import Trace

needs_c = pytest.mark.skipif("ctrace" not in ENGINES, reason="the C engine is not built here")

LIMITS = TraceLimits(max_steps=CAP, max_time=600.0)


#: The engines compared with the Python one (the reference rendering of the rules).
OTHERS = [engine for engine in ENGINES if engine != "settrace"]


@pytest.fixture(params=OTHERS or ["ctrace"])
def other(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def both(
    code: str, entry: str | None, call: str | None, other: str = "ctrace", **kwargs: Any
) -> tuple[Trace, Trace]:
    if entry is None:
        return (
            trace_program(code, **kwargs, engine="settrace"),
            trace_program(code, **kwargs, engine=other),
        )
    return (
        trace_call(code, entry, call, engine="settrace", **kwargs),
        trace_call(code, entry, call, engine=other, **kwargs),
    )


def canonical(value: Any, ids: dict[int, int]) -> Any:
    """``value`` with its identity numbers renumbered by first appearance in ``ids``.

    Identity numbers promise ``a is b`` only within one step: a number may be given again
    to a new object at the address of one that died, and where the allocator reuses an
    address differs between engines (they allocate differently). So traces are compared
    with the numbers of each event renumbered on their own."""
    if isinstance(value, dict):
        return {
            k: (ids.setdefault(v, len(ids)) if k == "id" else canonical(v, ids)) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(canonical(v, ids) for v in value)
    return value


def canonical_events(trace: Trace) -> list[Any]:
    return [canonical(event, {}) for event in trace.raw]


def differences(py: Trace, c: Trace) -> list[str]:
    out = []
    for field in ("steps", "exception", "stdout", "cut"):
        if getattr(py, field) != getattr(c, field):
            out.append(f"{field}: {getattr(py, field)!r} != {getattr(c, field)!r}")
    if canonical(py.return_value, {}) != canonical(c.return_value, {}):
        out.append(f"return: {py.return_value!r} != {c.return_value!r}")
    if canonical_events(py) != canonical_events(c):
        first = next(
            (
                i
                for i, (a, b) in enumerate(zip(canonical_events(py), canonical_events(c), strict=False))
                if a != b
            ),
            min(len(py.raw), len(c.raw)),
        )
        out.append(
            f"raw events differ from #{first} of {len(py.raw)}/{len(c.raw)}: "
            f"{py.raw[first : first + 1]!r} != {c.raw[first : first + 1]!r}"
        )
    return out


def agree(
    code: str, entry: str | None = "f", call: str | None = "", other: str = "ctrace", **kwargs: Any
) -> Trace:
    py, c = both(textwrap.dedent(code), entry, call, other, **kwargs)
    assert differences(py, c) == []
    return c


def _dataset(calls: Any, other: str) -> list[str]:
    failures = []
    for pid, code, entry, call, *_ in calls:
        try:
            py, c = both(code, entry, call, other, limits=LIMITS)
        except UserError:
            continue
        diff = differences(py, c)
        if diff:
            failures.append(f"{pid} {call[:40]}: {diff[0][:300]}")
    return failures


@needs_c
def test_engines_agree_on_cruxeval(shared_data: Path, other: str) -> None:
    assert _dataset(cruxeval(shared_data), other) == []


@needs_c
def test_engines_agree_on_humaneval(shared_data: Path, other: str) -> None:
    assert _dataset(humaneval(shared_data), other) == []


PROGRAMS = {
    "generators": (
        """
        def gen(n):
            for i in range(n):
                got = yield i * 2
                if got:
                    n += got
        def f():
            g = gen(3)
            out = [next(g), g.send(1)]
            out.extend(g)
            return out
        """,
        "",
    ),
    "exceptions": (
        """
        class Boom(Exception):
            def __str__(self):
                raise RuntimeError("no")
        def g(x):
            if x > 1:
                raise Boom(x)
            return 1 / x
        def f(xs):
            total = 0
            for x in xs:
                try:
                    total += g(x)
                except ZeroDivisionError as e:
                    total -= 1
                except Boom:
                    total += 100
            del xs
            return total
        """,
        "[1, 0, 5]",
    ),
    "aliasing and nesting": (
        """
        def f(n):
            a = [[0] * 2 for _ in range(n)]
            b = a
            d = {"k": a[0], "t": (1, ("x",)), "s": {3, 1}}
            for i in range(n):
                b[i][0] = i
                d["k"].append(i)
            fs = frozenset(d["s"])
            big = 10 ** 30
            text = "x" * 100
            return a, d, fs, big, text
        """,
        "3",
    ),
    "closures and lambdas": (
        """
        def f(n):
            count = 0
            def bump(k):
                nonlocal count
                count += k
                return count
            total = sum(map(lambda v: bump(v), range(n)))
            return total, count, sorted({k: v for k, v in zip("abc", range(3))}.items())
        """,
        "4",
    ),
    # 3.13+: the C engine reads these from the frame's fast locals (csrc/locals.c): cells
    # (an argument among them), free variables, a cell deleted and bound again, names bound
    # out of their slot order, and a class body (its dict, not fast locals)
    "cells, free variables and rebinding": (
        """
        def f(n):
            x = 1
            def g(y):
                z = x + y + n
                return z
            for i in range(2):
                if i:
                    late = early
                early = i
            w = [lambda: x for x in range(2)]
            del x
            x = g(5)
            class C:
                v = n
                def m(self):
                    return x
            gen = (i * n for i in range(2))
            return x + C().m() + C.v + sum(gen) + len(w) + late
        """,
        "3",
    ),
    "objects and hostile values": (
        """
        import dataclasses
        @dataclasses.dataclass
        class P:
            x: int
            y: list
        class Weird:
            def __repr__(self):
                raise ValueError("no repr")
            def __eq__(self, other):
                raise ValueError("no eq")
            __hash__ = None
        def f():
            p = P(1, [2])
            w = Weird()
            p.y.append(w)
            cyc = []
            cyc.append(cyc)
            it = iter([1, 2, 3])
            next(it)
            return p, cyc, it
        """,
        "",
    ),
    "stdout": (
        """
        def f(n):
            for i in range(n):
                print("line", i)
            return n
        """,
        "3",
    ),
}


@needs_c
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_engines_agree_on_odd_programs(name: str, other: str) -> None:
    code, call = PROGRAMS[name]
    agree(code, "f", call, other)


@needs_c
def test_engines_agree_on_whole_programs_and_class_bodies(other: str) -> None:
    agree(
        """
        import math
        __secret__ = 1
        class C:
            k = 2
            def m(self):
                return self.k
        values = [C().m() for _ in range(3)]
        globals()[7] = "not a name"
        total = math.fsum(values)
        """,
        None,
        None,
        other,
    )


@needs_c
def test_engines_agree_at_limits(other: str) -> None:
    loop = "def f():\n    i = 0\n    while True:\n        i += 1\n"
    c = agree(loop, "f", "", other, limits=TraceLimits(max_steps=1000))
    assert c.cut is not None and c.cut.reason == "steps"
    c = agree(loop.replace("i += 1", "i = [i] * 50"), "f", "", other, limits=TraceLimits(max_bytes=20_000))
    assert c.cut is not None and c.cut.reason == "bytes"
    agree("def f(x):\n    return x\n", "f", "1", other, record_states=False)


@needs_c
@pytest.mark.skipif(PYBEHAVIOR.version != (3, 11), reason="3.12+ counts Python frames apart from C recursion")
@pytest.mark.parametrize("depth_margin", [0, 1, 2, 3, 5, 10])
def test_engines_agree_at_the_recursion_limit(depth_margin: int) -> None:
    """Where the limit stops tracing depends on the recursion units each engine takes per
    event; the C engine takes the Python engine's, so the lines agree here. (States
    recorded within a few frames of the limit may still differ: a helper that runs out of
    stack in one engine may not in the other, and after a RecursionError the program
    catches, one engine may still be tracing. Near the limit neither equals a plain
    settrace tracer either, whose single frame is shallower than both.)"""
    code = "def f(n):\n    if n <= 0:\n        return 0\n    return f(n - 1) + 1\n"
    limit = sys.getrecursionlimit()
    saved = limit
    try:
        sys.setrecursionlimit(300)
        py, c = both(code, "f", str(300 - depth_margin), limits=LIMITS)
    finally:
        sys.setrecursionlimit(saved)
    assert list(py.lines) == list(c.lines)
    assert (py.exception and py.exception.type) == (c.exception and c.exception.type)


FLAT = st.one_of(
    st.lists(st.integers(min_value=-(10**9) + 1, max_value=10**9 - 1), max_size=8),
    st.lists(st.text(max_size=70), max_size=8),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.booleans()), max_size=6),
)


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    FLAT,
    st.sampled_from(["list", "tuple", "dict-keys", "dict-values", "dict-both"]),
    st.sampled_from([2000, 64, 5]),
)
def test_flat_container_fast_path_equals_the_general_walk(items: list[Any], shape: str, max_str: int) -> None:
    if shape == "list":
        value: Any = list(items)
    elif shape == "tuple":
        value = tuple(items)
    else:
        try:
            keys = items if shape != "dict-values" else list(range(len(items)))
            value = dict(zip(keys, items if shape != "dict-keys" else range(len(items)), strict=False))
        except TypeError:
            return
    limits = snapshot_mod.SnapshotLimits(max_str=max_str, max_items=6)
    general = Encoder(limits)._enc(value, 0, set())
    assert Encoder(limits).encode(value) == general
    saved = flat_mod._cflat
    flat_mod._cflat = None
    try:
        assert Encoder(limits).encode(value) == general
    finally:
        flat_mod._cflat = saved


def test_the_c_engine_is_built_where_it_can_be() -> None:
    """The extension is optional (a machine without a compiler still installs), so a broken
    build would only show as a slower tracer: where a compiler and the Python headers exist,
    it must have been built."""
    import shutil
    import sysconfig

    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers.exists():
        pytest.skip("no C compiler or Python headers here")
    from execbench.trace import _cext, engine

    assert not _cext.STALE, _cext.STALE
    assert engine.CTracer is not None, (
        "the C tracer did not build: run scripts/bootstrap and read its warnings"
    )


def test_a_stale_c_engine_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """An extension built from other C sources (an editable install after ``git pull``)
    would run against newer Python rules and record wrong traces: it is refused."""
    from execbench.trace import _cext

    if _cext.load() is None:
        pytest.skip("the C tracer is not built here")
    monkeypatch.setattr(_cext, "source_hash", lambda folder: "0" * 64)
    assert _cext.load() is None and "rebuild" in _cext.STALE
    monkeypatch.setattr(_cext, "source_hash", lambda folder: None)  # a wheel: no sources beside
    assert _cext.load() is not None


ATOM = st.one_of(
    st.integers(min_value=-(10**10), max_value=10**10),
    st.text(max_size=70),
    st.booleans(),
    st.none(),
    st.floats(),
    st.binary(max_size=4),
)
INNER = st.one_of(
    ATOM,
    st.lists(ATOM, max_size=7),
    st.lists(ATOM, max_size=7).map(tuple),
    st.lists(st.integers(min_value=0, max_value=9), max_size=7).map(tuple),
    st.lists(st.text(max_size=3), max_size=7),
    st.dictionaries(st.one_of(st.integers(), st.text(max_size=3)), ATOM, max_size=7),
    st.lists(st.lists(ATOM, max_size=2), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(INNER, min_size=1, max_size=7),
    st.sampled_from(["list", "tuple", "dict", "shared"]),
    st.sampled_from([(2000, 6, 6), (5, 6, 6), (2000, 6, 1), (2000, 6, 2), (2000, 200, 6), (2000, 1, 6)]),
)
@example([["abcdefgh", 1], ("abcdefgh",), {1: "abcdefgh"}, 2**70], "list", (5, 6, 6))
@example([(1, 2), (1, "a"), [], (), {}, {"a": 1.5}, None], "shared", (2000, 6, 6))
@example([(1, 2), [1, 2, 3, 4, 5, 6, 7], {1: 2}], "dict", (2000, 6, 6))
@example([(1, 2), [3]], "tuple", (2000, 6, 1))
@example([1, 2, 3, 4, 5, 6, 7], "list", (2000, 6, 6))
@example(["a", "b", "c", "d", "e", "f", "g"], "tuple", (2000, 6, 6))
@example([1, 2, 3, 4], "shared", (2000, 6, 6))
@example([1, 2], "tuple", (2000, 1, 6))
@example([1, 2, 3, 4, 5, 6, "x"], "list", (2000, 6, 6))
def test_nested_containers_of_atoms_encode_as_the_general_walk(
    items: list[Any], shape: str, bounds: tuple[int, int, int]
) -> None:
    """The encoder's two-pass path for containers of atoms and of containers of atoms
    gives the general walk's snapshots byte for byte, identity numbers and the tuple
    cache included (a shared item, the same value encoded twice)."""
    if shape == "dict":
        value: Any = {i: x for i, x in enumerate(items)}
    elif shape == "tuple":
        value = tuple(items)
    elif shape == "shared":
        value = [*items, *items]
    else:
        value = list(items)
    max_str, max_items, max_depth = bounds
    limits = snapshot_mod.SnapshotLimits(max_str=max_str, max_items=max_items, max_depth=max_depth)
    walk, fast = Encoder(limits), Encoder(limits)
    for _ in range(2):
        general = walk._enc(value, 0, set())
        assert json.dumps(fast.encode(value)) == json.dumps(general)


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    st.lists(INNER, max_size=6),
    st.sampled_from(["list", "tuple", "dict", "set"]),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([200, 3]),
)
def test_the_c_unchanged_answers_as_the_python_rule(
    items: list[Any], shape: str, change: int, n_max: int
) -> None:
    """The rule calls ``fingerprint.unchanged`` by the C extension where it is built: the
    same answer for every fingerprint, before and after the value or an item changes."""
    from execbench.trace.fingerprint import fast_unchanged, fingerprint, unchanged

    assert fast_unchanged is not unchanged
    try:
        value: Any = {
            "list": list,
            "tuple": tuple,
            "dict": lambda xs: dict(enumerate(xs)),
            "set": lambda xs: set(x for x in xs if type(x) is not list and type(x) is not dict),
        }[shape](items)
    except TypeError:
        return
    fp = fingerprint(value, n_max)
    if fp is None:
        return
    if change == 1 and type(value) is list:
        value.append(0)
    elif change == 2 and type(value) is list and value and type(value[0]) is list:
        value[0].append(1)
    elif change == 3 and type(value) is dict and value:
        value[0] = "other"
    assert fast_unchanged(value, fp, n_max) == unchanged(value, fp, n_max)
    assert fast_unchanged(list(items), fp, n_max) == unchanged(list(items), fp, n_max)

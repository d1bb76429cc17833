"""LDB's block division and block trace: the division on every construct (hand-derived from
python_ta's CFG rules as LDB configures them), and execbench's block trace (one run) against
the reference that really runs LDB's two steps (``ldb_reference``) on the same programs."""

from __future__ import annotations

import pytest

from execbench.repair.execution import value_runner
from execbench.repair.ldbblocks import ldb_blocks
from execbench.repair.ldbcompat import IMPORT_HEADER
from execbench.repair.ldbtrace import select_blocks, trace_blocks, trace_call_for
from execbench.sandbox import DEFAULT_PRELOAD, SandboxPool
from execbench.trace import SnapshotLimits, TraceLimits, trace_many
from tests.repair.ldb_reference import reference_blocks

# name: (program, call, expected blocks as (first line, end line, condition))
CASES: dict[str, tuple[str, str, list[tuple[int, int, bool]]]] = {
    "if_elif_else": (
        "def f(x):\n    y = x + 1\n    if y > 3:\n        y = 0\n    elif y < 0:\n        y = -1\n"
        "    else:\n        y += 2\n    return y\n",
        "f(1)",
        [
            (2, 2, False),
            (3, 3, True),
            (4, 4, False),
            (5, 5, True),
            (9, 9, False),
            (6, 6, False),
            (8, 8, False),
        ],
    ),
    "if_else": (
        "def f(x):\n    y = x + 1\n    if y > 3:\n        y = 0\n    else:\n        y += 2\n    return y\n",
        "f(1)",
        [(2, 2, False), (3, 3, True), (4, 4, False), (6, 6, False), (7, 7, False)],
    ),
    "for_break_continue_else": (
        "def f(xs):\n    total = 0\n    for x in xs:\n        if x < 0:\n            continue\n"
        "        if x > 9:\n            break\n        total += x\n    else:\n        total = -total\n"
        "    return total\n",
        "f([1, -2, 3])",
        [
            (2, 3, False),
            (3, 3, True),
            (4, 4, True),
            (10, 10, False),
            (5, 5, False),
            (6, 6, True),
            (11, 11, False),
            (7, 7, False),
            (8, 8, False),
        ],
    ),  # fmt: skip
    "while_break_else": (
        "def f(n):\n    i = 0\n    while i < n:\n        i += 2\n        if i == 7:\n            break\n"
        "    else:\n        i = -i\n    return i\n",
        "f(5)",
        [
            (2, 2, False),
            (3, 3, True),
            (4, 4, False),
            (8, 8, False),
            (5, 5, True),
            (9, 9, False),
            (6, 6, False),
        ],
    ),
    "try_except": (
        "def f(xs):\n    out = []\n    for x in xs:\n        try:\n            out.append(10 // x)\n"
        "        except ZeroDivisionError:\n            out.append(None)\n    return out\n",
        "f([1, 0, 5])",
        [(2, 3, False), (3, 3, True), (5, 5, True), (8, 8, False), (7, 7, False)],
    ),
    "try_finally": (
        "def f(x):\n    y = 1\n    try:\n        y = 10 // x\n    finally:\n        y += 1\n    return y\n",
        "f(2)",
        [(2, 7, False)],
    ),
    "with": (
        "import io\ndef f(text):\n    n = 0\n    with io.StringIO(text) as fh:\n        for line in fh:\n"
        "            n += len(line)\n    return n\n",
        "f('ab\\ncd')",
        [(3, 5, False), (5, 5, True), (6, 6, False), (7, 7, False)],
    ),
    "nested_function": (
        "def f(xs):\n    def sq(v):\n        w = v * v\n        return w\n    total = 0\n    for x in xs:\n"
        "        total += sq(x)\n    return total\n",
        "f([1, 2])",
        [(2, 6, False), (6, 6, True), (7, 7, False), (8, 8, False), (3, 4, False)],
    ),
    "comprehensions": (
        "def f(xs):\n    ys = [x * 2 for x in xs if x > 0]\n    zs = {x: x + 1 for x in ys}\n"
        "    return sum(v for v in zs.values())\n",
        "f([1, -1, 2])",
        [(2, 4, False)],
    ),
    "early_return": (
        "def f(xs):\n    for i, x in enumerate(xs):\n        if x == 3:\n            return i\n    return -1\n",
        "f([1, 3, 5])",
        [(2, 2, False), (2, 2, True), (3, 3, True), (5, 5, False), (4, 4, False)],
    ),
    "recursion": (
        "def f(n):\n    if n <= 1:\n        return 1\n    rest = f(n - 1)\n    return n * rest\n",
        "f(3)",
        [(2, 2, True), (3, 3, False), (4, 5, False)],
    ),
    "exception_mid_block": (
        "def f(xs):\n    a = len(xs)\n    b = 10 // (a - 2)\n    c = a + b\n    return c\n",
        "f([1, 2])",
        [(2, 5, False)],
    ),
    "entry_value_used_by_the_test": (
        "def f(x):\n    y = x / 3\n    return y\n",
        "round(f(1), 2)",
        [(2, 3, False)],
    ),
    "timeout": (
        "def f(n):\n    i = 0\n    while n > 0:\n        i += 1\n    return i\n",
        "f(1)",
        [(2, 2, False), (3, 3, True), (4, 4, False), (5, 5, False)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_block_division(name: str) -> None:
    source, _, expected = CASES[name]
    assert [(b.start, b.end, b.multi) for b in ldb_blocks(source)] == expected


def test_division_failures_are_ldbs() -> None:
    with pytest.raises(SyntaxError):
        ldb_blocks("def f(:\n    pass\n")
    with pytest.raises(SyntaxError):
        ldb_blocks("def f():\n    break\n")


def test_duplicate_blocks_are_kept_once() -> None:
    source = "def f(x):\n    if x:\n        x += 1\n    else:\n        x += 1\n    return x\n"
    assert [(b.start, b.text) for b in ldb_blocks(source)] == [
        (2, "_cond = (x)"),
        (3, "x += 1"),
        (6, "_ret = x"),
    ]


@pytest.fixture(scope="module")
def pool():  # type: ignore[no-untyped-def]
    with SandboxPool(workers=2, preload=(*DEFAULT_PRELOAD, "execbench.trace.sandboxed")) as p:
        yield p


def _plain(x: object) -> bool:
    """What LDB's prompt builder turns into its plain feedback: a failure string or no block."""
    return isinstance(x, str) or x == []


#: Cases where LDB shows no trace: its instrumented copy does not compile (a print before
#: ``elif``; a print after the ``with`` block's last line, a ``for`` header, at the block's
#: indentation), or its run fails (ZeroDivisionError; a rewritten ``return`` hands None to
#: its caller: the recursive call's ``n * None``, the helper's ``total += None``, the test's
#: ``round(None, 2)``).
PLAIN = {
    "if_elif_else",
    "with",
    "exception_mid_block",
    "recursion",
    "nested_function",
    "entry_value_used_by_the_test",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_block_trace_equals_ldbs_two_runs(pool: SandboxPool, name: str) -> None:
    source, call, _ = CASES[name]
    program = IMPORT_HEADER + source
    slow = name == "timeout"
    limits = TraceLimits(
        max_time=2.0 if slow else 5.0, snapshot=SnapshotLimits(max_items=100_000, max_str=10**6)
    )
    result = trace_many([trace_call_for(program, f"assert {call} == 0")], pool, limits=limits)[0]
    mine = trace_blocks(result.trace, result.status, "f", "block", value_runner(pool))
    ref = reference_blocks(pool, program, call, "f", timeout=3.0 if slow else 10.0)
    if name == "timeout":
        assert mine == ref == "*timeout*"
    elif name in PLAIN:
        # LDB's prompt builder shows its plain feedback for both (see PLAIN)
        assert _plain(mine) and _plain(ref), (mine, ref)
        assert isinstance(mine, str) == isinstance(ref, str), (mine, ref)
    else:
        assert not _plain(mine)
        assert mine == ref


def test_sampling_keeps_first_and_last_five() -> None:
    blocks = [[f"line {i}", f"# v={i}"] for i in range(14)]
    kept = select_blocks(blocks, "block")
    assert [b[0] for b in kept] == [f"line {i}" for i in (0, 1, 2, 3, 4, 9, 10, 11, 12, 13)]
    assert len(select_blocks(blocks * 3, "line")) == 30
    long = [[f"l{i}" for i in range(40)]]
    assert select_blocks(long, "function")[0] == [f"l{i}" for i in range(15)] + ["..."] + [
        f"l{i}" for i in range(25, 40)
    ]

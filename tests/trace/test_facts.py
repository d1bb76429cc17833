"""Derived facts: coverage, branches, loops, next lines, hits, blocks, loop compression."""

from __future__ import annotations

import textwrap
from pathlib import Path

from trace_ref import cruxeval

from execbench.trace import (
    block_runs,
    blocks,
    branches,
    compress_loops,
    coverage,
    executable_lines,
    hit_counts,
    loops,
    next_lines,
    state_after,
    trace_call,
    trace_program,
)

PROGRAM = textwrap.dedent("""\
    import functools

    @functools.lru_cache
    def f(xs):
        total = 0
        for x in xs:
            if x % 2:
                total += x
            else:
                total -= 1
        try:
            r = 10 // total
        except ZeroDivisionError:
            r = -1
        match r:
            case 1:
                r = 100
            case _:
                pass
        n = 3
        while n:
            n -= 1
            if n == 1:
                break
        return r
    """)


def test_coverage_from_code_objects() -> None:
    trace = trace_call(PROGRAM, "f", "(1, 2, 3)")
    cov = coverage(trace)
    assert cov.missing == (13, 14, 17)
    assert set(cov.executed) <= set(cov.executable)
    assert cov.percent == round(100 * len(cov.executed) / len(cov.executable), 2)
    # the module body and def lines only count for whole-program traces
    assert 1 not in executable_lines(PROGRAM) and 1 in executable_lines(PROGRAM, whole_program=True)
    whole = trace_program(PROGRAM)
    assert coverage(whole).executed == (1, 3, 4)  # 3.11: the decorator line, then the def line


def test_every_executed_line_is_executable_on_cruxeval(shared_data: Path) -> None:
    for pid, code, entry, call, _out in cruxeval(shared_data):
        trace = trace_call(code, entry, call)
        assert set(trace.lines) <= set(executable_lines(code)), pid


def test_branch_outcomes_each_time() -> None:
    trace = trace_call(PROGRAM, "f", "(1, 2, 3)")
    got = [(b.line, b.kind, b.taken) for b in branches(trace)]
    assert got == [
        (6, "for", "iterate"),
        (7, "if", "true"),
        (6, "for", "iterate"),
        (7, "if", "false"),
        (6, "for", "iterate"),
        (7, "if", "true"),
        (6, "for", "exit"),
        (11, "try", "no exception"),
        (15, "match", "case 1"),  # 0-based: the second case, ``case _``
        (21, "while", "true"),
        (23, "if", "false"),
        (21, "while", "true"),
        (23, "if", "true"),
    ]
    raised = trace_call(PROGRAM, "f", "(1, 2)")
    assert [b.taken for b in branches(raised) if b.kind == "try"] == ["ZeroDivisionError"]


def test_loop_runs_and_iterations() -> None:
    trace = trace_call(PROGRAM, "f", "(1, 2, 3)")
    assert [(r.line, r.kind, r.iterations) for r in loops(trace)] == [(6, "for", 3), (21, "while", 2)]
    nested = "def f(n):\n    c = 0\n    for i in range(n):\n        for j in range(i):\n            c += 1\n    return c\n"
    runs = loops(trace_call(nested, "f", "3"))
    assert [(r.line, r.iterations) for r in runs] == [(3, 3), (4, 0), (4, 1), (4, 2)]


def test_next_lines_and_hit_counts() -> None:
    trace = trace_call(PROGRAM, "f", "(1, 2, 3)")
    nxt = next_lines(trace)
    assert nxt[6] == (7, 11) and nxt[7] == (8, 10)
    hits = hit_counts(trace)
    assert hits[6] == 4 and hits[8] == 2 and sum(hits.values()) == trace.steps
    calls = "def g(x):\n    return x\n\ndef f():\n    a = g(1)\n    return a\n"
    t2 = trace_call(calls, "f", "")
    assert next_lines(t2)[5] == (2,) and next_lines(t2, same_frame=True)[5] == (6,)


def test_blocks_and_block_runs_with_state() -> None:
    fblocks = [b for b in blocks(PROGRAM) if b.func == "f"]
    assert fblocks[0].lines == (5,) and fblocks[0].func_line == 3
    assert any(b.lines == (11, 12) for b in fblocks)  # try: + its body
    module = [b for b in blocks(PROGRAM) if b.func == "<module>"]
    assert module[0].lines == (1, 3, 4)
    trace = trace_call(PROGRAM, "f", "(1, 2, 3)")
    runs = block_runs(trace)
    assert [r.block.lines for r in runs][:4] == [(5,), (6,), (7,), (8,)]
    assert runs[3].state["total"]["repr"] == "1"
    last = runs[-1]
    assert last.block.lines == (25,) and last.state == state_after(trace, last.last_step)
    assert [r.first_step for r in runs] == sorted(r.first_step for r in runs)


def test_compress_loops_keeps_first_and_last_iterations() -> None:
    code = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    trace = trace_call(code, "f", "50")
    (hidden,) = compress_loops(trace, keep=2)
    assert hidden.line == 3 and hidden.iterations == 50 + 1 - 5
    shown = [s for s in range(trace.steps) if not hidden.first <= s <= hidden.last]
    assert [trace.lines[s] for s in shown] == [2, 3, 4, 3, 4, 3, 4, 3, 4, 3, 5]
    assert compress_loops(trace_call(code, "f", "3")) == []

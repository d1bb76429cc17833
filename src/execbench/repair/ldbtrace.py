"""The execution trace LDB shows the model, built from execbench's tracer (one run, in the
sandbox) instead of LDB's two runs (``python -m trace`` for lines, then an instrumented copy
of the program that prints ``vars()`` around each block).

- **block** level: the basic blocks (``trace.cfg``) executed during the first call of the
  entry function (callees included), each as its executed lines followed by
  ``# name=value\\tname=value`` with the locals after the block; ``str()`` of each value;
  value text of 100 characters or more is cut to its first 50 + ``...`` + last 50; more
  than 10 blocks: the first 5 and the last 5 (LDB's rules).
- **line** level: each executed line with the locals after it; more than 30: 15 + 15.
- **function** level: one block: the call's arguments, the executed lines and the return
  value; more than 30 lines: 15, ``...``, 15.

A run that cannot be traced (syntax error, an exception other than the test's own
``AssertionError``, a timeout, the entry never called) gives a string, as LDB's tracer does;
the prompt then falls back to LDB's plain feedback.
"""

from __future__ import annotations

from typing import Any

from execbench.repair.ldbcompat import call_expression
from execbench.repair.ldbrewrite import RunProgram
from execbench.repair.ldbvalues import ldb_block_trace, value_text
from execbench.trace import Trace, TraceCall
from execbench.trace.facts import frame_steps

__all__ = ["trace_call_for", "trace_blocks", "select_blocks", "value_text", "LEVELS"]

LEVELS = ("line", "block", "function")
_MAX_BLOCKS = {"block": 10, "line": 30, "function": 1}


def trace_call_for(program: str, failed_test: str) -> TraceCall:
    """What LDB runs to trace a failing test: the program, then the test's call expression."""
    return TraceCall(code=program + "\n" + call_expression(failed_test).strip(), entry=None)


def _values(state: dict[str, Any]) -> str:
    text = "\t".join(
        f"{name}={value_text(snap)}" for name, snap in state.items() if not name.startswith("__")
    )
    return text if len(text) < 100 else text[:50] + "..." + text[-50:]


def _indent(line: str) -> int:
    return (len(line) - len(line.lstrip())) // 4


def _window(trace: Trace, entry: str) -> tuple[int, int, set[int]] | None:
    """Steps of the first call of ``entry`` (start, end) and the frames inside it."""
    start_frame = None
    frames: set[int] = set()
    depth0 = 0
    for ev in trace.events:
        if start_frame is None:
            if ev.kind == "call" and ev.func == entry:
                start_frame, depth0 = ev.frame, ev.depth
                frames.add(ev.frame)
            continue
        if ev.depth <= depth0 and ev.frame != start_frame:
            break
        frames.add(ev.frame)
        if ev.kind == "return" and ev.frame == start_frame:
            break
    if start_frame is None:
        return None
    steps = [s for f in frames for s in frame_steps(trace).get(f, [])]
    if not steps:
        return None
    return min(steps), max(steps), frames


def _ran_too_long(trace: Trace) -> bool:
    """A call cut for running too long -- by the clock, or by the step cap it reaches first on
    a fast machine -- is what LDB's time-limited tracer reports as a timeout; deciding on the
    clock alone would make the feedback depend on the machine's speed."""
    return trace.cut is not None and trace.cut.reason in ("time", "steps")


def _failure(trace: Trace | None, status: str, entry: str) -> str | None:
    if trace is None:
        return "*timeout*" if status == "timeout" else f"*execution fail*{status}"
    if _ran_too_long(trace):
        return "*timeout*"
    exc = trace.exception
    if exc is not None and exc.phase == "compile":
        return f"*parse fail*{exc.type}: {exc.message}"
    if exc is not None and exc.type != "AssertionError":
        return f"*execution fail*{exc.type}: {exc.message}"
    return None


def trace_blocks(
    trace: Trace | None, status: str, entry: str, level: str, run: RunProgram | None = None
) -> list[list[str]] | str:
    """LDB's ``trace_blocks`` for one traced failing call: a list of blocks (lines of text)
    or a failure string (``*timeout*``, ``*execution fail*...``, ``*parse fail*...``).
    ``run`` runs LDB's instrumented copy for real where its ``return`` rewrite matters
    (``ldbvalues.rewrite_matters``); without it the values are the program's as written."""
    if level == "block" and trace is not None and not _ran_too_long(trace):
        return ldb_block_trace(trace, trace.source, entry, run)
    failure = _failure(trace, status, entry)
    if failure is not None:
        return failure
    assert trace is not None
    window = _window(trace, entry)
    if window is None:
        return "*parse fail*the entry function was not called"
    first, last, frames = window
    source = trace.source.split("\n")

    def text(n: int) -> str:
        return source[n - 1] if 0 < n <= len(source) else ""

    returns = _returns(trace)
    states = _states(trace, first, last, frames)
    if level == "line":
        return [
            [text(trace.lines[s]), "    " * _indent(text(trace.lines[s])) + "# " + _values(st)]
            for s, st in states
        ]
    lines = [text(trace.lines[s]) for s, _ in states]
    call = next(ev for ev in trace.events if ev.kind == "call" and ev.func == entry)
    ret = returns.get(call.frame)
    args = _values(dict(call.delta or {}))
    block = [f"# arguments: {args}", *lines, f"# return: {value_text(ret[1]) if ret else '(no return)'}"]
    return [block]


def _returns(trace: Trace) -> dict[int, tuple[int, Any]]:
    """Frame -> (its last step, returned value) for frames left by a ``return``."""
    last: dict[int, int] = {}
    out: dict[int, tuple[int, Any]] = {}
    for ev in trace.events:
        if ev.kind == "line":
            last[ev.frame] = ev.step
        elif ev.kind == "return" and not ev.raised and ev.frame in last:
            out[ev.frame] = (last[ev.frame], ev.value)
    return out


def _states(trace: Trace, first: int, last: int, frames: set[int]) -> list[tuple[int, dict[str, Any]]]:
    """(step, locals after it) for each step of the window in ``frames``."""
    out: list[tuple[int, dict[str, Any]]] = []
    state: dict[int, dict[str, Any]] = {}
    for ev in trace.events:
        st = state.setdefault(ev.frame, {})
        for name, snap in (ev.delta or {}).items():
            if snap is None:
                st.pop(name, None)
            else:
                st[name] = snap
        if ev.kind == "line" and ev.frame in frames and first <= ev.step <= last:
            after = dict(st)
            for name, snap in trace.changes[ev.step].items():
                if snap is None:
                    after.pop(name, None)
                else:
                    after[name] = snap
            out.append((ev.step, after))
    return out


def select_blocks(blocks: list[list[str]], level: str) -> list[list[str]]:
    """LDB's sampling: at most 10 blocks (5 + 5), 30 lines (15 + 15), or one function
    block cut to 15 lines, ``...``, 15 lines."""
    blocks = [list(b) for b in blocks]
    limit = _MAX_BLOCKS.get(level, 10)
    if level == "function" and blocks and len(blocks[0]) > 30:
        blocks[0] = blocks[0][:15] + ["..."] + blocks[0][-15:]
    if len(blocks) > limit:
        half = limit // 2
        blocks = blocks[:half] + blocks[-half:]
    return blocks

"""A trace as the viewer's data: per-step arrays, the execution-order rows, marks and folds.

Everything the browser needs to step through a trace without recomputing tracer rules:
per step its line, frame, depth, caller step (the call stack is the chain of caller steps),
the stdout length written before it and the changes its line made; the arguments of each
frame; the rows of :func:`execbench.trace.render.execution_rows` (the same text as
``execbench trace`` and the rationales); the loop folds of ``compress_loops``; where
exceptions were raised and caught. The browser rebuilds the locals of a step from the
frame's arguments and the changes of its earlier steps, which is what
:func:`execbench.trace.state_at` computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from execbench.trace.render import compress_loops, execution_rows
from execbench.trace.types import Trace

__all__ = ["viewer_data", "ROWS_PER_CHUNK"]

#: Rows of the execution-order listing per data chunk (the page renders after the first).
ROWS_PER_CHUNK = 20_000


def _pairs(delta: Mapping[str, Any] | None) -> list[list[Any]]:
    return [[name, None if snap is None else snap["repr"]] for name, snap in (delta or {}).items()]


def viewer_data(trace: Trace, *, title: str = "") -> dict[str, Any]:
    """The JSON-able viewer document of a trace (rows go in ``rows``; split them with
    ``ROWS_PER_CHUNK`` when writing)."""
    lines: list[int] = []
    frames: list[int] = []
    depth: list[int] = []
    caller: list[int] = []
    out_len: list[int] = []
    funcs: dict[int, str] = {}
    args: dict[int, list[list[Any]]] = {}
    marks: dict[int, str] = {}
    current: dict[int, int] = {}  # frame -> its latest line step
    stack: list[int] = []  # frames on the stack, innermost last
    raised: dict[int, str] = {}  # frame -> exception type seen, not yet handled
    written = 0
    unwinding = False  # a frame was just left by an exception: the caller's event is not its origin
    for ev in trace.events:
        if ev.stdout:
            written += len(ev.stdout)
        if ev.kind in ("call", "resume"):
            stack.append(ev.frame)
            funcs.setdefault(ev.frame, ev.func)
            if ev.kind == "call":
                args[ev.frame] = _pairs(ev.delta)
        elif ev.kind == "line":
            if not stack or stack[-1] != ev.frame:  # whole-program traces start without a call
                stack.append(ev.frame)
                funcs.setdefault(ev.frame, ev.func)
            step = len(lines)
            unwinding = False
            if ev.frame in raised:
                marks[step] = f"caught {raised.pop(ev.frame)} (handler)"
            lines.append(ev.line)
            frames.append(ev.frame)
            depth.append(ev.depth)
            parent = stack[-2] if len(stack) > 1 else None
            caller.append(current.get(parent, -1) if parent is not None else -1)
            out_len.append(written)
            current[ev.frame] = step
        elif ev.kind == "exception":
            value = ev.value or {}
            at = current.get(ev.frame)
            if at is not None:
                how = "a call on this line raised" if unwinding else "raises"
                marks[at] = f"{how} {value.get('type')}: {value.get('message')}"
            raised[ev.frame] = str(value.get("type"))
            unwinding = False
        elif ev.kind in ("return", "yield"):
            if ev.kind == "return":
                raised.pop(ev.frame, None)
                unwinding = ev.raised
            if stack and stack[-1] == ev.frame:
                stack.pop()
    changes = [_pairs(c) or 0 for c in trace.changes]
    folds = (
        [[h.first, h.last, h.line, h.iterations] for h in compress_loops(trace, 2)] if trace.events else []
    )
    rows = [[r.kind, r.depth, r.step, r.line, r.text, r.after] for r in execution_rows(trace, keep=None)]
    exc = trace.exception
    return {
        "title": title,
        "source": trace.source,
        "entry": trace.entry,
        "call": trace.call,
        "status": trace.status,
        "return": trace.return_text,
        "exception": None if exc is None else exc.to_json(),
        "cut": None if trace.cut is None else trace.cut.to_json(),
        "steps": len(lines),
        "lines": lines,
        "frames": frames,
        "depth": depth,
        "caller": caller,
        "out": out_len,
        "stdout": trace.stdout,
        "changes": changes,
        "funcs": {str(k): v for k, v in funcs.items()},
        "args": {str(k): v for k, v in args.items()},
        "marks": {str(k): v for k, v in marks.items()},
        "folds": folds,
        "rows": rows,
    }

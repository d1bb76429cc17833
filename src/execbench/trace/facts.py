"""Facts derived from a ``Trace``: pure functions, no execution.

State: ``state_at`` (locals of a step's frame when the line is about to run) and
``state_after`` (after it ran), rebuilt from the per-event changes. Paths: ``hit_counts``,
``next_lines``. Coverage: executed lines against executable lines, where "executable" comes
from the compiled code objects' own line tables (``co_lines()``, recursively), minus
instructions that never produce a line event (the function prologue). Control flow:
``branches`` and ``loops`` map each branch point of the AST (if/while/for/try/match) to the
arm taken, each time it was reached, by looking at the frame's next step.
"""

from __future__ import annotations

import ast
import dis
import itertools
import types
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from execbench import _pyast
from execbench.trace.snapshot import Snapshot
from execbench.trace.types import Trace

__all__ = [
    "Coverage",
    "Branch",
    "LoopRun",
    "state_at",
    "state_after",
    "hit_counts",
    "executable_lines",
    "coverage",
    "next_lines",
    "branches",
    "loops",
    "frame_steps",
]

#: Instructions of a code object's prologue: they carry the ``def`` line but never trigger
#: a line event, so lines holding only these are not "executable".
_PROLOGUE = frozenset({"RESUME", "MAKE_CELL", "COPY_FREE_VARS", "RETURN_GENERATOR", "NOP_PROLOGUE"})


@dataclass(frozen=True)
class Coverage:
    """Executed versus executable lines of the traced source."""

    executed: tuple[int, ...]
    executable: tuple[int, ...]
    missing: tuple[int, ...]
    percent: float

    def to_json(self) -> dict[str, Any]:
        return {
            "executed": list(self.executed),
            "executable": list(self.executable),
            "missing": list(self.missing),
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Branch:
    """One evaluation of a branch point and the arm taken."""

    line: int
    """Line of the branch point (its ``if``/``while``/``for``/``try``/``match`` line)."""
    kind: str
    """``if``, ``while``, ``for``, ``try`` or ``match``."""
    step: int
    """Step at which the branch point was reached."""
    taken: str
    """``if``/``while``: ``true``/``false``; ``for``: ``iterate``/``exit``; ``try``: the
    handler's exception text (``except`` for a bare one) or ``no exception``; ``match``:
    ``case N`` (0-based) or ``no match``; ``unknown`` when the trace does not show it
    (e.g. a one-line ``if x: y()`` or a condition that raised)."""


@dataclass(frozen=True)
class LoopRun:
    """One run of a loop (from entering it to leaving it) in one frame."""

    line: int
    kind: str
    frame: int
    start_step: int
    iterations: int


def _event_index_of_steps(trace: Trace) -> list[int]:
    return [i for i, ev in enumerate(trace.events) if ev.kind == "line"]


def state_at(trace: Trace, step: int) -> dict[str, Snapshot]:
    """Locals of the step's frame when its line is about to execute."""
    if not 0 <= step < len(trace.lines):
        raise IndexError(f"step {step} is outside the trace (0..{len(trace.lines) - 1})")
    frame = trace.step_frames[step]
    state: dict[str, Snapshot] = {}
    for ev in trace.events:
        if ev.frame == frame and ev.delta:
            for name, snap in ev.delta.items():
                if snap is None:
                    state.pop(name, None)
                else:
                    state[name] = snap
        if ev.kind == "line" and ev.step == step:
            return state
    return state


def state_after(trace: Trace, step: int) -> dict[str, Snapshot]:
    """Locals of the step's frame after its line executed."""
    state = state_at(trace, step)
    for name, snap in trace.changes[step].items():
        if snap is None:
            state.pop(name, None)
        else:
            state[name] = snap
    return state


def hit_counts(trace: Trace) -> dict[int, int]:
    """How many times each line ran (line -> steps)."""
    return dict(sorted(Counter(trace.lines).items()))


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _lines_of(code: types.CodeType) -> set[int]:
    ops = {ins.offset: ins.opname for ins in dis.get_instructions(code)}
    lines: set[int] = set()
    for start, end, line in code.co_lines():
        if line is None:
            continue
        if any(ops.get(off) not in _PROLOGUE for off in range(start, end, 2) if off in ops):
            lines.add(line)
    return lines


def executable_lines(source: str, *, whole_program: bool = False) -> tuple[int, ...]:
    """Lines that can produce a line event. Call traces exclude the module body and class
    bodies (they ran untraced); whole-program traces include them."""
    module = compile(source, "<execbench-coverage>", "exec")
    lines: set[int] = set()
    for code in _code_objects(module):
        is_body = code is module or not code.co_flags & 0x0002  # class bodies: no CO_NEWLOCALS
        if is_body and not whole_program:
            continue
        lines |= _lines_of(code)
    return tuple(sorted(lines))


def coverage(trace: Trace, code: str | None = None) -> Coverage:
    """Line coverage of the trace over ``code`` (default: the traced source)."""
    executable = set(
        executable_lines(code if code is not None else trace.source, whole_program=trace.whole_program)
    )
    executed = set(trace.lines)
    executable |= executed
    missing = executable - executed
    percent = round(100.0 * len(executed) / len(executable), 2) if executable else 100.0
    return Coverage(tuple(sorted(executed)), tuple(sorted(executable)), tuple(sorted(missing)), percent)


def next_lines(trace: Trace, *, same_frame: bool = False) -> dict[int, tuple[int, ...]]:
    """line -> lines that ran right after it (in trace order, or in the same frame)."""
    rel: dict[int, set[int]] = {}
    if same_frame:
        for steps in frame_steps(trace).values():
            for a, b in zip(steps, steps[1:], strict=False):
                rel.setdefault(trace.lines[a], set()).add(trace.lines[b])
    else:
        for a, b in zip(trace.lines, trace.lines[1:], strict=False):
            rel.setdefault(a, set()).add(b)
    return {line: tuple(sorted(nxt)) for line, nxt in sorted(rel.items())}


def frame_steps(trace: Trace) -> dict[int, list[int]]:
    """frame -> its steps, in order."""
    out: dict[int, list[int]] = {}
    for step, frame in enumerate(trace.step_frames):
        out.setdefault(frame, []).append(step)
    return out


def _span(stmts: list[ast.stmt]) -> tuple[int, int] | None:
    if not stmts:
        return None
    return stmts[0].lineno, max(s.end_lineno or s.lineno for s in stmts)


def _inside(line: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= line <= span[1]


def _branch_points(source: str) -> dict[int, ast.stmt]:
    points: dict[int, ast.stmt] = {}
    for node in ast.walk(_pyast.parse(source)):
        if (
            isinstance(node, (ast.If, ast.While, ast.For, ast.AsyncFor, ast.Try, ast.Match))
            or type(node).__name__ == "TryStar"
        ):
            points.setdefault(node.lineno, node)  # type: ignore[arg-type]
    return points


def _header_span(node: ast.stmt) -> tuple[int, int]:
    if isinstance(node, (ast.If, ast.While)):
        return node.lineno, node.test.end_lineno or node.lineno
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return node.lineno, node.iter.end_lineno or node.lineno
    if isinstance(node, ast.Match):
        return node.lineno, node.subject.end_lineno or node.lineno
    return node.lineno, node.lineno


def _outcome(node: ast.stmt, lines: tuple[int, ...], following: list[int]) -> str:
    """The arm taken, from the lines the frame ran after reaching the header."""
    header = _header_span(node)
    # lazily: loops and ifs need only the first line after the header (a list here made
    # every branch cost the whole look-ahead window)
    after = (ln for ln in following if not _inside(ln, header))
    nxt = next(after, None)
    rest = itertools.chain(() if nxt is None else (nxt,), after)
    if isinstance(node, (ast.If, ast.While)):
        body = _span(node.body)
        if nxt is None or body is None:
            return "unknown"
        if body[0] <= header[1]:  # body on the header line: no separate line event
            return "unknown"
        if _inside(nxt, body):
            return "true"
        return "false"
    if isinstance(node, (ast.For, ast.AsyncFor)):
        body = _span(node.body)
        if nxt is None or body is None or body[0] <= header[1]:
            return "unknown"
        return "iterate" if _inside(nxt, body) else "exit"
    if isinstance(node, ast.Match):
        whole = (node.lineno, node.end_lineno or node.lineno)
        for ln in rest:
            if not _inside(ln, whole):
                break
            for i, case in enumerate(node.cases):
                if _inside(ln, _span(case.body)) and case.body[0].lineno > case.pattern.lineno:
                    return f"case {i}"
        return "no match"
    handlers = getattr(node, "handlers", [])
    whole = (node.lineno, node.end_lineno or node.lineno)
    for ln in rest:
        if not _inside(ln, whole) or ln == node.lineno:
            break
        for handler in handlers:
            if _inside(ln, _span(handler.body)):
                return ast.unparse(handler.type) if handler.type is not None else "except"
    return "no exception"


def branches(trace: Trace, code: str | None = None) -> list[Branch]:
    """Every time a branch point was reached, the arm taken (in step order)."""
    points = _branch_points(code if code is not None else trace.source)
    out: list[Branch] = []
    for steps in frame_steps(trace).values():
        flines = [trace.lines[s] for s in steps]
        for i, step in enumerate(steps):
            node = points.get(flines[i])
            if node is None:
                continue
            header = _header_span(node)
            if i + 1 < len(steps) and _inside(flines[i + 1], header) and flines[i + 1] != node.lineno:
                continue  # a multi-line header: decide at its last line
            kind = {"AsyncFor": "for", "TryStar": "try"}.get(type(node).__name__, type(node).__name__.lower())
            out.append(Branch(node.lineno, kind, step, _outcome(node, trace.lines, flines[i + 1 : i + 400])))
    out.sort(key=lambda b: b.step)
    return out


def loops(trace: Trace, code: str | None = None) -> list[LoopRun]:
    """Each run of each loop with its iteration count (``for``/``while``), in step order.

    A run starts when the frame reaches the loop header from outside a run and ends when
    the header exits, or when the frame runs a line outside the loop (break, return) or
    the frame ends (exception).
    """
    source = code if code is not None else trace.source
    points = _branch_points(source)
    at_step = {br.step: br for br in branches(trace, source) if br.kind in ("for", "while")}
    runs: list[LoopRun] = []
    for frame, steps in frame_steps(trace).items():
        active: dict[int, list[int]] = {}
        for s in steps:
            line = trace.lines[s]
            for header in [h for h in active if not _inside(line, _whole(points[h]))]:
                start, count = active.pop(header)
                runs.append(LoopRun(header, at_step[start].kind, frame, start, count))
            br = at_step.get(s)
            if br is None:
                continue
            run = active.setdefault(br.line, [s, 0])
            if br.taken in ("iterate", "true"):
                run[1] += 1
            else:
                start, count = active.pop(br.line)
                runs.append(LoopRun(br.line, br.kind, frame, start, count))
        for header, (start, count) in active.items():
            runs.append(LoopRun(header, at_step[start].kind, frame, start, count))
    runs.sort(key=lambda r: r.start_step)
    return runs


def _whole(node: ast.stmt) -> tuple[int, int]:
    return node.lineno, node.end_lineno or node.lineno

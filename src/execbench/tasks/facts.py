"""What one traced call tells us, and the pure derivations every kind's ground truth comes from.

The probe (``execbench.tasks._probe``) runs a call under the tracer inside the sandbox and
returns a JSON payload; :class:`CallFacts` is that payload as a frozen value. Everything
below is a pure function of it (plus the program's source for static facts such as where
the body of a loop starts), so ground truth can be recomputed and tested without running
anything.

Line semantics follow ``sys.settrace``: a line event fires *before* its line runs. A
*step* is a maximal run of consecutive events on the same line number (REval merges them
the same way; CoCoNUT's "NoReps" collapse is the same operation on the line sequence).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench import _pyast

__all__ = [
    "CallFacts",
    "Arm",
    "collapse",
    "lines_of",
    "next_lines",
    "branch_outcome",
    "loop_iterations",
    "control_lines",
    "statement_lines",
    "assigned_names",
]


#: Longest output text kept from a probe.
_MAX_TEXT = 64 * 1024


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value[:limit]


def _pairs_of_text(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
    )


@dataclass(frozen=True)
class CallFacts:
    """The observable facts of one call, as the probe reported them."""

    status: str
    """``returned``, ``raised``, or an execution failure (``timeout``, ``crashed``, ``error`` ...)."""
    output: str | None = None
    """``repr`` of the return value (None unless ``returned``)."""
    output_literal: bool = False
    """True when ``output`` parses back (``ast.literal_eval``) to a value equal to the original."""
    exception: str | None = None
    """Type name of the exception that escaped the call."""
    events: tuple[tuple[int, int], ...] = ()
    """(frame number, line) of every line event in the program's own code, in order."""
    states: dict[str, Any] = field(default_factory=dict)
    """``"<line>|<var>"`` -> list of ``[repr, type]`` seen after that line, or None (REval's Nil)."""
    truncated: bool = False
    """The tracer cut the trace (event or size limit): trace-derived answers are unreliable."""
    detail: str = ""
    """Why the probe failed, when it did (for logs; never part of a task)."""

    @classmethod
    def from_payload(cls, payload: Any) -> CallFacts:
        """Read the probe's payload as untrusted input (it comes from the traced program's
        process, which may have patched the probe): anything malformed is an ``error``."""
        try:
            return cls._checked(payload)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            return cls(status="error", detail=f"malformed probe result: {type(exc).__name__}: {exc}"[:500])

    @classmethod
    def _checked(cls, payload: Any) -> CallFacts:
        if not isinstance(payload, dict):
            raise TypeError(f"payload is {type(payload).__name__}, not an object")
        events = payload.get("events", [])
        if not isinstance(events, list) or not all(
            isinstance(ev, list) and len(ev) == 2 and all(type(n) is int for n in ev) for ev in events
        ):
            raise ValueError("events are not [frame, line] integer pairs")
        states = payload.get("states", {})
        if not isinstance(states, dict) or not all(
            isinstance(k, str) and (v is None or _pairs_of_text(v)) for k, v in states.items()
        ):
            raise ValueError("states are not [repr, type] lists")
        output = _text(payload.get("output"), _MAX_TEXT + 1)
        whole = output is None or len(output) <= _MAX_TEXT  # a cut repr is no literal
        return cls(
            status=_text(payload.get("status", "error"), 40) or "error",
            output=output if whole else output[:_MAX_TEXT],
            output_literal=payload.get("output_literal") is True and whole,
            exception=_text(payload.get("exception"), 200),
            events=tuple((f, n) for f, n in events),
            states=states,
            truncated=payload.get("truncated") is True,
            detail=_text(payload.get("detail"), 500) or "",
        )

    @property
    def ok(self) -> bool:
        """The call finished (returned or raised) and its trace is complete."""
        return self.status in ("returned", "raised") and not self.truncated

    def lines(self) -> list[int]:
        return lines_of(self.events)

    def state(self, line: int, var: str) -> list[list[str]] | None:
        return self.states.get(f"{line}|{var}")


def lines_of(events: Sequence[tuple[int, int]]) -> list[int]:
    return [line for _, line in events]


def collapse(lines: Sequence[int]) -> list[int]:
    """Drop consecutive repeats: ``[2, 3, 3, 2] -> [2, 3, 2]`` (CoCoNUT's NoReps, REval's steps)."""
    out: list[int] = []
    for line in lines:
        if not out or out[-1] != line:
            out.append(line)
    return out


def next_lines(lines: Sequence[int], line: int) -> list[int]:
    """Lines that run right after any step on ``line``; -1 where the run ends there. Sorted.

    Computed on steps (consecutive repeats merged), as REval does: a one-line loop does
    not answer "itself".
    """
    steps = collapse(lines)
    found = {steps[i + 1] if i + 1 < len(steps) else -1 for i, n in enumerate(steps) if n == line}
    return sorted(found)


@dataclass(frozen=True)
class Arm:
    """A branching statement: where it is and where its body starts."""

    kind: str
    """``if``, ``while`` or ``for``."""
    line: int
    body: int
    """First line of the body: the condition held (or the loop iterated) when control goes there."""


def control_lines(code: str) -> dict[int, Arm]:
    """Branch and loop headers of the program, by line (static: read with ast, never run)."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    arms: dict[int, Arm] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.While | ast.For) and node.body:
            kind = "if" if isinstance(node, ast.If) else "while" if isinstance(node, ast.While) else "for"
            # A header sharing its line with its body (``if x: y``) cannot be told apart by lines.
            if node.body[0].lineno != node.lineno:
                arms.setdefault(node.lineno, Arm(kind, node.lineno, node.body[0].lineno))
    return arms


def _same_frame_successors(events: Sequence[tuple[int, int]], line: int) -> list[int]:
    """For each event on ``line``, the next line event of the same frame (-1: frame ended)."""
    out: list[int] = []
    for i, (frame, n) in enumerate(events):
        if n != line:
            continue
        nxt = -1
        for later_frame, later_line in events[i + 1 :]:
            if later_frame == frame:
                nxt = later_line
                break
        if nxt == line:  # the same header re-reported (e.g. a one-line comprehension): not an arm
            continue
        out.append(nxt)
    return out


def branch_outcome(events: Sequence[tuple[int, int]], arm: Arm, occurrence: int) -> bool | None:
    """Did the ``occurrence``-th evaluation (1-based) of ``arm`` go into its body? None: fewer evaluations."""
    successors = _same_frame_successors(events, arm.line)
    if occurrence < 1 or occurrence > len(successors):
        return None
    return successors[occurrence - 1] == arm.body


def loop_iterations(events: Sequence[tuple[int, int]], arm: Arm) -> int:
    """Times the body of the loop ``arm`` started during the call, over all its executions."""
    return sum(1 for nxt in _same_frame_successors(events, arm.line) if nxt == arm.body)


def statement_lines(code: str) -> list[int]:
    """Lines where a statement inside a function starts (the lines a question can be about)."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.stmt) and inner is not node:
                    if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        continue
                    found.add(inner.lineno)
    return sorted(found)


def assigned_names(code: str) -> dict[int, list[str]]:
    """Per line, the simple names and ``self.x`` attributes a statement there assigns (for state questions)."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[int, list[str]] = {}

    def targets_of(target: ast.expr) -> list[str]:
        if isinstance(target, ast.Name):
            return [target.id]
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            return [f"self.{target.attr}"]
        if isinstance(target, ast.Tuple | ast.List):
            return [name for elt in target.elts for name in targets_of(elt)]
        return []

    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in targets_of(t)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and node.target is not None:
            names = targets_of(node.target)
        elif isinstance(node, ast.For):
            names = targets_of(node.target)
        if names:
            bucket = out.setdefault(node.lineno, [])
            bucket.extend(n for n in names if n not in bucket)
    return out

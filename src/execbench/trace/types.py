"""The values the tracer produces: ``Trace`` and its parts, and the limits it obeys.

A ``Trace`` is immutable and JSON-friendly (snapshots are plain dicts, see
:mod:`execbench.trace.snapshot`). Events are stored in the order the interpreter reported
them; per-step views (``lines``, ``changes``) are computed once, when the trace is built.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from execbench.trace.snapshot import Snapshot, SnapshotLimits

__all__ = [
    "TRACE_SCHEMA_VERSION",
    "EVENT_KINDS",
    "TraceLimits",
    "Event",
    "ExceptionInfo",
    "Cut",
    "Trace",
    "RawEvent",
    "step_views",
]

#: An event as the engine records it (cheap to create; ``Event`` objects are built lazily):
#: (kind, step, frame, depth, line, func, delta, value, stdout, raised) -- ``Event``'s fields.
RawEvent = tuple[str, int, int, int, int, str, "dict[str, Any] | None", Any, "str | None", bool]

#: Bump when the meaning of a stored field changes; readers refuse newer versions.
TRACE_SCHEMA_VERSION = 1

#: Every event kind, in no particular order.
EVENT_KINDS: tuple[str, ...] = ("call", "line", "return", "exception", "yield", "resume")


@dataclass(frozen=True)
class TraceLimits:
    """Where tracing stops. Hitting one stops the traced program and sets ``Trace.cut``."""

    max_steps: int = 200_000
    """Line events recorded; the program is stopped at the next one."""
    max_bytes: int = 64 * 1024**2
    """Approximate encoded size of the events (snapshot texts + a fixed cost per event)."""
    max_time: float = 10.0
    """Wall-clock seconds of traced execution (checked every 256 steps)."""
    max_stdout: int = 1024**2
    """Characters of the program's stdout kept; the rest is dropped (the run continues)."""
    snapshot: SnapshotLimits = field(default_factory=SnapshotLimits)
    """Bounds on each value snapshot."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing the interpreter reported about a frame of the traced source."""

    kind: str
    """One of ``EVENT_KINDS``. ``yield``/``resume`` are a generator or coroutine frame
    suspending and continuing; ``return`` always ends a frame (see ``raised``)."""
    step: int
    """For ``line``: its 0-based step index; otherwise the number of steps before it."""
    frame: int
    """Per-trace frame number (1, 2, ...); a generator keeps its number across resumes."""
    depth: int
    """Traced frames below this one on its thread's stack (the entry frame has depth 0)."""
    line: int
    """1-based line of the source (``frame.f_lineno``)."""
    func: str
    """The frame's code name (``f``, ``<lambda>``, ``<listcomp>``, ``<module>``...)."""
    delta: Mapping[str, Snapshot | None] | None = None
    """Locals that changed since this frame's previous event (for ``call``: the arguments,
    i.e. all initial locals); ``None`` as a value means the name was deleted."""
    value: Snapshot | None = None
    """``return``/``yield``: the value; ``exception``: ``{"type", "message"}``."""
    stdout: str | None = None
    """Text the program wrote since the previous event (of any frame)."""
    raised: bool = False
    """``return`` only: the frame was left by an exception, not a ``return``."""


@dataclass(frozen=True)
class ExceptionInfo:
    """An exception that escaped the traced code."""

    type: str
    message: str
    line: int | None
    """Line of the traced source where it was raised (deepest traced frame), if any."""
    phase: str = "call"
    """Where: ``compile`` (syntax error), ``module`` (running the module body),
    ``args`` (evaluating the call's arguments) or ``call`` (the traced call)."""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "line": self.line, "phase": self.phase}


@dataclass(frozen=True)
class Cut:
    """Why a trace is incomplete: a limit stopped the program."""

    reason: str
    """``steps``, ``bytes`` or ``time``."""
    limit: float
    """The limit's value."""
    step: int
    """Steps recorded when it stopped."""

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "limit": self.limit, "step": self.step}


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything recorded about one traced execution.

    The events are kept as the engine recorded them (``raw``); ``events``, ``lines``,
    ``changes`` and ``step_frames`` are computed from them on first use and cached, so
    tracing pays only for recording.
    """

    source: str
    """The traced program text; line numbers refer to it."""
    entry: str | None
    """Function called (``None``: whole-program trace of the module)."""
    call: str | None
    """Argument text of the call, as in ``entry(<call>)``."""
    raw: tuple[RawEvent, ...] = field(repr=False)
    """All events in order, as tuples of ``Event``'s fields (empty when streamed)."""
    steps: int
    """Number of steps (equals ``len(lines)`` unless streamed)."""
    return_value: Snapshot | None
    """Snapshot of the entry's return value (``None`` if it raised or was cut)."""
    exception: ExceptionInfo | None
    stdout: str
    """All text the traced part wrote to stdout (bounded by ``max_stdout``)."""
    cut: Cut | None = None
    whole_program: bool = False
    """The module body was traced too (else only the call)."""
    streamed: bool = False
    """Events went to a writer; load the file for them."""
    python: str = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    schema_version: int = TRACE_SCHEMA_VERSION

    @cached_property
    def events(self) -> tuple[Event, ...]:
        """All events in order (empty when the trace was streamed to a writer)."""
        return tuple(Event(*raw) for raw in self.raw)

    @cached_property
    def lines(self) -> tuple[int, ...]:
        """Line number of each step (``line`` event), in order."""
        return tuple(raw[4] for raw in self.raw if raw[0] == "line")

    @cached_property
    def _views(self) -> tuple[tuple[Mapping[str, Snapshot | None], ...], tuple[int, ...]]:
        _lines, changes, frames = step_views(self.raw)
        return changes, frames

    @property
    def changes(self) -> tuple[Mapping[str, Snapshot | None], ...]:
        """Per step: locals of the step's frame that changed by executing that line
        (observed at the frame's later events up to its next line/return; ``None`` = deleted)."""
        return self._views[0]

    @property
    def step_frames(self) -> tuple[int, ...]:
        """Per step: the frame number it ran in."""
        return self._views[1]

    @property
    def status(self) -> str:
        """``ok``, ``error`` (an exception escaped) or ``cut`` (a limit stopped it)."""
        if self.cut is not None:
            return "cut"
        return "error" if self.exception is not None else "ok"

    @property
    def return_text(self) -> str | None:
        """The return value as text (a Python literal when one exists)."""
        return None if self.return_value is None else self.return_value["repr"]


def step_views(
    raw: Iterable[RawEvent],
) -> tuple[tuple[int, ...], tuple[Mapping[str, Snapshot | None], ...], tuple[int, ...]]:
    """Per-step lines, after-line changes and frames, from the raw event stream.

    Events carry the changes *observed* at them (the effect of the frame's previous line);
    a step's after-line changes are the union of what its frame's later events observed up
    to and including the frame's next ``line`` or ``return``.
    """
    lines: list[int] = []
    frames: list[int] = []
    changes: list[dict[str, Snapshot | None]] = []
    open_step: dict[int, int] = {}
    for kind, _step, frame, _depth, line, _func, delta, _value, _out, _raised in raw:
        if delta:
            pending = open_step.get(frame)
            if pending is not None:
                changes[pending].update(delta)
        if kind == "line":
            open_step[frame] = len(lines)
            lines.append(line)
            frames.append(frame)
            changes.append({})
        elif kind == "return":
            # a yield does not end the step: ``x = yield v`` completes after the resume
            open_step.pop(frame, None)
    return tuple(lines), tuple(changes), tuple(frames)

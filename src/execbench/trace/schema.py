"""The on-disk trace format (version ``TRACE_SCHEMA_VERSION`` = 1) and its JSON views.

File: gzip-compressed JSON Lines, written while tracing (``TraceWriter`` is the tracer's
sink, so a long trace never sits in memory), read back with ``load_trace``.

Line 1, the header::

    {"format": "execbench-trace", "version": 1, "python": "3.11.7", "source": "...",
     "entry": "f" | null, "call": "1, 2" | null, "whole_program": false}

Then one line per event, in the order the interpreter reported them; absent keys are
null/false::

    {"k": kind,        # call | line | return | exception | yield | resume
     "s": step,        # line: its 0-based step index; others: steps so far
     "f": frame,       # per-trace frame number
     "d": depth,       # traced frames below it on its thread's stack
     "l": line,        # 1-based line of the source
     "fn": func,       # code name of the frame
     "v": delta,       # {name: snapshot | null} locals changed since the frame's
                       #   previous event (call: the arguments; null: deleted)
     "x": value,       # return/yield: snapshot; exception: {"type", "message"}
     "o": stdout,      # text written since the previous event
     "r": true}        # return only: the frame was left by an exception

Last line, the footer::

    {"end": {"steps": n, "return": snapshot | null, "exception": {type, message, line,
     phase} | null, "cut": {reason, limit, step} | null, "stdout": "..."}}

A file without the footer was interrupted; it loads with ``cut.reason == "incomplete"``.
Snapshots are described in :mod:`execbench.trace.snapshot`. Readers refuse a newer
``version`` with a ``UserError`` that says to upgrade execbench.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO, Any

from execbench.errors import UserError
from execbench.trace.facts import coverage
from execbench.trace.types import (
    TRACE_SCHEMA_VERSION,
    Cut,
    Event,
    ExceptionInfo,
    RawEvent,
    Trace,
)

__all__ = [
    "TraceWriter",
    "load_trace",
    "trace_to_json",
    "event_to_json",
    "trace_records",
    "trace_from_records",
    "FORMAT_NAME",
]

FORMAT_NAME = "execbench-trace"


def event_to_json(raw: RawEvent | Event) -> dict[str, Any]:
    """The compact JSON object of one event (see the module docstring)."""
    if isinstance(raw, Event):
        raw = (
            raw.kind,
            raw.step,
            raw.frame,
            raw.depth,
            raw.line,
            raw.func,
            raw.delta,  # type: ignore[assignment]
            raw.value,
            raw.stdout,
            raw.raised,
        )
    kind, step, frame, depth, line, func, delta, value, out, raised = raw
    obj: dict[str, Any] = {"k": kind, "s": step, "f": frame, "d": depth, "l": line, "fn": func}
    if delta:
        obj["v"] = delta
    if value is not None:
        obj["x"] = value
    if out:
        obj["o"] = out
    if raised:
        obj["r"] = True
    return obj


class TraceWriter:
    """Streams a trace to ``path`` as the tracer reports events (pass it as ``sink``)."""

    def __init__(
        self,
        path: str | Path,
        source: str,
        entry: str | None,
        call: str | None,
        *,
        whole_program: bool = False,
        python: str | None = None,
    ) -> None:
        self.path = Path(path)
        try:
            self._fh: IO[str] = gzip.open(self.path, "wt", encoding="utf-8", compresslevel=5)
        except OSError as exc:
            raise UserError(
                f"cannot write the trace to {self.path}: {exc.strerror}; choose a writable path"
            ) from None
        header = _header_of(source, entry, call, whole_program, python or Trace.python)
        self._fh.write(json.dumps(header) + "\n")

    def __call__(self, raw: RawEvent) -> None:
        self._fh.write(json.dumps(event_to_json(raw), separators=(",", ":")) + "\n")

    def close(self, trace: Trace | None = None) -> None:
        """Write the footer (from the finished trace) and close the file."""
        if self._fh.closed:
            return
        if trace is not None:
            self._fh.write(json.dumps({"end": _end_of(trace)}) + "\n")
        self._fh.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def load_trace(path: str | Path) -> Trace:
    """Read a trace file written by ``TraceWriter``."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            first = fh.readline()
            header = _header(first, path)
            events: list[Event] = []
            end: dict[str, Any] | None = None
            for text in fh:
                obj = json.loads(text)
                if "end" in obj:
                    end = obj["end"]
                    break
                events.append(
                    Event(
                        obj["k"],
                        obj["s"],
                        obj["f"],
                        obj["d"],
                        obj["l"],
                        obj["fn"],
                        obj.get("v"),
                        obj.get("x"),
                        obj.get("o"),
                        obj.get("r", False),
                    )
                )
    except FileNotFoundError:
        raise UserError(f"trace file {path} does not exist; check the path") from None
    except (OSError, EOFError, json.JSONDecodeError, KeyError, TypeError, RecursionError) as exc:
        raise UserError(
            f"{path} is not a readable execbench trace ({type(exc).__name__}: {exc}); "
            "write it with execbench's TraceWriter"
        ) from None
    return _from_parts(header, events, end)


def trace_records(trace: Trace) -> dict[str, Any]:
    """The whole trace as one JSON-able object (header, events, end), as in the file."""
    return {
        "header": _header_of(trace.source, trace.entry, trace.call, trace.whole_program, trace.python),
        "events": [event_to_json(ev) for ev in trace.events],
        "end": _end_of(trace),
    }


def trace_from_records(records: dict[str, Any]) -> Trace:
    """Inverse of ``trace_records`` (checks the schema version)."""
    header = _header(json.dumps(records.get("header")), Path("<records>"))
    events = [
        Event(
            o["k"],
            o["s"],
            o["f"],
            o["d"],
            o["l"],
            o["fn"],
            o.get("v"),
            o.get("x"),
            o.get("o"),
            o.get("r", False),
        )
        for o in records.get("events", [])
    ]
    return _from_parts(header, events, records.get("end"))


def _header_of(
    source: str, entry: str | None, call: str | None, whole_program: bool, python: str
) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": TRACE_SCHEMA_VERSION,
        "python": python,
        "source": source,
        "entry": entry,
        "call": call,
        "whole_program": whole_program or entry is None,
    }


def _end_of(trace: Trace) -> dict[str, Any]:
    return {
        "steps": trace.steps,
        "return": trace.return_value,
        "exception": trace.exception.to_json() if trace.exception else None,
        "cut": trace.cut.to_json() if trace.cut else None,
        "stdout": trace.stdout,
    }


def _from_parts(header: dict[str, Any], events: list[Event], end: dict[str, Any] | None) -> Trace:
    if end is None:
        n = sum(1 for e in events if e.kind == "line")
        end = {
            "steps": n,
            "cut": {"reason": "incomplete", "limit": 0, "step": n},
            "stdout": "".join(e.stdout or "" for e in events),
        }
    exc_obj = end.get("exception")
    cut_obj = end.get("cut")
    return Trace(
        source=header["source"],
        entry=header.get("entry"),
        call=header.get("call"),
        raw=tuple(
            (e.kind, e.step, e.frame, e.depth, e.line, e.func, e.delta, e.value, e.stdout, e.raised)
            for e in events
        ),
        steps=int(end.get("steps", 0)),
        return_value=end.get("return"),
        exception=ExceptionInfo(**exc_obj) if exc_obj else None,
        stdout=end.get("stdout", ""),
        cut=Cut(**cut_obj) if cut_obj else None,
        whole_program=bool(header.get("whole_program")),
        python=header.get("python", "?"),
        schema_version=header["version"],
    )


def _header(first: str, path: Path) -> dict[str, Any]:
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise UserError(
            f"{path} is not an execbench trace (no header line); write it with execbench's TraceWriter"
        )
    version = header.get("version")
    if not isinstance(version, int) or version > TRACE_SCHEMA_VERSION:
        raise UserError(
            f"{path} uses trace schema version {version}, newer than this execbench "
            f"reads ({TRACE_SCHEMA_VERSION}); upgrade execbench to read it"
        )
    return header


def trace_to_json(trace: Trace, *, states: bool = True, events: bool = False) -> dict[str, Any]:
    """The one-document JSON view used by ``execbench trace --json`` and ``--batch``.

    ``states`` is, per step, the line, frame, depth and the frame's locals (name -> text)
    after that line ran.
    """
    doc: dict[str, Any] = {
        "schema_version": trace.schema_version,
        "status": trace.status,
        "entry": trace.entry,
        "call": trace.call,
        "lines": list(trace.lines),
        "steps": trace.steps,
        "return": trace.return_text,
        "exception": trace.exception.to_json() if trace.exception else None,
        "cut": trace.cut.to_json() if trace.cut else None,
        "stdout": trace.stdout,
        "coverage": _coverage_or_none(trace),
        "python": trace.python,
    }
    if states:
        doc["states"] = _states(trace)
    if events:
        doc["events"] = [event_to_json(ev) for ev in trace.events]
    return doc


def _coverage_or_none(trace: Trace) -> dict[str, Any] | None:
    try:
        return coverage(trace).to_json()
    except (SyntaxError, ValueError):
        return None


def _states(trace: Trace) -> list[dict[str, Any]]:
    frame_state: dict[int, dict[str, str]] = {}
    out: list[dict[str, Any]] = []
    for ev in trace.events:
        state = frame_state.setdefault(ev.frame, {})
        if ev.delta:
            _apply(state, ev.delta)
        if ev.kind == "line":
            after = dict(state)
            _apply(after, trace.changes[ev.step])
            out.append(
                {"step": ev.step, "line": ev.line, "frame": ev.frame, "depth": ev.depth, "locals": after}
            )
    return out


def _apply(state: dict[str, str], delta: Any) -> None:
    for name, snap in delta.items():
        if snap is None:
            state.pop(name, None)
        else:
            state[name] = snap["repr"]

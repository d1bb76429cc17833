"""The probe: trace one call inside the sandbox and reduce the trace to the facts tasks need.

Runs as the sandbox runner ``execbench.tasks._probe:probe`` (preloaded in warm workers).
The full trace stays in the sandbox; only a compact, JSON-able :class:`CallFacts` payload
crosses back: status, output snapshot text, exception type, the (frame, line) of every
step, and the answers to the state questions asked (REval semantics, see
:mod:`execbench.tasks.revalstate`), resolved from the tracer's snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from execbench.tasks.revalstate import merged_steps, needed_steps, resolve
from execbench.trace.api import trace_call
from execbench.trace.types import Event, Trace, TraceLimits

__all__ = ["probe", "PROBE_RUNNER", "PROBE_LIMITS", "facts_payload"]

PROBE_RUNNER = "execbench.tasks._probe:probe"

#: A task about a call longer than this is not a fair question; such calls are dropped.
PROBE_LIMITS = TraceLimits(max_steps=20_000, max_time=5.0)


def _locals_at(events: Sequence[Event], wanted_events: set[int]) -> dict[int, dict[str, Any]]:
    """Locals (snapshots) of the frame of each wanted line event, replayed from the deltas."""
    frames: dict[int, dict[str, Any]] = {}
    out: dict[int, dict[str, Any]] = {}
    step = -1
    for ev in events:
        if ev.delta:
            current = frames.setdefault(ev.frame, {})
            for name, snap in ev.delta.items():
                if snap is None:
                    current.pop(name, None)
                else:
                    current[name] = snap
        if ev.kind == "line":
            step += 1
            if step in wanted_events:
                out[step] = dict(frames.get(ev.frame, {}))
    return out


def _states(trace: Trace, queries: Sequence[tuple[int, str]]) -> dict[str, Any]:
    steps = merged_steps(trace.lines)
    per_line = {line: needed_steps(steps, line) for line in {q[0] for q in queries}}
    wanted = {steps[i][1] for idxs in per_line.values() for i in idxs}
    locals_by_event = _locals_at(trace.events, wanted)
    answers: dict[str, Any] = {}
    for line, var in queries:
        states = [locals_by_event[steps[i][1]] for i in per_line[line]]
        answers[f"{line}|{var}"] = resolve(var, states)
    return answers


def facts_payload(trace: Trace, queries: Sequence[tuple[int, str]] = ()) -> dict[str, Any]:
    """The JSON payload of :class:`execbench.tasks.facts.CallFacts` for one trace."""
    exc = trace.exception
    if exc is not None and exc.phase != "call":
        return {"status": "error", "detail": f"{exc.phase}: {exc.type}: {exc.message}"[:500]}
    payload: dict[str, Any] = {
        "status": "raised" if exc is not None else "returned",
        "events": [[frame, line] for frame, line in zip(trace.step_frames, trace.lines, strict=True)],
        "truncated": trace.cut is not None,
    }
    if exc is not None:
        payload["exception"] = exc.type
    elif trace.cut is not None:
        payload["status"] = "cut"
    else:
        value = trace.return_value or {}
        payload["output"] = value.get("repr")
        payload["output_literal"] = bool(value) and value.get("literal", True) is not False and not value.get("cut")
    if trace.cut is None and queries:
        payload["states"] = _states(trace, queries)
    return payload


def probe(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner: ``args = {"entry", "args", "queries": [[line, var], ...]}``."""
    queries = [(int(line), str(var)) for line, var in args.get("queries", [])]
    try:
        trace = trace_call(code, str(args["entry"]), str(args.get("args", "")), limits=PROBE_LIMITS)
    except Exception as exc:  # a bad entry or call text: the program cannot be asked about
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:500]}
    return facts_payload(trace, queries)

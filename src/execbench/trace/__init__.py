"""The exact tracer: what a program did, line by line, with the state after each line.

Public surface::

    trace_call(code, entry, call, *, limits=TraceLimits(), record_states=True) -> Trace
    trace_program(code, ...) -> Trace            # whole module body
    trace_many(calls, pool=None) -> list[TraceResult]   # sandboxed, for untrusted code
    Trace, Event, ExceptionInfo, Cut, TraceLimits, SnapshotLimits
    state_at / state_after / coverage / branches / loops / next_lines / blocks / ...
    TraceWriter, load_trace, trace_to_json, TRACE_SCHEMA_VERSION

Only ``sys.settrace`` is used (see ``engine``): it is the one engine on 3.11 and still
correct on 3.12+, where ``sys.monitoring`` would need a separate, equally exact engine.
"""

from __future__ import annotations

from execbench.trace.api import trace_call, trace_program
from execbench.trace.snapshot import Snapshot, SnapshotLimits
from execbench.trace.types import (
    TRACE_SCHEMA_VERSION,
    Cut,
    Event,
    ExceptionInfo,
    Trace,
    TraceLimits,
)

__all__ = [
    "TRACE_SCHEMA_VERSION",
    "Cut",
    "Event",
    "ExceptionInfo",
    "Snapshot",
    "SnapshotLimits",
    "Trace",
    "TraceLimits",
    "trace_call",
    "trace_program",
]

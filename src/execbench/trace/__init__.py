"""The exact tracer: what a program did, line by line, with the state after each line.

Public surface::

    trace_call(code, entry, call, *, limits=TraceLimits(), record_states=True, engine=None) -> Trace
    trace_program(code, ...) -> Trace                    # the whole module body
    trace_many(calls, pool=None) -> list[TraceResult]    # sandboxed, for untrusted code
    Trace, Event, ExceptionInfo, Cut, TraceLimits, SnapshotLimits, TraceCall, TraceResult
    state_at, state_after, hit_counts, coverage, executable_lines, branches, loops,
    next_lines, blocks, block_runs, compress_loops
    TraceWriter, load_trace, trace_to_json, TRACE_SCHEMA_VERSION

Engines (chosen in one place, ``engine._choose_engine``), all recording the same events
and states (the tests compare them on the datasets): ``monitor`` (3.12+), the C engine fed
by ``sys.monitoring`` callbacks mapped to settrace's events as CPython's own settrace layer
maps them (the tool id is held across runs, ``monitoring.release()`` gives it back); ``ctrace``, the same C engine fed by settrace's C hook (3.11); ``settrace``, the
rules in Python (``diffing.py``, ``engine.py``), used where the C extension is not built.
``EXECBENCH_TRACER=<name>`` forces one. Interpreter differences are named in
``pybehavior``.
"""

from __future__ import annotations

from execbench.trace.api import trace_call, trace_program
from execbench.trace.cfg import Block, BlockRun, block_runs, blocks
from execbench.trace.facts import (
    Branch,
    Coverage,
    LoopRun,
    branches,
    coverage,
    executable_lines,
    hit_counts,
    loops,
    next_lines,
    state_after,
    state_at,
)
from execbench.trace.render import compress_loops
from execbench.trace.sandboxed import TraceCall, TraceResult, trace_many
from execbench.trace.schema import TraceWriter, load_trace, trace_to_json
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
    "Block",
    "BlockRun",
    "Branch",
    "Coverage",
    "Cut",
    "Event",
    "ExceptionInfo",
    "LoopRun",
    "Snapshot",
    "SnapshotLimits",
    "Trace",
    "TraceCall",
    "TraceLimits",
    "TraceResult",
    "TraceWriter",
    "block_runs",
    "blocks",
    "branches",
    "compress_loops",
    "coverage",
    "executable_lines",
    "hit_counts",
    "load_trace",
    "loops",
    "next_lines",
    "state_after",
    "state_at",
    "trace_call",
    "trace_many",
    "trace_program",
    "trace_to_json",
]

"""Tracing untrusted code: the tracer runs inside the sandbox, next to the program.

``run_traced`` is the sandbox runner (``"execbench.trace.sandboxed:run_traced"``): the warm
worker has already imported execbench.trace, so each call costs a fork. It returns the whole
trace as JSON records; the host rebuilds the ``Trace`` from them without running anything.
``trace_many`` sends a batch through a ``SandboxPool`` and gives one ``TraceResult`` per call,
in input order: a program that loops in C code, exhausts memory or kills itself yields a
result whose ``status`` says so (``timeout``, ``memory``, ``crashed``...), never a gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from execbench.errors import UserError
from execbench.sandbox import ExecRequest, ExecResult, Limits, SandboxPool, Status
from execbench.trace.api import trace_call
from execbench.trace.schema import trace_from_records, trace_records, trace_to_json
from execbench.trace.snapshot import SnapshotLimits
from execbench.trace.types import Trace, TraceLimits

__all__ = ["RUNNER", "TraceCall", "TraceResult", "run_traced", "trace_many", "result_to_json"]

RUNNER = "execbench.trace.sandboxed:run_traced"
#: Seconds the sandbox adds to the tracer's own ``max_time`` before killing the run
#: (the tracer stops cleanly first when it can; the sandbox catches what it cannot).
_GRACE = 2.0
_MAX_MESSAGE = 4000


@dataclass(frozen=True)
class TraceCall:
    """One call to trace: the program, the function and its argument text."""

    code: str
    entry: str | None
    call: str = ""
    id: str | None = None
    whole: bool = False
    """With ``entry``: trace the module body too (``trace_call(whole_program=True)``)."""


@dataclass(frozen=True)
class TraceResult:
    """What happened to one traced call."""

    status: str
    """``ok``/``error``/``cut`` (the trace's status), or the sandbox's verdict when no
    trace came back: ``timeout``, ``memory``, ``crashed``, ``killed``, ``output_limit``,
    ``failed`` (the tracer itself was defeated), ``sandbox_error``; ``invalid`` when the
    call could not be set up (no such function, bad argument text)."""
    trace: Trace | None
    message: str | None = None
    """Why there is no trace, when there is none."""
    wall_time: float = 0.0
    id: str | None = None


def run_traced(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner: trace ``entry(<call>)`` in this (sandboxed) process."""
    limits = _limits_from(args.get("limits") or {})
    try:
        trace = trace_call(
            code,
            args.get("entry"),
            args.get("call", ""),
            limits=limits,
            record_states=bool(args.get("states", True)),
            whole_program=bool(args.get("whole", False)),
        )
    except UserError as exc:
        return {"invalid": str(exc)}
    return trace_records(trace)


def _limits_from(obj: Mapping[str, Any]) -> TraceLimits:
    snap = SnapshotLimits(**obj.get("snapshot", {}))
    rest = {k: v for k, v in obj.items() if k != "snapshot"}
    return TraceLimits(**rest, snapshot=snap)


def trace_many(
    calls: Iterable[TraceCall | Mapping[str, Any]],
    pool: SandboxPool | None = None,
    *,
    limits: TraceLimits | None = None,
    states: bool = True,
    memory_bytes: int | None = 4 * 1024**3,
    timeout: float | None = None,
) -> list[TraceResult]:
    """Trace each call in the sandbox (in parallel over ``pool``); results in input order.

    Calls are ``TraceCall`` or mappings with ``code``, ``entry``, ``call`` (and ``id``).
    Without a pool, a temporary one is started and closed. ``timeout`` is the sandbox's
    wall-clock limit per call (default: the tracer's ``max_time`` plus 2 s, so the tracer
    stops a looping program cleanly first; the sandbox ends what the tracer cannot see,
    such as a loop inside C code or a one-line ``while True: pass`` that reports no lines).
    """
    limits = limits or TraceLimits(max_time=5.0)
    lim = asdict(limits)
    requests = []
    for i, item in enumerate(calls):
        tc = (
            item
            if isinstance(item, TraceCall)
            else TraceCall(
                code=item["code"],
                entry=item.get("entry"),
                call=item.get("call", ""),
                id=item.get("id"),
                whole=bool(item.get("whole", False)),
            )
        )
        requests.append(
            ExecRequest(
                code=tc.code,
                runner=RUNNER,
                args={"entry": tc.entry, "call": tc.call, "limits": lim, "states": states, "whole": tc.whole},
                limits=Limits(
                    timeout=timeout if timeout is not None else limits.max_time + _GRACE,
                    memory_bytes=memory_bytes,
                    output_bytes=16 * 1024,
                    # the trace crosses as the report, which counts against this limit
                    output_kill_bytes=2 * limits.max_bytes + 16 * 1024**2,
                ),
                id=tc.id if tc.id is not None else str(i),
            )
        )
    if not requests:
        return []
    if pool is None:
        with SandboxPool() as own:
            results = own.map(requests)
    else:
        results = pool.map(requests)
    return [_to_result(res, req.id) for res, req in zip(results, requests, strict=True)]


def _to_result(res: ExecResult, rid: str | None) -> TraceResult:
    if res.status is Status.PASSED and isinstance(res.payload, dict):
        if "invalid" in res.payload:
            return TraceResult(
                "invalid", None, str(res.payload["invalid"])[:_MAX_MESSAGE], res.wall_time, rid
            )
        try:
            # untrusted input: the traced program may have patched the tracer in its process
            trace = trace_from_records(res.payload)
            json.dumps(trace_to_json(trace, states=True, events=True))  # renders and encodes: well-formed
        except (UserError, Exception) as exc:  # noqa: BLE001 - any malformed payload is the program's failure
            return TraceResult(
                "failed", None, f"unreadable trace from the sandbox: {exc}"[:_MAX_MESSAGE], res.wall_time, rid
            )
        return TraceResult(trace.status, trace, None, res.wall_time, rid)
    if res.status is Status.PASSED:
        return TraceResult("failed", None, "the sandbox returned no trace", res.wall_time, rid)
    message = res.exception_message or res.status.value
    if res.exception_type:
        message = f"{res.exception_type}: {message}"
    return TraceResult(res.status.value, None, message, res.wall_time, rid)


def result_to_json(result: TraceResult, *, states: bool = True) -> dict[str, Any]:
    """One ``--batch`` output line: the ``--json`` document plus ``status``/``id``/``message``."""
    if result.trace is not None:
        doc = trace_to_json(result.trace, states=states)
    else:
        doc = {
            "lines": [],
            "steps": 0,
            "return": None,
            "exception": None,
            "cut": None,
            "stdout": "",
            "coverage": None,
        }
        if states:
            doc["states"] = []
    doc["status"] = result.status
    doc["id"] = result.id
    if result.message is not None:
        doc["message"] = result.message
    return doc

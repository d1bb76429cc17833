"""Send batches of (program, entry, inputs) to the sandbox runner and read back plain data.

One :class:`Job` is one execution of :func:`execbench.plus.runner.run_inputs`. A job
whose child dies (a crash, the memory cap, the overall time limit) gets a ``Batch`` with
``load_error`` naming the sandbox status and the inputs it did report nothing for: a
program's failure is a verdict, never a crash of execbench.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from execbench.compat.execute import COMPAT_PRELOAD
from execbench.sandbox.types import ExecRequest, ExecResult, Limits, Status

__all__ = ["RUNNER", "Job", "Batch", "run_jobs", "open_pool", "record_test_calls"]

RUNNER = "execbench.plus.runner:run_inputs"
RECORDER = "execbench.plus.runner:record_calls"


@dataclass(frozen=True)
class Job:
    code: str
    entry: str
    inputs: tuple[str, ...]
    features: bool = False
    count: bool = False
    timeout: float = 1.0
    """Seconds per input (the runner's alarm)."""
    total: float = 30.0
    """Seconds for the whole batch, after which the rest count as timed out."""
    max_lines: int = 200_000
    contract: str | None = None
    groups: tuple[int, ...] | None = None
    """Ladder groups for performance inputs (see the runner); with ``target`` instructions."""
    target: int = 0
    max_cost: int = 50_000_000
    max_out: int = 20_000
    """Characters of one output's literal text (performance inputs allow larger ones)."""
    perm: tuple[int, ...] = ()
    """Argument positions to reorder (the runner's ``perm_varies``: ties)."""


@dataclass(frozen=True)
class Batch:
    load_error: str | None
    results: tuple[dict[str, Any], ...]
    """One row per input the runner reached, in order (see the runner's docstring)."""


def open_pool(workers: int | None = None) -> Any:
    from execbench.sandbox import SandboxPool

    return SandboxPool(workers=workers or os.cpu_count() or 1, preload=tuple(COMPAT_PRELOAD) + ("ast",))


def _request(job: Job, ident: int) -> ExecRequest:
    wall = min(job.total, job.timeout * max(1, len(job.inputs))) + 5.0
    return ExecRequest(
        code=job.code,
        runner=RUNNER,
        args={
            "entry": job.entry,
            "inputs": list(job.inputs),
            "features": job.features,
            "count": job.count,
            "timeout": job.timeout,
            "total": job.total,
            "max_lines": job.max_lines,
            "contract": job.contract,
            "groups": list(job.groups) if job.groups is not None else None,
            "target": job.target,
            "max_cost": job.max_cost,
            "max_out": job.max_out,
            "perm": list(job.perm),
        },
        limits=Limits(timeout=wall, cpu_time=wall + 1.0, output_bytes=4096),
        id=str(ident),
    )


def _batch(result: ExecResult) -> Batch:
    payload = result.payload
    if result.status is Status.PASSED and isinstance(payload, dict):
        rows = payload.get("results")
        if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
            error = payload.get("load_error")
            return Batch(str(error) if error else None, tuple(_clean(r) for r in rows))
        return Batch("unreadable runner result", ())
    message = result.status.value
    if result.exception_type:
        message += f" ({result.exception_type})"
    return Batch(f"sandbox: {message}", ())


_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "out": (str, type(None)),
    "error": (str,),
    "kind": (str,),
    "cost": (int,),
    "tampered": (bool,),
    "features": (list,),
    "perm_varies": (list,),
}


def _typed(key: str, value: Any) -> bool:
    if key not in _TYPES:
        return False
    if key == "tampered":
        return type(value) is bool
    return isinstance(value, _TYPES[key]) and type(value) is not bool


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Only the runner's fields, with their types: the payload comes from the program's process,
    so a forged one must not crash the host (a malformed row just fails)."""
    out = {k: v for k, v in row.items() if _typed(k, v)}
    if out.get("cost", 0) < 0:
        out.pop("cost")
    if "features" in out:
        out["features"] = [f for f in out["features"] if isinstance(f, str)]
    if "perm_varies" in out:
        out["perm_varies"] = [p for p in out["perm_varies"] if type(p) is int]
    if out.get("status") == "ok" and "out" not in out:
        out["status"] = "invalid"
    return out


def run_jobs(pool: Any, jobs: Sequence[Job]) -> list[Batch]:
    """Every job's batch, in order; sandbox errors (not the program's fault) are retried once."""
    if not jobs:
        return []
    requests = [_request(job, i) for i, job in enumerate(jobs)]
    results: list[ExecResult] = list(pool.map(requests))
    failed = [i for i, r in enumerate(results) if r.status is Status.SANDBOX_ERROR]
    if failed:
        for i, r in zip(failed, pool.map([requests[i] for i in failed]), strict=True):
            results[i] = r
    return [_batch(r) for r in results]


def record_test_calls(
    pool: Any, items: Sequence[tuple[str, str, str, bool]], limit: int = 50
) -> list[list[str]]:
    """Per ``(code, entry, test, call_check)``: the argument lists (literal text) the test code
    passes to the entry point, recorded in the sandbox (:func:`execbench.plus.runner.record_calls`).
    A test that fails or a child that dies gives what was recorded, or nothing."""
    requests = [
        ExecRequest(
            code=code,
            runner=RECORDER,
            args={"entry": entry, "test": test, "call_check": call_check, "limit": limit, "timeout": 20.0},
            limits=Limits(timeout=30.0, cpu_time=31.0, output_bytes=4096),
            id=str(i),
        )
        for i, (code, entry, test, call_check) in enumerate(items)
    ]
    out: list[list[str]] = []
    for result in pool.map(requests) if requests else []:
        payload = result.payload if result.status is Status.PASSED else None
        calls = payload.get("calls") if isinstance(payload, dict) else None
        out.append([c for c in calls if isinstance(c, str)] if isinstance(calls, list) else [])
    return out

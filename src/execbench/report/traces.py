"""Tracing the calls a report links to (in the sandbox) and writing viewer data files.

A trace file is ``traces/t<N>.js`` (the head: per-step arrays, source, marks, folds) plus
``traces/t<N>-<k>.js`` chunks of execution-order rows; each is a script calling
``EBViewer.head``/``EBViewer.rows``, because a page opened from the file system may load
scripts but not fetch files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from execbench.report.viewerdata import ROWS_PER_CHUNK, viewer_data
from execbench.trace.types import Trace, TraceLimits

__all__ = ["trace_calls", "write_trace", "js_call"]


def _js_arg(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, list | dict):
        # a string for JSON.parse: browsers parse JSON several times faster than the same
        # data written as a JavaScript literal (4-5x here on a 100,000-step trace)
        return f"JSON.parse({json.dumps(text, ensure_ascii=False)})"
    return text


def js_call(func: str, *args: Any) -> str:
    """``func(arg, ...);`` with JSON arguments: a data file a file:// page can load."""
    return f"{func}({','.join(_js_arg(a) for a in args)});\n"


def trace_calls(
    calls: Sequence[tuple[str, str, str]], *, max_steps: int = 100_000, workers: int | None = None
) -> list[tuple[Trace | None, str]]:
    """Trace each (program, entry, args) in the sandbox: (trace or None, why not)."""
    from execbench.sandbox import SandboxPool
    from execbench.trace.sandboxed import trace_many

    if not calls:
        return []
    limits = TraceLimits(max_steps=max_steps, max_time=5.0)
    out: list[tuple[Trace | None, str]] = []
    with SandboxPool(workers=workers) as pool:
        for start in range(0, len(calls), 256):
            chunk = [{"code": c, "entry": e, "call": a} for c, e, a in calls[start : start + 256]]
            for result in trace_many(chunk, pool, limits=limits):
                out.append((result.trace, "" if result.trace else f"{result.status}: {result.message or ''}"))
    return out


def write_trace(folder: Path, index: int, trace: Trace, *, title: str = "") -> None:
    """Write the viewer files of one trace into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = viewer_data(trace, title=title)
    rows = doc.pop("rows")
    chunks = [rows[i : i + ROWS_PER_CHUNK] for i in range(0, len(rows), ROWS_PER_CHUNK)]
    doc["chunks"] = len(chunks)
    doc["chunk"] = ROWS_PER_CHUNK
    (folder / f"t{index}.js").write_text(js_call("EBViewer.head", doc), encoding="utf-8")
    for k, part in enumerate(chunks):
        (folder / f"t{index}-{k}.js").write_text(js_call("EBViewer.rows", k, part), encoding="utf-8")

"""The trace file: streamed writing, loading, version checks, bounded memory at the cap."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from execbench.errors import UserError
from execbench.trace import (
    TRACE_SCHEMA_VERSION,
    TraceLimits,
    TraceWriter,
    load_trace,
    trace_call,
    trace_to_json,
)
from execbench.trace.schema import trace_from_records, trace_records

CODE = """\
def gen(n):
    for i in range(n):
        yield i

def f(xs):
    seen = {}
    for x in gen(len(xs)):
        seen[xs[x]] = x
        print(x)
    return seen
"""


def test_streamed_file_loads_back_to_the_same_trace(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    in_memory = trace_call(CODE, "f", "'abca'")
    writer = TraceWriter(path, CODE, "f", "'abca'")
    streamed = trace_call(CODE, "f", "'abca'", sink=writer)
    writer.close(streamed)
    assert streamed.streamed and streamed.raw == () and streamed.steps == in_memory.steps
    loaded = load_trace(path)
    assert loaded.lines == in_memory.lines and loaded.changes == in_memory.changes
    assert loaded.return_value == in_memory.return_value and loaded.stdout == "0\n1\n2\n3\n"
    assert [e.kind for e in loaded.events] == [e.kind for e in in_memory.events]
    with gzip.open(path, "rt") as fh:
        header = json.loads(fh.readline())
        first = json.loads(fh.readline())
    assert header["format"] == "execbench-trace" and header["version"] == TRACE_SCHEMA_VERSION
    assert header["source"] == CODE and first["k"] == "call" and first["fn"] == "f"


def test_records_round_trip() -> None:
    trace = trace_call(CODE, "f", "'ab'")
    back = trace_from_records(json.loads(json.dumps(trace_records(trace))))
    assert back.lines == trace.lines and back.events == trace.events and back.exception == trace.exception


def test_json_document_fields() -> None:
    doc = trace_to_json(trace_call(CODE, "f", "'ab'"))
    assert {"lines", "return", "exception", "steps", "coverage", "states", "status"} <= set(doc)
    assert doc["return"] == "{'a': 0, 'b': 1}" and doc["steps"] == len(doc["lines"]) == len(doc["states"])
    assert doc["states"][-1]["locals"]["seen"] == "{'a': 0, 'b': 1}"
    json.dumps(doc)


def test_bad_files_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_trace(tmp_path / "missing.jsonl.gz")
    junk = tmp_path / "junk.gz"
    with gzip.open(junk, "wt") as fh:
        fh.write("not json\n")
    with pytest.raises(UserError, match="not an execbench trace"):
        load_trace(junk)
    newer = tmp_path / "newer.gz"
    with gzip.open(newer, "wt") as fh:
        fh.write(json.dumps({"format": "execbench-trace", "version": TRACE_SCHEMA_VERSION + 1, "source": ""}))
    with pytest.raises(UserError, match="upgrade execbench"):
        load_trace(newer)
    plain = tmp_path / "plain.txt"
    plain.write_text("hello")
    with pytest.raises(UserError, match="not a readable execbench trace"):
        load_trace(plain)


def test_interrupted_file_loads_as_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    writer = TraceWriter(path, CODE, "f", "'ab'")
    trace_call(CODE, "f", "'ab'", sink=writer)
    writer.close()  # no footer
    loaded = load_trace(path)
    assert loaded.cut is not None and loaded.cut.reason == "incomplete" and loaded.steps == len(loaded.lines)


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_million_steps_stop_at_the_cap_with_bounded_memory() -> None:
    """Streaming to a sink, the tracer's own memory stays flat over 1,000,000 steps (before
    its caches were bounded, this program grew the process by ~180 MB)."""
    loop = "def f():\n    i = 0\n    while True:\n        i += 1\n"
    seen = 0
    start = _rss()
    peak = start

    def sink(_event: object) -> None:
        nonlocal seen, peak
        seen += 1
        if not seen & 0xFFFF:
            peak = max(peak, _rss())

    trace = trace_call(loop, "f", "", sink=sink, limits=TraceLimits(max_steps=1_000_000, max_time=600))
    assert trace.cut is not None and trace.cut.reason == "steps" and trace.steps == 1_000_000
    assert seen > 1_000_000
    assert peak - start < 48 * 1024**2, (peak - start) / 1024**2

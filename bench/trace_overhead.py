"""Tracing overhead on the 800 CRUXEval calls: untraced vs execbench vs PySnooper vs hunter.

    .venv/bin/python bench/trace_overhead.py [--repeats 5] [--data ../shared/data]

One job = what ``trace_call(code, "f", input)`` does: compile the program, run the module
body, evaluate the arguments, call ``f``. Every tool runs the same job over all 800
programs in this process; the tracers record the call (execbench with full states,
PySnooper's ``snoop`` on ``f``, hunter's ``VarsSnooper`` on the program's file name), their
text output going to an in-memory buffer. Each tool's total is repeated (inputs made afresh for each
repeat, outside the timing); medians are printed with ratios, and a second table times the call alone (programs compiled and
modules run beforehand), which is the tracer's own cost without compile. The last line is
one JSON object with the end-to-end medians in milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hunter
import pysnooper

from execbench.trace import trace_call

Job = tuple[str, str]  # (code, input)


def _capture(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


def _prepare(
    code: str, call: str, filename: str
) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    ns: dict[str, Any] = {"__name__": "__bench__"}
    exec(compile(code, filename, "exec"), ns)
    args, kwargs = eval(f"__c({call})", ns, {"__c": _capture})
    return ns["f"], args, kwargs


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        return exc


def run_untraced(jobs: list[Job]) -> None:
    for i, (code, call) in enumerate(jobs):
        fn, args, kwargs = _prepare(code, call, f"<bench-{i}>")
        _call(fn, args, kwargs)


def run_execbench(jobs: list[Job]) -> None:
    for code, call in jobs:
        trace_call(code, "f", call)


def run_pysnooper(jobs: list[Job]) -> None:
    buf = io.StringIO()
    for i, (code, call) in enumerate(jobs):
        fn, args, kwargs = _prepare(code, call, f"<bench-{i}>")
        _call(pysnooper.snoop(output=buf, color=False)(fn), args, kwargs)


def run_hunter(jobs: list[Job]) -> None:
    buf = io.StringIO()
    for i, (code, call) in enumerate(jobs):
        name = f"<bench-{i}>"
        fn, args, kwargs = _prepare(code, call, name)
        tracer = hunter.trace(filename=name, action=hunter.VarsSnooper(stream=buf))
        try:
            _call(fn, args, kwargs)
        finally:
            tracer.stop()


# -- call-only variants: programs compiled and modules run before timing ------------------


def _prepared(jobs: list[Job]) -> list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]]:
    return [(f"<bench-{i}>", *_prepare(code, call, f"<bench-{i}>")) for i, (code, call) in enumerate(jobs)]


def call_untraced(prepared: list[Any]) -> None:
    for _name, fn, args, kwargs in prepared:
        _call(fn, args, kwargs)


def call_execbench(prepared: list[Any]) -> None:
    from execbench.trace.engine import Recorder
    from execbench.trace.types import TraceLimits

    limits = TraceLimits()
    for name, fn, args, kwargs in prepared:
        rec = Recorder(name, limits)  # full states, as trace_call records them
        rec.run(fn, *args, **kwargs)
        tuple(rec.raw)


def call_pysnooper(prepared: list[Any]) -> None:
    buf = io.StringIO()
    for _name, fn, args, kwargs in prepared:
        _call(pysnooper.snoop(output=buf, color=False)(fn), args, kwargs)


def call_hunter(prepared: list[Any]) -> None:
    buf = io.StringIO()
    for name, fn, args, kwargs in prepared:
        tracer = hunter.trace(filename=name, action=hunter.VarsSnooper(stream=buf))
        try:
            _call(fn, args, kwargs)
        finally:
            tracer.stop()


def _time(fn: Callable[[Any], None], make_arg: Callable[[], Any], repeats: int) -> float:
    """Median milliseconds of ``fn(make_arg())``; the argument is made fresh for every
    repeat, outside the timing (some programs mutate their inputs, e.g. extend a list)."""
    times = []
    for _ in range(repeats):
        arg = make_arg()
        sink = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            fn(arg)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    opts = parser.parse_args()
    rows = [json.loads(line) for line in open(Path(opts.data) / "cruxeval" / "cruxeval.jsonl")]
    jobs = [(row["code"], row["input"]) for row in rows]
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))

    def same_jobs() -> list[Job]:
        return jobs

    def fresh_calls() -> list[Any]:
        with contextlib.redirect_stdout(io.StringIO()):
            return _prepared(jobs)

    end_to_end = {
        "untraced": _time(run_untraced, same_jobs, opts.repeats),
        "execbench": _time(run_execbench, same_jobs, opts.repeats),
        "pysnooper": _time(run_pysnooper, same_jobs, opts.repeats),
        "hunter": _time(run_hunter, same_jobs, opts.repeats),
    }
    call_only = {
        "untraced": _time(call_untraced, fresh_calls, opts.repeats),
        "execbench": _time(call_execbench, fresh_calls, opts.repeats),
        "pysnooper": _time(call_pysnooper, fresh_calls, opts.repeats),
        "hunter": _time(call_hunter, fresh_calls, opts.repeats),
    }
    for title, table in (
        ("end to end (compile + module + args + call)", end_to_end),
        ("call only (precompiled)", call_only),
    ):
        print(f"{title}: {len(jobs)} CRUXEval calls, median of {opts.repeats}")
        base = table["untraced"]
        for tool, ms in table.items():
            print(f"  {tool:<10} {ms:9.1f} ms  {ms / base:6.2f}x untraced")
        print(
            f"  execbench is {table['pysnooper'] / table['execbench']:.1f}x faster than PySnooper, "
            f"{table['hunter'] / table['execbench']:.1f}x faster than hunter"
        )
    print(json.dumps({f"{tool}_ms": round(ms, 1) for tool, ms in end_to_end.items()}))


if __name__ == "__main__":
    main()

"""Tracing overhead on the 800 CRUXEval calls: untraced vs execbench vs PySnooper vs hunter.

    .venv/bin/python bench/trace_overhead.py [--repeats 5] [--data ../shared/data]

Every tool runs the 800 calls ``f(<input>)`` in this process, repeated; medians are
printed with ratios. The tracers record each call: execbench with full states (every
changed local snapshotted at every step, the return value encoded), PySnooper's ``snoop``
on ``f`` and hunter's ``VarsSnooper`` on the program's file name, their text going to an
in-memory buffer.

Two tables. **Calls** (the headline): programs compiled, module bodies run and arguments
evaluated beforehand, outside the timing; the timing is the 800 calls, which is what a
tracer adds. **End to end**: each job also compiles the program and its arguments, as
``trace_call(code, "f", input)`` does; compiling costs every tool the same ~35-45 ms and
dwarfs the calls, so it shows the cost of a whole trace job but hides the tracers' own
differences. Rows beside the tools give scale: ``settrace floor`` is the plainest
``sys.settrace`` tracer that records nothing (a lower bound for any settrace-based
tracer), ``monitoring floor`` (3.12+) the least a ``sys.monitoring`` engine recording
states would do (its LINE callback reads the frame's locals and records nothing),
``execbench (ctrace)`` (3.12+) the C engine fed by settrace instead of sys.monitoring, and
``execbench (py)`` is execbench's pure-Python engine.

Inputs are made afresh for each repeat, outside the timing (some programs mutate them),
and a full collection runs before each repeat, so no tool pays for another's garbage.
The last line is one JSON object: the calls medians in milliseconds under the keys
``untraced_ms``, ``execbench_ms``, ``pysnooper_ms``, ``hunter_ms``, plus
``settrace_floor_ms``, ``execbench_python_ms``, ``engine`` and ``end_to_end`` (the same
keys for the end-to-end table).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
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
from execbench.trace.engine import ENGINE, ENGINES, Recorder
from execbench.trace.types import TraceLimits

Job = tuple[str, str]  # (code, input)


def _capture(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


def _prepare(
    code: str, call: str, filename: str
) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    ns: dict[str, Any] = {"__name__": "__bench__"}
    program = compile(code, filename, "exec")
    ns["__program__"] = program  # what execbench's tracer is given with the call
    exec(program, ns)
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


def run_execbench_python(jobs: list[Job]) -> None:
    for code, call in jobs:
        trace_call(code, "f", call, engine="settrace")


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


def _record(prepared: list[Any], engine: str) -> None:
    limits = TraceLimits()
    for name, fn, args, kwargs in prepared:
        # full states, as trace_call records them (it also hands over the compiled program)
        rec = Recorder(name, limits, True, None, engine, fn.__globals__["__program__"])
        ok, result = rec.run(fn, *args, **kwargs)
        if ok:
            rec.encoder.encode(result)


def call_execbench(prepared: list[Any]) -> None:
    _record(prepared, ENGINE)


def call_execbench_python(prepared: list[Any]) -> None:
    _record(prepared, "settrace")


def call_execbench_ctrace(prepared: list[Any]) -> None:
    _record(prepared, "ctrace")


def call_settrace_floor(prepared: list[Any]) -> None:
    """The plainest settrace tracer: a local trace function for the program's frames that
    does nothing. No settrace-based tracer can cost less."""
    for name, fn, args, kwargs in prepared:

        def local(frame: Any, event: str, arg: Any) -> Any:
            return local

        def glob(frame: Any, event: str, arg: Any, name: str = name) -> Any:
            return local if frame.f_code.co_filename == name else None

        sys.settrace(glob)
        try:
            _call(fn, args, kwargs)
        finally:
            sys.settrace(None)


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


def _code_objects(code: Any) -> list[Any]:
    out = [code]
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            out.extend(_code_objects(const))
    return out


def call_monitoring_floor(prepared: list[Any]) -> None:
    """3.12+: the least a ``sys.monitoring`` engine recording states would do. Its LINE
    callback reads the frame's locals (what every state needs) and records nothing; start
    and return callbacks do nothing. A native monitoring engine cannot cost less."""
    mon = sys.monitoring  # type: ignore[attr-defined]
    tool = mon.OPTIMIZER_ID
    events = mon.events
    getframe = sys._getframe
    mon.use_tool_id(tool, "execbench-bench")
    try:

        def on_line(code: Any, line: int) -> None:
            _ = getframe(1).f_locals  # the dict every state is read from

        def on_other(*args: Any) -> None:
            return None

        mon.register_callback(tool, events.LINE, on_line)
        mon.register_callback(tool, events.PY_START, on_other)
        mon.register_callback(tool, events.PY_RETURN, on_other)
        wanted = events.LINE | events.PY_START | events.PY_RETURN
        for _name, fn, args, kwargs in prepared:
            codes = _code_objects(fn.__code__)
            for code in codes:
                mon.set_local_events(tool, code, wanted)
            try:
                _call(fn, args, kwargs)
            finally:
                for code in codes:
                    mon.set_local_events(tool, code, 0)
    finally:
        mon.free_tool_id(tool)


def _time(fn: Callable[[Any], None], make_arg: Callable[[], Any], repeats: int) -> float:
    """Median milliseconds of ``fn(make_arg())``; the argument is made fresh for every
    repeat, outside the timing (some programs mutate their inputs, e.g. extend a list)."""
    times = []
    for _ in range(repeats):
        arg = make_arg()
        sink = io.StringIO()
        gc.collect()  # each repeat starts with no garbage left by the one before (as timeit)
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

    calls = {
        "untraced": _time(call_untraced, fresh_calls, opts.repeats),
        "execbench": _time(call_execbench, fresh_calls, opts.repeats),
        "pysnooper": _time(call_pysnooper, fresh_calls, opts.repeats),
        "hunter": _time(call_hunter, fresh_calls, opts.repeats),
        "settrace floor": _time(call_settrace_floor, fresh_calls, opts.repeats),
    }
    if hasattr(sys, "monitoring"):
        calls["monitoring floor"] = _time(call_monitoring_floor, fresh_calls, opts.repeats)
    end_to_end = {
        "untraced": _time(run_untraced, same_jobs, opts.repeats),
        "execbench": _time(run_execbench, same_jobs, opts.repeats),
        "pysnooper": _time(run_pysnooper, same_jobs, opts.repeats),
        "hunter": _time(run_hunter, same_jobs, opts.repeats),
    }
    if ENGINE == "monitor":
        calls["execbench (ctrace)"] = _time(call_execbench_ctrace, fresh_calls, opts.repeats)
    if "ctrace" in ENGINES and ENGINE != "settrace":
        calls["execbench (py)"] = _time(call_execbench_python, fresh_calls, opts.repeats)
        end_to_end["execbench (py)"] = _time(run_execbench_python, same_jobs, opts.repeats)
    print(f"execbench engine: {ENGINE}")
    for title, table in (
        ("calls (programs compiled and arguments made beforehand)", calls),
        ("end to end (compile + module + args + call)", end_to_end),
    ):
        print(f"{title}: {len(jobs)} CRUXEval calls, median of {opts.repeats}")
        base = table["untraced"]
        for tool, ms in table.items():
            print(f"  {tool:<15} {ms:9.1f} ms  {ms / base:6.2f}x untraced")
        print(
            f"  execbench is {table['pysnooper'] / table['execbench']:.1f}x faster than PySnooper, "
            f"{table['hunter'] / table['execbench']:.1f}x faster than hunter"
        )

    def keys(table: dict[str, float]) -> dict[str, float]:
        return {
            f"{tool.replace(' floor', '_floor').replace(' (py)', '_python').replace(' (ctrace)', '_ctrace')}_ms": round(
                ms, 1
            )
            for tool, ms in table.items()
        }

    print(json.dumps({**keys(calls), "engine": ENGINE, "end_to_end": keys(end_to_end)}))


if __name__ == "__main__":
    main()

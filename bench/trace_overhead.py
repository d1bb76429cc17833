"""Tracing overhead on the 800 CRUXEval calls: untraced vs execbench vs PySnooper vs hunter.

    .venv/bin/python bench/trace_overhead.py [--repeats 5] [--clock cpu|wall] [--data ../shared/data]
    .venv/bin/python bench/trace_overhead.py --instructions   # the floor ratio, counted by callgrind

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

Times are this process's CPU time (``--clock wall`` for wall time): on a machine shared
with other work, wall time adds their turns on the CPU to whichever row they overlap.

**Where the time goes** (execbench's calls timing, its default engine): the hook floor
(the empty tracer of the engine's own hook), ``setup`` (recorder made and tracing
switched on and off around a function that does nothing, per call), ``events`` (every
event recorded without states, minus setup) and ``states`` (the locals diff and the
snapshots: full states minus events), with the events per kind and the snapshots per
value type that the full-states pass records; the full states' ratio to the hook floor
is the tracer goal's figure. Then one more pass with the C engine's profile on
(``CTracer.profile``) times each event kind (and its locals diff) and each snapshot type
(the locals of that type that changed, and return values); its clock readings add to what
it times, so its figures are shares, not the timing above.

``--instructions`` counts instead of timing (deterministic on a shared machine; needs
valgrind): one process under callgrind prepares the calls, makes a warm-up pass of every
row on 50 of them, then per row prepares all 800 afresh and counts the instructions of one
pass (the floors, execbench with full states, its setup and events rows), and prints each
row's ratio to the hook floor.

Inputs are made afresh for each repeat, outside the timing (some programs mutate them),
and a full collection runs before each repeat, so no tool pays for another's garbage.
The last line is one JSON object: the calls medians in milliseconds under the keys
``untraced_ms``, ``execbench_ms``, ``pysnooper_ms``, ``hunter_ms``, plus
``settrace_floor_ms``, ``execbench_python_ms``, ``engine``, ``clock``, ``end_to_end`` (the
same keys for the end-to-end table) and ``breakdown`` (``setup_ms``, ``events_ms``,
``states_ms``, ``floor_ratio``, ``events`` per kind, ``snapshots`` per type, and from the
profiled pass ``per_kind`` {kind: n, ms, states_ms} and ``per_snapshot_type`` {type: n, ms}).
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
            rec.encode(result)


def call_execbench(prepared: list[Any]) -> None:
    _record(prepared, ENGINE)


def call_execbench_setup(prepared: list[Any]) -> None:
    """Only what a trace costs around the call: the recorder made, tracing switched on
    and off around a function that does nothing."""
    limits = TraceLimits()
    for name, fn, _args, _kwargs in prepared:
        rec = Recorder(name, limits, True, None, ENGINE, fn.__globals__["__program__"])
        rec.run(_nothing)


def _nothing() -> None:
    return None


def call_execbench_events(prepared: list[Any]) -> None:
    """Every event recorded, no states (``record_states=False``): the hook and the event
    records without the locals diff and the snapshots."""
    limits = TraceLimits()
    for name, fn, args, kwargs in prepared:
        rec = Recorder(name, limits, False, None, ENGINE, fn.__globals__["__program__"])
        rec.run(fn, *args, **kwargs)


def census(prepared: list[Any]) -> tuple[dict[str, int], dict[str, int]]:
    """Events per kind and snapshots recorded per value type (the states' work), in one
    full-states pass over the calls."""
    limits = TraceLimits()
    kinds: dict[str, int] = {}
    types: dict[str, int] = {}
    for name, fn, args, kwargs in prepared:
        rec = Recorder(name, limits, True, None, ENGINE, fn.__globals__["__program__"])
        ok, result = rec.run(fn, *args, **kwargs)
        snaps = [rec.encode(result)] if ok else []
        for event in rec.raw:
            kinds[event[0]] = kinds.get(event[0], 0) + 1
            if event[6]:
                snaps.extend(snap for snap in event[6].values() if snap is not None)
            if event[0] in ("return", "yield") and event[7] is not None:
                snaps.append(event[7])
        for snap in snaps:
            types[snap["type"]] = types.get(snap["type"], 0) + 1
    return kinds, dict(sorted(types.items(), key=lambda kv: -kv[1]))


def profile(prepared: list[Any]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """One full-states pass of the C engine with its profile on: per event kind the time of
    the events and of their locals diffs, per value type the time of the locals diffed and
    of the snapshots made (``CTracer.profile``; {} under the Python engine)."""
    limits = TraceLimits()
    prof: dict[tuple[str, str], tuple[int, int, int]] = {}
    if ENGINE == "settrace":
        return prof
    for name, fn, args, kwargs in prepared:
        rec = Recorder(name, limits, True, None, ENGINE, fn.__globals__["__program__"])
        rec._ctracer.profile = prof
        rec.run(fn, *args, **kwargs)
    return prof


def _print_profile(prof: dict[tuple[str, str], tuple[int, int, int]]) -> dict[str, Any]:
    """The profile as the bench prints it, and as its JSON ``breakdown`` carries it."""
    if not prof:
        return {}

    def group(name: str) -> dict[str, tuple[int, int, int]]:
        rows = {k[1]: v for k, v in prof.items() if k[0] == name}
        return dict(sorted(rows.items(), key=lambda kv: -kv[1][1]))

    events, states, snaps = group("event"), group("states"), group("snapshot")
    cut = sum(v[2] for v in prof.values())
    print(
        "  per event kind (one profiled pass: clock readings included, "
        f"{cut} intervals interrupted by the scheduler left out):"
    )
    for kind, (n, ns, _) in events.items():
        st = states.get(kind, (0, 0, 0))[1]
        print(
            f"    {kind:<10} {n:6d} events {ns / 1e6:8.1f} ms  {ns / max(n, 1):6.0f} ns/event"
            f"  of which locals diff {st / 1e6:6.1f} ms ({st / max(ns, 1):4.0%})"
        )
    print("  per snapshot type (changed locals and return values: the time of making each):")
    for typ, (n, ns, _) in list(snaps.items())[:12]:
        print(f"    {typ:<20} {n:6d} snapshots {ns / 1e6:8.1f} ms  {ns / max(n, 1):6.0f} ns/snapshot")
    return {
        "per_kind": {
            k: {
                "n": v[0],
                "ms": round(v[1] / 1e6, 2),
                "states_ms": round(states.get(k, (0, 0, 0))[1] / 1e6, 2),
            }
            for k, v in events.items()
        },
        "per_snapshot_type": {k: {"n": v[0], "ms": round(v[1] / 1e6, 2)} for k, v in snaps.items()},
    }


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


#: The clock: this process's CPU time by default. Every tool runs in this process on one
#: thread, so on an idle machine it equals wall time; on a shared one it leaves out the
#: time other processes held the CPU, which wall time would add at random to any row.
_clock = time.process_time


def _time(fn: Callable[[Any], None], make_arg: Callable[[], Any], repeats: int) -> float:
    """Median milliseconds of ``fn(make_arg())``; the argument is made fresh for every
    repeat, outside the timing (some programs mutate their inputs, e.g. extend a list)."""
    times = []
    for _ in range(repeats):
        arg = make_arg()
        sink = io.StringIO()
        gc.collect()  # each repeat starts with no garbage left by the one before (as timeit)
        start = _clock()
        with contextlib.redirect_stdout(sink):
            fn(arg)
        times.append((_clock() - start) * 1000)
    return statistics.median(times)


#: What ``--instructions`` counts: each row's calls pass, in a process of its own.
_COUNTED: dict[str, Callable[[list[Any]], None]] = {
    "none": lambda prepared: None,
    "settrace floor": call_settrace_floor,
    "monitoring floor": call_monitoring_floor,
    "execbench": call_execbench,
    "setup": call_execbench_setup,
    "events": call_execbench_events,
}


def _counted_passes(rows: list[str], data: str) -> None:
    """The body of the counted process: a warm-up pass of every row on a few calls, then
    per row the calls prepared afresh and one pass made through ``operator.call``, the C
    function callgrind is told to count inside (and to dump its count after)."""
    import operator

    rows_ = [json.loads(line) for line in open(Path(data) / "cruxeval" / "cruxeval.jsonl")]
    jobs = [(r["code"], r["input"]) for r in rows_]
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    with contextlib.redirect_stdout(io.StringIO()):
        for row in rows:
            _COUNTED[row](_prepared(jobs[:50]))
        for row in rows:
            prepared = _prepared(jobs)
            gc.collect()
            operator.call(_COUNTED[row], prepared)
    print(ENGINE)  # the parent checks that the counted process ran the engine it reports


def instructions(data: str) -> None:
    """The floor ratio in instructions: deterministic, unlike time on a shared machine.
    One process under valgrind's callgrind counts each row's pass of the 800 calls."""
    import re
    import subprocess
    import tempfile

    rows = ["settrace floor", "execbench", "setup", "events"]
    if hasattr(sys, "monitoring"):
        rows.insert(1, "monitoring floor")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=_operator_call",
                "--dump-after=_operator_call",
                f"--callgrind-out-file={tmp}/cg",
                sys.executable,
                __file__,
                "--data",
                data,
                "--counted-passes",
                ",".join(rows),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        if done.stdout.strip() != ENGINE:  # e.g. a C source changed since: a stale extension
            raise SystemExit(f"the counted process ran engine {done.stdout.strip()!r}, not {ENGINE!r}")
        parts = sorted(Path(tmp).glob("cg.*"), key=lambda p: int(p.name.split(".")[-1]))
        totals = []
        for part in parts:
            found = re.search(r"^(?:totals|summary): (\d+)", part.read_text(), re.M)
            if found is not None and int(found.group(1)):
                totals.append(int(found.group(1)))
    if len(totals) != len(rows):
        raise SystemExit(f"callgrind gave {len(totals)} counts for {len(rows)} rows")
    counts = dict(zip(rows, totals, strict=True))
    floor = counts["monitoring floor" if ENGINE == "monitor" else "settrace floor"]
    print(f"instructions (callgrind), one pass of the 800 calls, engine {ENGINE}:")
    for row, n in counts.items():
        print(f"  {row:<17} {n / 1e6:9.1f}M  {n / floor:5.2f}x the hook floor")
    full, setup, events = counts["execbench"], counts["setup"], counts["events"]
    print(
        f"  of execbench: setup {setup / 1e6:.1f}M, events {(events - setup) / 1e6:.1f}M, "
        f"states {(full - events) / 1e6:.1f}M"
    )
    print(json.dumps({"engine": ENGINE, "instructions": counts, "floor_ratio": round(full / floor, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions with valgrind's callgrind instead of timing (each row in a process of its own)",
    )
    parser.add_argument("--counted-passes", help=argparse.SUPPRESS)
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time (default) or wall time"
    )
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    opts = parser.parse_args()
    if opts.counted_passes:
        _counted_passes(opts.counted_passes.split(","), opts.data)
        return
    if opts.instructions:
        instructions(opts.data)
        return
    global _clock
    _clock = time.process_time if opts.clock == "cpu" else time.perf_counter
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
    parts = {
        "setup": _time(call_execbench_setup, fresh_calls, opts.repeats),
        "events": _time(call_execbench_events, fresh_calls, opts.repeats),
        "full": calls["execbench"],
    }
    kinds, snap_types = census(fresh_calls())
    print(f"execbench engine: {ENGINE} (clock: {opts.clock})")
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

    floor = calls.get(
        "monitoring floor" if ENGINE == "monitor" else "settrace floor", calls["settrace floor"]
    )
    n_events = sum(kinds.values())
    print(
        f"where execbench's time goes (calls, {ENGINE}): {n_events} events, {sum(snap_types.values())} snapshots"
    )
    print(
        f"  hook floor      {floor:9.1f} ms  ({'empty sys.monitoring tool' if ENGINE == 'monitor' else 'empty settrace tracer'})"
    )
    print(f"  setup           {parts['setup']:9.1f} ms  (recorder made, tracing on and off, per call)")
    print(
        f"  events          {parts['events'] - parts['setup']:9.1f} ms  "
        f"(hook + event records, no states: {(parts['events'] - parts['setup']) / n_events * 1e6:.0f} ns/event)"
    )
    print(
        f"  states          {parts['full'] - parts['events']:9.1f} ms  "
        f"(locals diff + snapshots: {(parts['full'] - parts['events']) / max(1, sum(snap_types.values())) * 1e6:.0f} ns/snapshot)"
    )
    print(
        f"  full states     {parts['full']:9.1f} ms  = {parts['full'] / floor:.1f}x the hook floor (goal: <= 4x)"
    )
    print("  events per kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    print("  snapshots per type: " + ", ".join(f"{k} {v}" for k, v in list(snap_types.items())[:12]))
    profiled = _print_profile(profile(fresh_calls()))

    def keys(table: dict[str, float]) -> dict[str, float]:
        return {
            f"{tool.replace(' floor', '_floor').replace(' (py)', '_python').replace(' (ctrace)', '_ctrace')}_ms": round(
                ms, 1
            )
            for tool, ms in table.items()
        }

    breakdown = {
        "setup_ms": round(parts["setup"], 1),
        "events_ms": round(parts["events"] - parts["setup"], 1),
        "states_ms": round(parts["full"] - parts["events"], 1),
        "floor_ratio": round(parts["full"] / floor, 2),
        "events": kinds,
        "snapshots": snap_types,
        **profiled,
    }
    print(
        json.dumps(
            {
                **keys(calls),
                "engine": ENGINE,
                "clock": opts.clock,
                "end_to_end": keys(end_to_end),
                "breakdown": breakdown,
            }
        )
    )


if __name__ == "__main__":
    main()

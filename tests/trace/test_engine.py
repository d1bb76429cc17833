"""Both tracer engines on small hand-checked programs: lines, events, states, limits."""

from __future__ import annotations

import sys
import textwrap
import threading
from typing import Any

import pytest

from execbench.errors import UserError
from execbench.trace import TraceLimits, state_after, state_at, trace_call, trace_program
from execbench.trace import engine as engine_module
from execbench.trace.pybehavior import PYBEHAVIOR
from execbench.trace.types import Trace


@pytest.fixture(autouse=True, params=engine_module.ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on every engine this interpreter has."""
    monkeypatch.setattr(engine_module, "ENGINE", request.param)
    return str(request.param)


def check_trace(
    code: str,
    call: str,
    *,
    entry: str = "f",
    lines: list[int] | None = None,
    states: dict[int, dict[str, str]] | None = None,
    ret: str | None = None,
) -> Trace:
    """Trace ``entry(call)``; check its lines, the locals after given steps, the return text."""
    trace = trace_call(textwrap.dedent(code), entry, call)
    if lines is not None:
        assert list(trace.lines) == lines
    for step, expected in (states or {}).items():
        got = {k: v["repr"] for k, v in state_after(trace, step).items()}
        assert got == expected, f"step {step}"
    if ret is not None:
        assert trace.return_text == ret
    return trace


def kinds(trace: Trace) -> list[tuple[str, str]]:
    return [(e.kind, e.func) for e in trace.events if e.kind != "line"]


def test_loop_lines_and_states_after_each_line() -> None:
    code = """
    def f(n):
        t = 0
        for i in range(n):
            t += i
        return t
    """
    check_trace(
        code,
        "3",
        lines=[3, 4, 5, 4, 5, 4, 5, 4, 6],
        states={
            0: {"n": "3", "t": "0"},
            2: {"n": "3", "t": "0", "i": "0"},
            6: {"n": "3", "t": "3", "i": "2"},
        },
        ret="3",
    )


def test_while_loop_and_multiline_statement() -> None:
    code = """
    def f(n):
        out = [
            n,
            n + 1,
        ]
        while n > 0:
            n -= 2
        return out
    """
    # CPython 3.11 reports the element lines first, then the statement's own line (BUILD_LIST);
    # the while test runs once per iteration plus the failing test
    check_trace(code, "3", ret="[3, 4]", lines=[4, 5, 3, 7, 8, 7, 8, 7, 9])


def test_nested_functions_lambdas_comprehensions_and_depth() -> None:
    code = """
    def helper(x):
        return x * 2

    def f(xs):
        key = lambda v: -v
        ys = sorted(xs, key=key)
        zs = [helper(y) for y in ys]
        return sum(z for z in zs)
    """
    trace = check_trace(code, "[1, 3, 2]", ret="12")
    funcs = [f for k, f in kinds(trace) if k == "call"]
    assert funcs[0] == "f" and funcs.count("<lambda>") == 3 and funcs.count("helper") == 3
    assert ("<listcomp>" in funcs) != PYBEHAVIOR.comprehensions_inlined
    assert "<genexpr>" in funcs
    depth = {e.func: e.depth for e in trace.events if e.kind == "call"}
    assert depth["f"] == 0 and depth["<lambda>"] == 1
    assert depth["helper"] == (1 if PYBEHAVIOR.comprehensions_inlined else 2)


def test_recursion_frames_have_increasing_depth() -> None:
    code = """
    def f(n):
        if n == 0:
            return 0
        return n + f(n - 1)
    """
    trace = check_trace(code, "3", ret="6")
    calls = [e for e in trace.events if e.kind == "call"]
    assert [c.depth for c in calls] == [0, 1, 2, 3]
    assert len({c.frame for c in calls}) == 4
    assert [e.value["repr"] for e in trace.events if e.kind == "return"] == ["0", "1", "3", "6"]


def test_generator_yield_resume_and_send() -> None:
    code = """
    def gen(n):
        total = 0
        for i in range(n):
            got = yield i
            total += got or 0
        return total

    def f():
        g = gen(2)
        a = next(g)
        b = g.send(10)
        try:
            g.send(5)
        except StopIteration as stop:
            return a, b, stop.value
    """
    trace = check_trace(code, "", ret="(0, 1, 15)")
    gen_events = [
        (e.kind, e.value["repr"] if e.kind in ("yield", "return") and e.value else None)
        for e in trace.events
        if e.func == "gen" and e.kind != "line"
    ]
    assert gen_events == [
        ("call", None),
        ("yield", "0"),
        ("resume", None),
        ("yield", "1"),
        ("resume", None),
        ("return", "15"),
    ]
    gen_frames = {e.frame for e in trace.events if e.func == "gen"}
    assert len(gen_frames) == 1
    # ``got = yield i`` completes after the resume: the step of that line shows got
    yield_steps = [
        i
        for i, (line, fr) in enumerate(zip(trace.lines, trace.step_frames, strict=True))
        if line == 5 and fr in gen_frames
    ]
    assert trace.changes[yield_steps[0]]["got"]["repr"] == "10"
    assert trace.changes[yield_steps[1]]["got"]["repr"] == "5"


def test_generator_left_by_throw_and_close_returns_raised_not_yield() -> None:
    """An exception thrown in at a yield and not caught leaves the frame from the yield's
    own instruction: the tracer must report an unwinding return, not a second yield."""
    code = """
    def gen():
        got = yield 1
        return got

    def f():
        g = gen()
        next(g)
        try:
            g.throw(ValueError("x"))
        except ValueError:
            pass
        h = gen()
        next(h)
        h.close()
        k = gen()
        next(k)
        try:
            k.send(None)
        except StopIteration:
            pass
        return 0
    """
    trace = check_trace(code, "", ret="0")
    gen_events = [
        (e.kind, e.raised) for e in trace.events if e.func == "gen" and e.kind in ("yield", "return")
    ]
    # 3.13 closes a generator that has no handler for GeneratorExit without resuming it:
    # settrace then reports nothing for ``h.close()``
    closed = [] if PYBEHAVIOR.version >= (3, 13) else [("return", True)]
    assert gen_events == [
        ("yield", False),
        ("return", True),
        ("yield", False),
        *closed,
        ("yield", False),
        ("return", False),
    ]


def test_exception_events_unwinding_and_handled() -> None:
    code = """
    def inner(x):
        return 1 / x

    def f(x):
        try:
            inner(x)
        except ZeroDivisionError:
            pass
        return inner(x)
    """
    trace = check_trace(code, "0")
    assert trace.exception is not None
    assert (trace.exception.type, trace.exception.message) == ("ZeroDivisionError", "division by zero")
    assert trace.exception.line == 3 and trace.exception.phase == "call"
    assert trace.return_value is None and trace.status == "error"
    returns = [e for e in trace.events if e.kind == "return"]
    assert all(r.raised for r in returns) and len(returns) == 3
    excs = [e for e in trace.events if e.kind == "exception"]
    assert excs[0].value == {"type": "ZeroDivisionError", "message": "division by zero"}


def test_methods_class_bodies_and_decorators() -> None:
    code = """
    import functools

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a):
            return fn(*a) + 1
        return wrapper

    class Acc:
        start = 10

        def __init__(self):
            self.total = self.start

        @deco
        def add(self, v):
            self.total += v
            return self.total

    def f(v):
        acc = Acc()
        return acc.add(v)
    """
    trace = check_trace(code, "5", ret="16")
    funcs = [f for k, f in kinds(trace) if k == "call"]
    assert funcs == ["f", "__init__", "wrapper", "add"]
    whole = trace_program(textwrap.dedent(code))
    assert "Acc" in [f for k, f in kinds(whole) if k == "call"]  # the class body frame
    assert whole.whole_program and whole.entry is None


def test_threads_started_by_the_program_are_traced() -> None:
    code = """
    import threading

    def work(out):
        out.append(1)

    def f():
        out = []
        t = threading.Thread(target=work, args=(out,))
        t.start()
        t.join()
        return out
    """
    trace = check_trace(code, "", ret="[1]")
    assert "work" in [f for k, f in kinds(trace) if k == "call"]
    assert threading.gettrace() is None  # the thread trace function is restored


def test_previous_trace_functions_are_restored() -> None:
    def other(frame: Any, event: str, arg: Any) -> None:
        return None

    sys.settrace(other)
    try:
        trace_call("def f():\n    return 1\n", "f", "")
        assert sys.gettrace() is other
    finally:
        sys.settrace(None)


def test_stdout_is_attributed_to_the_step_that_wrote_it() -> None:
    code = """
    def f():
        print("a")
        x = 1
        print("b", x)
    """
    trace = check_trace(code, "")
    assert trace.stdout == "a\nb 1\n"
    outs = [(e.line, e.stdout) for e in trace.events if e.stdout]
    assert outs == [(4, "a\n"), (5, "b 1\n")]  # observed at the next event


def test_aliasing_mutation_and_deletion() -> None:
    code = """
    def f():
        a = [1]
        b = a
        c = list(a)
        a.append(2)
        del c
        return b
    """
    trace = check_trace(code, "", ret="[1, 2]")
    s = state_after(trace, 2)
    assert s["a"]["id"] == s["b"]["id"] != s["c"]["id"]
    assert {k: v["repr"] for k, v in trace.changes[3].items()} == {"a": "[1, 2]", "b": "[1, 2]"}
    assert trace.changes[4] == {"c": None}
    assert "c" not in state_after(trace, 4) and "c" in state_at(trace, 4)


def test_arguments_keywords_and_call_text() -> None:
    trace = check_trace("def f(a, *rest, k=0, **kw):\n    return a + k\n", "1, 2, 3, k=4, z=5", ret="5")
    call = trace.events[0]
    assert call.kind == "call"
    assert {k: v["repr"] for k, v in (call.delta or {}).items()} == {
        "a": "1",
        "rest": "(2, 3)",
        "k": "4",
        "kw": "{'z': 5}",
    }


def test_limits_cut_steps_bytes_and_time() -> None:
    loop = "def f():\n    i = 0\n    while True:\n        i += 1\n"
    by_steps = trace_call(loop, "f", "", limits=TraceLimits(max_steps=1000))
    assert by_steps.cut is not None and by_steps.cut.reason == "steps" and by_steps.steps == 1000
    assert len(by_steps.lines) == 1000 and by_steps.status == "cut"
    by_bytes = trace_call(loop, "f", "", limits=TraceLimits(max_bytes=20_000))
    assert by_bytes.cut is not None and by_bytes.cut.reason == "bytes"
    by_time = trace_call(loop, "f", "", limits=TraceLimits(max_time=0.2, max_steps=10**9))
    assert by_time.cut is not None and by_time.cut.reason == "time"
    # ``except Exception`` in the program does not swallow the stop
    guarded = "def f():\n    while True:\n        try:\n            pass\n        except Exception:\n            pass\n"
    assert trace_call(guarded, "f", "", limits=TraceLimits(max_steps=50)).cut is not None


def test_record_states_off_keeps_lines() -> None:
    code = "def f(n):\n    x = n\n    return x\n"
    trace = trace_call(code, "f", "1", record_states=False)
    assert list(trace.lines) == [2, 3] and all(not c for c in trace.changes)
    assert trace.return_text == "1"


def test_program_errors_are_data_and_user_errors_are_user_errors() -> None:
    assert trace_call("def f(:\n", "f", "").exception.phase == "compile"  # type: ignore[union-attr]
    module_fail = trace_call("raise ValueError('boom')\ndef f():\n    pass\n", "f", "")
    assert module_fail.exception is not None and module_fail.exception.phase == "module"
    args_fail = trace_call("def f(x):\n    return x\n", "f", "undefined_name")
    assert args_fail.exception is not None and args_fail.exception.phase == "args"
    with pytest.raises(UserError, match="no function 'g'"):
        trace_call("def f():\n    pass\n", "g", "")
    with pytest.raises(UserError, match="not valid Python arguments"):
        trace_call("def f(x):\n    pass\n", "f", "1,,2")
    exiting = trace_call("import sys\ndef f():\n    sys.exit(3)\n", "f", "")
    assert exiting.exception is not None and exiting.exception.type == "SystemExit"


def test_recursion_limit_program_still_traced() -> None:
    code = "def f(n):\n    return f(n + 1)\n"
    trace = trace_call(code, "f", "0", limits=TraceLimits(max_steps=10**6))
    assert trace.exception is not None and trace.exception.type == "RecursionError"
    assert trace.steps > 100 and set(trace.lines) == {2}


def test_monitoring_tool_id_is_held_across_runs_and_released(engine: str) -> None:
    """The ``monitor`` engine claims one sys.monitoring tool id and keeps it across runs
    (switching global events per run would re-instrument the host's code), also when the
    program fails or a limit stops it; ``monitoring.release`` gives it back."""
    if engine != "monitor":
        pytest.skip("sys.monitoring engine only")
    from execbench.trace import monitoring

    mon = sys.monitoring  # type: ignore[attr-defined]
    monitoring.release()
    before = [mon.get_tool(tool) for tool in range(6)]
    trace_call("def f():\n    raise ValueError\n", "f", "")
    held = [tool for tool in range(6) if mon.get_tool(tool) == monitoring.NAME]
    assert len(held) == 1 and before[held[0]] is None
    trace_call("def f():\n    while True:\n        pass\n", "f", "", limits=TraceLimits(max_steps=50))
    trace_call("def f():\n    return 1\n", "f", "")
    assert [tool for tool in range(6) if mon.get_tool(tool) == monitoring.NAME] == held
    monitoring.release()
    assert [mon.get_tool(tool) for tool in range(6)] == before


def test_monitoring_events_are_switched_off_between_runs_and_at_release(engine: str) -> None:
    """After a ``monitor`` run no event stays on for the traced code; the held tool keeps
    only the global exception events; after ``release`` nothing stays behind (no events,
    no callback), so the next owner of the tool id starts clean. A run nested in a run
    (the held tool busy) claims a tool of its own and gives it back."""
    if engine != "monitor":
        pytest.skip("sys.monitoring engine only")
    from execbench.trace import monitoring
    from execbench.trace.engine import Recorder

    mon = sys.monitoring  # type: ignore[attr-defined]
    monitoring.release()
    before = [mon.get_tool(tool) for tool in range(6)]
    source = compile("def f(x):\n    y = [x]\n    return y\n", "<execbench-watch>", "exec")
    ns: dict[str, Any] = {}
    exec(source, ns)
    fcode = ns["f"].__code__
    inner: list[list[Any]] = []

    def outer(x: int) -> Any:
        rec = Recorder("<execbench-watch>", TraceLimits(), True, None, "monitor", source)
        assert rec.run(ns["f"], x) == (True, [x])
        inner.append([e[0] for e in rec.raw])
        return [mon.get_tool(tool) for tool in range(6)]

    rec = Recorder("<execbench-watch>", TraceLimits(), True, None, "monitor", source)
    ok, result = rec.run(ns["f"], 3)
    assert ok and result == [3] and [e[0] for e in rec.raw] == ["call", "line", "line", "return"]
    (tool,) = [t for t in range(6) if mon.get_tool(t) == monitoring.NAME]
    ev = mon.events
    assert mon.get_events(tool) == ev.RAISE | ev.PY_UNWIND | ev.PY_THROW
    assert mon.get_local_events(tool, fcode) == 0
    during = outer(4)  # untraced here: a nested run while none is going on
    rec = Recorder("<execbench-other>", TraceLimits(), True, None, "monitor", source)
    ok, during = rec.run(outer, 5)  # the held tool feeds rec: the nested run claims another
    assert ok and during.count(monitoring.NAME) == 2
    assert inner == [["call", "line", "line", "return"]] * 2
    assert len([t for t in range(6) if mon.get_tool(t) == monitoring.NAME]) == 1  # one kept
    monitoring.release()
    assert [mon.get_tool(t) for t in range(6)] == before
    for t in (3, 4, 5):
        if mon.get_tool(t) is not None:
            continue
        assert mon.get_events(t) == 0
        assert mon.get_local_events(t, fcode) == 0
        mon.use_tool_id(t, "execbench-test")
        try:
            assert mon.register_callback(t, mon.events.LINE, None) is None
            assert mon.register_callback(t, mon.events.PY_START, None) is None
        finally:
            mon.free_tool_id(t)


def test_c_engine_profile_adds_up_and_leaves_the_record_alone(engine: str) -> None:
    """``CTracer.profile`` (the bench's "where the time goes") counts every event by kind,
    every local diffed and every snapshot made by type, and records exactly what an
    unprofiled run records."""
    if engine == "settrace":
        pytest.skip("the C engines' profile")
    from execbench.trace.engine import Recorder

    code = (
        "def f(xs):\n    out = []\n    d = {}\n    for x in xs:\n        out.append(x * 2)\n    return out\n"
    )
    source = compile(code, "<execbench-profile>", "exec")
    raws = []
    for profiled in (False, True):
        ns: dict[str, Any] = {}
        exec(source, ns)
        rec = Recorder("<execbench-profile>", TraceLimits(), True, None, engine, source)
        prof: dict[tuple[str, str], tuple[int, int, int]] = {}
        if profiled:
            rec._ctracer.profile = prof
        assert rec.run(ns["f"], [1, 2]) == (True, [2, 4])
        raws.append(rec.raw)
    assert raws[0] == raws[1]
    kinds = {k[1]: v for k, v in prof.items() if k[0] == "event"}
    lines = sum(e[0] == "line" for e in raws[1])
    assert lines == 8 and {kind: v[0] + v[2] for kind, v in kinds.items()} == {
        "call": 1,
        "line": lines,
        "return": 1,
    }
    snaps = {k[1]: v[0] + v[2] for k, v in prof.items() if k[0] == "snapshot"}
    # the argument, [] then [2] then [2, 4]; {}; x = 1 then 2; the return value
    assert snaps == {"list": 5, "dict": 1, "int": 2}
    assert all(v[1] >= 0 for v in prof.values())

"""The ``sys.settrace`` engine: records events and state changes of the traced source's frames.

Scope is decided by the code object's ``co_filename``: the source is compiled under a
unique name (``<execbench-N>``), so every frame whose code comes from it (functions,
lambdas, comprehensions, generators, methods, class bodies, threads started by the program)
is recorded and every other frame is skipped at its ``call`` event by returning ``None``,
which costs the interpreter nothing more for that frame (calls into libraries are one step
of the caller).

Hot path (one call per line event): the per-frame tracer is a closure; it reads
``frame.f_locals`` (already synced by CPython 3.11/3.12 before each trace call) and compares
each local with what it saw last: atomic values by identity/equality of the exact builtin
type, deep-immutable tuples by identity, builtin containers of atomics by a fingerprint
(identities, lengths, leaves; compared without running program code), everything else by
its bounded snapshot. Only changed locals are encoded and recorded.

Stack depth: the trace functions themselves use one Python frame, like the plainest
settrace tracer; their helpers (diffing, encoding) catch ``RecursionError``, so a program
at its recursion limit fails exactly where it would under any settrace tracer, and the
tracer never raises out of the trace function (which would silently switch tracing off).

Stopping at a limit: the tracer raises the private ``_TraceCut`` (a ``BaseException``, so
``except Exception`` in the program does not catch it). CPython then removes the trace
function and the exception unwinds the program. A program that swallows it with a bare
``except:`` continues *untraced* until it ends; the trace is still marked as cut. For
untrusted code this is why tracing runs in the sandbox, whose time limit ends such a run.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from execbench.trace import monitoring
from execbench.trace._cext import load as load_extension
from execbench.trace.diffing import make_rules
from execbench.trace.exceptions import exception_value
from execbench.trace.flat import _CACHE_ITEMS
from execbench.trace.pybehavior import PYBEHAVIOR
from execbench.trace.snapshot import _FALSE, _NONE, _TRUE, Encoder, Snapshot
from execbench.trace.stdout import StdoutCapture
from execbench.trace.types import Cut, Event, RawEvent, TraceLimits

__all__ = ["ENGINE", "ENGINES", "Recorder"]

_CEXT = load_extension()  # None when not built (no compiler at install) or stale: Python serves
CTracer = _CEXT.CTracer if _CEXT is not None else None


def _choose_engine() -> str:
    """The one place the engine is chosen, and why.

    ``monitor`` (3.12+): the C engine fed by ``sys.monitoring`` callbacks, mapped to
    settrace's events exactly as CPython's own settrace layer maps them
    (``csrc/monitor.c``); it skips that layer's per-event trampoline, so it is the fastest
    where it exists, and it records what the other two record (the tests compare them).

    ``ctrace``: the C engine fed by ``sys.settrace``'s C-level hook, over 2x faster than
    the Python engine on the CRUXEval calls; the default on 3.11 and wherever no tool id
    of sys.monitoring is free for a run.

    ``settrace``: the same rules in Python (``diffing.py`` and the trace functions below),
    the reference rendering; used where the C extension is not built (no compiler at
    install). ``EXECBENCH_TRACER=<name>`` forces any available engine.

    Near the recursion limit: on 3.11 ``ctrace`` takes the recursion units the Python
    engine's frames take, so both stop tracing a runaway recursion at the same line. From
    3.12 Python frames have their own counter, which C callbacks do not consume, so there
    the C engines let such a program recurse a few frames further.
    """
    wanted = os.environ.get("EXECBENCH_TRACER", "")
    if wanted in ENGINES:
        return wanted
    if wanted:
        logging.getLogger("execbench.trace").warning(
            "EXECBENCH_TRACER=%s is not available here (have: %s); using the default",
            wanted,
            ", ".join(ENGINES),
        )
    if "monitor" in ENGINES:
        return "monitor"
    return "ctrace" if CTracer is not None else "settrace"


#: The engines this interpreter can run.
ENGINES: tuple[str, ...] = (
    ("settrace",)
    if CTracer is None
    else ("settrace", "ctrace", "monitor")
    if PYBEHAVIOR.has_sys_monitoring
    else ("settrace", "ctrace")
)
#: The engine new recorders use (see ``_choose_engine``).
ENGINE = _choose_engine()

_CO_NEWLOCALS = 0x0002
_CO_GENLIKE = 0x0020 | 0x0080 | 0x0200  # generator, coroutine, async generator
_YIELD_OPS = PYBEHAVIOR.yield_opcodes
_RETURN_OPS = PYBEHAVIOR.return_opcodes
_RESUME_OP = __import__("dis").opmap["RESUME"] if PYBEHAVIOR.yield_lasti_after else -1
_TIME_CHECK_MASK = 255
#: Young-generation GC threshold while tracing. The recorded events are many small
#: containers, which would otherwise trigger a collection every few steps (half the
#: tracer's time in measurements); cyclic garbage is still collected, just in larger batches.
_GC_YOUNG = 50_000


class _TraceCut(BaseException):
    """Raised out of the trace function to stop the traced program at a limit."""


class Recorder:
    """One tracing session over one compiled source (``filename``).

    ``sink`` receives every raw event; by default they are kept in ``raw``. ``run`` calls a
    function with tracing on; ``steps``, ``bytes`` and ``cut`` say what was recorded.
    """

    def __init__(
        self,
        filename: str,
        limits: TraceLimits,
        record_states: bool = True,
        sink: Callable[[RawEvent], None] | None = None,
        engine: str | None = None,
        source: types.CodeType | None = None,
    ) -> None:
        self.filename = filename
        #: The compiled traced source: the ``monitor`` engine switches events on for its
        #: code objects (without it a run uses the C engine through settrace).
        self.source = source
        self.limits = limits
        self.record_states = record_states
        self.encoder = Encoder(limits.snapshot)
        self.raw: list[RawEvent] = []
        self.sink = sink if sink is not None else self.raw.append
        self._cut: list[Cut] = []  # a box, so the trace functions need no reference to self
        # the capture is made when first asked for (a file object costs more to make and to
        # free than the rest of a small trace); the engines read its pending list from the start
        self._pending: list[str] = []
        self._stdout: StdoutCapture | None = None
        self._counts = [0, 0, 0]  # steps, approximate bytes, frames
        self._deadline = [0.0]
        self.engine = engine or ENGINE
        if self.engine not in ENGINES:
            raise ValueError(
                f"tracer engine {self.engine!r} is not available here (have: {', '.join(ENGINES)})"
            )
        # The rules (diffing.py) drive the Python engine; the C engine runs most cases itself
        # and makes them only when a trace first needs one (most small traces never do).
        self.rules = make_rules(self.encoder, self._counts) if self.engine == "settrace" else None
        self._ctracer = self._make_ctracer(sink is None) if self.engine != "settrace" else None
        self.tracer = self._ctracer if self._ctracer is not None else self._make_tracer()

    @property
    def stdout(self) -> StdoutCapture:
        """The program's stdout, to install as ``sys.stdout`` while tracing."""
        if self._stdout is None:
            self._stdout = StdoutCapture(self.limits.max_stdout, self._pending)
        return self._stdout

    @property
    def cut(self) -> Cut | None:
        """The limit that stopped the program, if one did."""
        return self._cut[0] if self._cut else None

    @property
    def steps(self) -> int:
        """Line events recorded so far."""
        return self._ctracer.steps if self._ctracer is not None else self._counts[0]

    @property
    def bytes(self) -> int:
        """Approximate encoded size of what was recorded so far."""
        return self._ctracer.bytes if self._ctracer is not None else self._counts[1]

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        """Call ``fn`` traced. Returns (True, result) or (False, exception); a limit stop
        is reported as (False, None) with ``self.cut`` set."""
        deadline = self._deadline[0] = time.perf_counter() + self.limits.max_time
        ctracer = self._ctracer
        if self.engine == "monitor" and self.source is not None:  # sys.monitoring covers every thread
            ctracer.deadline = deadline
            tool = monitoring.start(ctracer, self.source)
        else:
            tool = None
        threshold = old_trace = old_thread_trace = None
        if tool is None:
            old_trace = sys.gettrace()
            old_thread_trace = threading.gettrace() if hasattr(threading, "gettrace") else None
            # a thread started by the program calls the tracer as a Python trace function
            # first; the C tracer then installs itself in that thread
            threading.settrace(self.tracer)
            if ctracer is not None:
                ctracer.deadline = deadline
                ctracer.start()
            else:
                # the C engine keeps its records out of the collector's sight; the Python
                # engine collects less often instead
                threshold = gc.get_threshold()
                gc.set_threshold(max(threshold[0], _GC_YOUNG), *threshold[1:])
                sys.settrace(self.tracer)
        try:
            result = fn(*args, **kwargs)
            return True, result
        except _TraceCut:
            return False, None
        except BaseException as exc:  # the program's failure is data
            return False, exc
        finally:
            if tool is not None:
                monitoring.stop(tool, ctracer)
            else:
                sys.settrace(old_trace)
                threading.settrace(old_thread_trace)  # type: ignore[arg-type]
            if threshold is not None:
                gc.set_threshold(*threshold)

    def encode(self, value: Any) -> Snapshot:
        """``self.encoder.encode(value)``, by the C engine where it runs (as for the return
        values it records): the snapshot of a traced call's result."""
        if self._ctracer is not None:
            return self._ctracer.encode(value)  # type: ignore[no-any-return]
        return self.encoder.encode(value)

    def events(self) -> list[Event]:
        return [Event(*raw) for raw in self.raw]

    # -- the trace functions -----------------------------------------------------------------

    def _make_ctracer(self, to_raw: bool) -> Any:
        """The C engine, given what this trace's rules and helpers are made of (see
        ``csrc/``); what every trace shares comes in one tuple, ``_CT_SHARED``, and the
        encoder's methods, the rules and the exception helper are looked up or made in C
        when a trace first needs them (a small trace costs little more than its events)."""
        enc = self.encoder
        limits = self.limits
        snap = limits.snapshot
        return CTracer(
            self.filename,
            self.raw if to_raw else None,
            self.sink,
            self._pending,
            enc,
            self._counts,
            self._cut,
            enc._int_cache,
            enc._str_cache,
            enc._short_str,
            snap.max_items,
            snap.max_depth,
            limits.max_steps,
            limits.max_bytes,
            float(limits.max_time),
            self.record_states,
            _CT_SHARED,
        )

    def _make_tracer(self) -> Callable[..., Any]:
        """Build the global trace function; everything it needs is bound in closures
        (cell reads are the cheapest lookups in CPython)."""
        fname = self.filename
        enc = self.encoder
        encode = enc.encode
        sink = self.sink
        out = self.stdout
        pending = out.pending
        take = out.take
        limits = self.limits
        max_steps = limits.max_steps
        max_bytes = limits.max_bytes
        record_states = self.record_states
        counts = self._counts
        deadline = self._deadline
        step_counter = itertools.count()
        cut = self._cut

        assert self.rules is not None
        diff = self.rules.diff

        def check_limits(step: int) -> None:
            if step >= max_steps:
                cut.append(Cut("steps", max_steps, step))
                raise _TraceCut
            if counts[1] >= max_bytes:
                cut.append(Cut("bytes", max_bytes, step))
                raise _TraceCut
            if time.perf_counter() > deadline[0]:
                cut.append(Cut("time", limits.max_time, step))
                raise _TraceCut

        def depth_of(frame: Any) -> int:
            """1 + the depth of the nearest traced frame below; the walk stops at ``run``
            (walking the host's whole stack would cost more than the rest of the event)."""
            back = frame.f_back
            while back is not None:
                code = back.f_code
                if code is _RUN_CODE:
                    return 0
                if code.co_filename == fname:
                    tr = back.f_trace
                    if tr is not None:
                        return getattr(tr, "depth", [-1])[0] + 1
                back = back.f_back
            return 0

        # The trace functions run at the same stack depth as the plainest settrace tracer
        # (one Python frame); deeper helpers catch RecursionError (see the module docstring).
        def tracer(frame: Any, event: str, arg: Any) -> Callable[..., Any] | None:
            code = frame.f_code
            if code.co_filename != fname:
                return None
            existing = frame.f_trace
            if existing is not None:  # a generator/coroutine frame resuming
                existing.unwinding[0] = False
                try:
                    existing.depth[0] = depth_of(frame)
                except RecursionError:
                    pass
                sink(
                    (
                        "resume",
                        counts[0],
                        existing.fid,
                        existing.depth[0],
                        frame.f_lineno,
                        code.co_name,
                        None,
                        None,
                        take() if pending else None,
                        False,
                    )
                )
                return existing
            func = code.co_name
            genlike = code.co_flags & _CO_GENLIKE
            module_like = not code.co_flags & _CO_NEWLOCALS
            atoms: dict[str, Any] = {}
            snaps: dict[str, Snapshot] = {}
            imms: dict[str, Any] = {}
            skipped: set[str] = set()
            fps: dict[str, Any] = {}
            counts[2] += 1
            fid = counts[2]
            depth = [0]
            unwinding = [False]  # an exception event since the last line: a return now unwinds

            def local(frame: Any, event: str, arg: Any) -> Callable[..., Any] | None:
                delta = None
                if record_states:
                    try:
                        delta = diff(frame.f_locals, atoms, snaps, imms, skipped, fps, module_like)
                    except RecursionError:  # no stack left for helpers: re-record all later
                        atoms.clear()
                        snaps.clear()
                        imms.clear()
                        fps.clear()
                if event == "line":
                    unwinding[0] = False
                    step = next(step_counter)
                    if step >= max_steps or counts[1] >= max_bytes or not step & _TIME_CHECK_MASK:
                        try:
                            check_limits(step)
                        except RecursionError:
                            pass
                    counts[0] = step + 1
                    sink(
                        (
                            "line",
                            step,
                            fid,
                            depth[0],
                            frame.f_lineno,
                            func,
                            delta,
                            None,
                            take() if pending else None,
                            False,
                        )
                    )
                    return local
                raised = False
                try:
                    if event == "return":
                        lasti = frame.f_lasti
                        co = code.co_code
                        op = co[lasti] if lasti >= 0 else -1
                        if op in _RETURN_OPS:
                            kind, value = "return", encode(arg)
                        elif (
                            genlike
                            and not unwinding[0]
                            and (
                                op in _YIELD_OPS
                                or (op == _RESUME_OP and lasti >= 2 and co[lasti - 2] in _YIELD_OPS)
                            )
                        ):
                            kind, value = "yield", encode(arg)
                        else:
                            kind, value, raised = "return", None, True
                    elif event == "exception":
                        unwinding[0] = True
                        kind, value = "exception", exc_value(arg)
                    else:  # opcode events are never enabled
                        return local
                except RecursionError:
                    kind, value = event, None
                counts[1] += 16
                sink(
                    (
                        kind,
                        counts[0],
                        fid,
                        depth[0],
                        frame.f_lineno,
                        func,
                        delta,
                        value,
                        take() if pending else None,
                        raised,
                    )
                )
                return local

            local.fid = fid  # type: ignore[attr-defined]
            local.depth = depth  # type: ignore[attr-defined]
            local.unwinding = unwinding  # type: ignore[attr-defined]
            delta = None
            try:
                depth[0] = depth_of(frame)
                if record_states:
                    delta = diff(frame.f_locals, atoms, snaps, imms, skipped, fps, module_like)
            except RecursionError:
                atoms.clear()
                snaps.clear()
                imms.clear()
                fps.clear()
            counts[1] += 16
            sink(
                (
                    "call",
                    counts[0],
                    fid,
                    depth[0],
                    frame.f_lineno,
                    func,
                    delta,
                    None,
                    take() if pending else None,
                    False,
                )
            )
            return local

        def exc_value(arg: Any) -> dict[str, str]:
            return exception_value(arg, enc)

        return tracer


def _exception_helper(enc: Encoder) -> Callable[[Any], dict[str, str]]:
    """The C engine's exception_value for a trace (made at its first exception event): a
    Python function calling ``exception_value``, the frames the Python engine's call of it
    goes through, so a RecursionError near the limit strikes where it would strike there."""
    return lambda arg: exception_value(arg, enc)


_RUN_CODE = Recorder.run.__code__
assert len(_YIELD_OPS) == 1, "the C engine knows one yield opcode"
_YIELD_OP = next(iter(_YIELD_OPS))
_RETURN_OPS_BYTES = bytes(sorted(_RETURN_OPS))
#: What every CTracer shares (csrc/module.c: the S_* items, in this order).
_CT_SHARED = (
    make_rules,
    _exception_helper,
    Cut,
    _TraceCut,
    time.perf_counter,
    _TRUE,
    _FALSE,
    _NONE,
    _RUN_CODE,
    _YIELD_OP,
    _RETURN_OPS_BYTES,
    _RESUME_OP,
    _CACHE_ITEMS,
)

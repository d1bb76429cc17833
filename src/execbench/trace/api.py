"""In-process tracing of trusted code: compile, run, record, build the ``Trace``.

The default mode traces *only the call*: the module body runs untraced, then
``entry(<call>)`` runs under the tracer (arguments are evaluated untraced first). This is
what reasoning tasks ask about ("what does f(x) do") and what the acceptance reference
tracer records. ``whole_program=True`` also traces the module body (``<module>`` frame and
class bodies). For untrusted code use :func:`execbench.trace.trace_many` (sandboxed).

In-process tracing swaps ``sys.stdout`` and the trace functions of the process while it
runs, so run one trace at a time per process.
"""

from __future__ import annotations

import itertools
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

from execbench.errors import UserError
from execbench.trace.engine import Recorder
from execbench.trace.exceptions import exception_info
from execbench.trace.types import ExceptionInfo, RawEvent, Trace, TraceLimits

__all__ = ["trace_call", "trace_program", "parse_call", "new_filename", "PROGRAM_MODULE"]

#: Name of the module the traced program runs as (registered in sys.modules while it runs,
#: so dataclasses, pickling and typing find it; ``if __name__ == "__main__"`` stays off).
PROGRAM_MODULE = "__execbench_program__"

_counter = itertools.count(1)
#: Limits are frozen, so the default is made once (two dataclasses per trace add up over
#: thousands of small traces).
_DEFAULT_LIMITS = TraceLimits()


def new_filename() -> str:
    """A ``co_filename`` no other code has, so frames of the traced source are recognised."""
    return f"<execbench-{next(_counter)}>"


def _capture(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


def parse_call(call: str) -> types.CodeType:
    """Compile the argument text of ``f(<call>)``; a syntax error is the user's to fix."""
    try:
        return compile(f"__execbench_args__({call}\n)", "<execbench-call>", "eval")
    except SyntaxError as exc:
        raise UserError(
            f"the call arguments {call!r} are not valid Python arguments ({exc.msg}); "
            "give them as you would write them inside f(...)"
        ) from None


def trace_program(
    code: str,
    *,
    limits: TraceLimits | None = None,
    record_states: bool = True,
    sink: Callable[[RawEvent], None] | None = None,
    engine: str | None = None,
) -> Trace:
    """Trace the whole module body of ``code`` (no entry call)."""
    return trace_call(
        code,
        None,
        None,
        limits=limits,
        record_states=record_states,
        whole_program=True,
        sink=sink,
        engine=engine,
    )


def trace_call(
    code: str,
    entry: str | None,
    call: str | None = "",
    *,
    limits: TraceLimits | None = None,
    record_states: bool = True,
    whole_program: bool = False,
    sink: Callable[[RawEvent], None] | None = None,
    package: str | None = None,
    path: Sequence[str] = (),
    engine: str | None = None,
) -> Trace:
    """Run ``code``, then trace ``entry(<call>)``; return the ``Trace``.

    ``package`` runs the program as a module of that package (its relative imports
    resolve there) and ``path`` puts import folders first on ``sys.path`` while it runs:
    a module of a real project can then import its siblings (``execbench build`` on a
    project). Both default to a standalone program, as before. ``engine`` picks a tracer
    engine by name (``execbench.trace.engine.ENGINES``); the default is the fastest exact one.

    ``sink`` (e.g. a :class:`execbench.trace.schema.TraceWriter`) receives the events as they
    happen instead of memory; the returned trace then has ``streamed=True`` and no events.
    Raises ``UserError`` when the call text does not parse or ``entry`` is not a function
    of the program; failures of the program itself are recorded in ``Trace.exception``.
    """
    limits = limits or _DEFAULT_LIMITS
    filename = new_filename()
    call_code = parse_call(call or "") if entry is not None else None
    recorder = Recorder(filename, limits, record_states, sink, engine)
    exc_info: ExceptionInfo | None = None
    return_value = None
    try:
        program = compile(code, filename, "exec")
        recorder.source = program
    except (SyntaxError, ValueError) as exc:
        exc_info = exception_info(exc, filename, recorder.encoder, "compile")
        return _build(code, entry, call, recorder, None, exc_info, whole_program, sink)
    module = types.ModuleType(PROGRAM_MODULE)
    namespace = module.__dict__
    if package is not None:
        namespace["__package__"] = package
    saved_module = sys.modules.get(PROGRAM_MODULE)
    saved_stdout = sys.stdout
    saved_path = list(sys.path)
    sys.path[:0] = list(path)
    sys.modules[PROGRAM_MODULE] = module
    sys.stdout = recorder.stdout
    try:
        if whole_program or entry is None:
            ok, result = recorder.run(exec, program, namespace)
        else:
            ok, result = _untraced(exec, program, namespace)
        if not ok:
            if result is not None:
                exc_info = exception_info(result, filename, recorder.encoder, "module")
        elif entry is not None and call_code is not None:
            func = namespace.get(entry)
            if not callable(func):
                names = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_"))
                raise UserError(
                    f"the program defines no function {entry!r} to call "
                    f"(it defines: {', '.join(names) or 'none'}); check the entry name"
                )
            ok, parsed = _untraced(eval, call_code, namespace, {"__execbench_args__": _capture})
            if not ok:
                exc_info = exception_info(parsed, filename, recorder.encoder, "args")
            else:
                args, kwargs = parsed
                ok, result = recorder.run(func, *args, **kwargs)
                if ok:
                    return_value = recorder.encode(result)
                elif result is not None:
                    exc_info = exception_info(result, filename, recorder.encoder, "call")
    finally:
        sys.stdout = saved_stdout
        if path:
            sys.path[:] = saved_path
        if saved_module is None:
            sys.modules.pop(PROGRAM_MODULE, None)
        else:
            sys.modules[PROGRAM_MODULE] = saved_module
    return _build(code, entry, call, recorder, return_value, exc_info, whole_program, sink)


def _untraced(fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    try:
        return True, fn(*args)
    except BaseException as exc:  # the program's failure is data
        return False, exc


def _build(
    code: str,
    entry: str | None,
    call: str | None,
    recorder: Recorder,
    return_value: Any,
    exc_info: ExceptionInfo | None,
    whole_program: bool,
    sink: Callable[[RawEvent], None] | None,
) -> Trace:
    return Trace(
        source=code,
        entry=entry,
        call=call if entry is not None else None,
        raw=tuple(recorder.raw),
        steps=recorder.steps,
        return_value=return_value,
        exception=exc_info,
        stdout="".join(recorder.stdout.total),
        cut=recorder.cut,
        whole_program=whole_program or entry is None,
        streamed=sink is not None,
    )

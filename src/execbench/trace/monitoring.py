"""The ``sys.monitoring`` tool the ``monitor`` engine runs on (3.12+), held across runs.

A run switches the events on for the traced source's code objects only, so no other code
is instrumented or slowed; the exception events, which cannot be set per code object, are
switched on globally. Changing the global events is what costs: it re-instruments every
code object the interpreter runs next, the host's included, and measured on the small
CRUXEval calls that made the setup of a traced call cost more than the whole empty
``sys.monitoring`` tool. So the first run claims a tool id (``execbench``), registers its
callbacks and switches the exception events on (``_ctracer.hold``) and later runs reuse
it: a run only switches its code objects' local events on and off. Between runs the held
tool's callbacks find no tracer and return at once (an exception raised by the host costs
one C call). ``release()`` gives the tool id back (also at exit); a run that finds the
held tool busy (a run in another thread, or a nested one) claims one of its own and gives
it back when it ends.
"""

from __future__ import annotations

import atexit
import sys
import types
from typing import Any

__all__ = ["NAME", "release", "start", "stop"]

#: The name the held tool id is claimed under (``sys.monitoring.get_tool``).
NAME = "execbench"
#: sys.monitoring tool ids tried, in order: the ones PEP 669 leaves free, then the rest
#: (a debugger, coverage or profiler of the host may hold theirs).
_TOOL_IDS = (3, 4, 5, 2, 0, 1)
#: Held tool ids no run is using (at most one is kept between runs).
_FREE: list[int] = []
_ext: Any = None


def _extension() -> Any:
    """The C extension (the engine chose ``monitor``, so it is built and current)."""
    global _ext
    if _ext is None:
        from execbench.trace import _ctracer

        _ext = _ctracer
    return _ext


def _claim() -> int | None:
    """A free tool id, claimed and held; None when all are taken (the run then uses the C
    engine through settrace, which records the same)."""
    mon = sys.monitoring  # type: ignore[attr-defined]
    for tool in _TOOL_IDS:
        if mon.get_tool(tool) is None:
            mon.use_tool_id(tool, NAME)
            try:
                _extension().hold(tool)
            except BaseException:
                mon.free_tool_id(tool)
                raise
            return tool
    return None


def _drop(tool: int) -> None:
    try:
        _extension().release(tool)
    finally:
        sys.monitoring.free_tool_id(tool)  # type: ignore[attr-defined]


def start(ctracer: Any, source: types.CodeType) -> int | None:
    """Feed ``ctracer`` from a held tool's events, switched on for the code objects of
    ``source`` (it and every code object nested in it: all the traced source's code): the events
    CPython's own settrace layer is built from (Python/legacy_tracing.c), each to the
    callback that turns it into the settrace event it stands for (``csrc/monitor.c``).
    Returns the tool id (for ``stop``), or None when no tool id is free."""
    mon = sys.monitoring  # type: ignore[attr-defined]
    tool = None
    while _FREE:
        try:
            held = _FREE.pop()
        except IndexError:  # another thread took it
            break
        if mon.get_tool(held) == NAME:
            tool = held
            break
        # freed (and maybe claimed anew) by someone else: not ours to release any more
    if tool is None:
        tool = _claim()
        if tool is None:
            return None
    try:
        ctracer.watch(tool, source)
    except BaseException:
        _put_back(tool)
        raise
    return tool


def stop(tool: int, ctracer: Any) -> None:
    """Switch off what ``start`` switched on; the tool id stays held for the next run."""
    try:
        ctracer.unwatch(tool)
    finally:
        _put_back(tool)


def _put_back(tool: int) -> None:
    if sys.monitoring.get_tool(tool) != NAME:  # type: ignore[attr-defined]
        return  # freed (and maybe claimed anew) by someone else: not ours to release
    if _FREE:
        _drop(tool)
    else:
        _FREE.append(tool)


def release() -> None:
    """Give the held tool id back: callbacks unregistered, events off, id freed. Call it
    between runs (a host that wants every tool id for itself); the next run claims anew."""
    while _FREE:
        tool = _FREE.pop()
        if sys.monitoring.get_tool(tool) == NAME:  # type: ignore[attr-defined]
            _drop(tool)


if hasattr(sys, "monitoring"):
    atexit.register(release)

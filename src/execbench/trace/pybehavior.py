"""Every interpreter difference the tracer depends on, named in one place.

Like coverage.py's ``env.PYBEHAVIOR``: code elsewhere asks ``PYBEHAVIOR.<flag>`` instead of
comparing version numbers, so the reason for each branch is written down once, here.

The line sequence a trace reports is *defined* as what the running interpreter's tracing
reports (``sys.settrace`` line events), so traces taken on 3.11 and 3.12+ may differ for the
same program; the trace header records the Python version for that reason.
"""

from __future__ import annotations

import dis
import sys
from dataclasses import dataclass

__all__ = ["PyBehavior", "PYBEHAVIOR"]


@dataclass(frozen=True)
class PyBehavior:
    """Facts about the running interpreter that change what a trace looks like."""

    version: tuple[int, int]
    """(major, minor) of the running interpreter."""
    comprehensions_inlined: bool
    """PEP 709 (3.12+): list/dict/set comprehensions run in the enclosing frame, so they
    produce no call/return events and their variables appear among the caller's locals.
    On 3.11 they are separate frames named ``<listcomp>`` etc. with a hidden ``.0`` local."""
    has_sys_monitoring: bool
    """PEP 669 (3.12+): ``sys.monitoring`` exists and can replace ``sys.settrace``."""
    settrace_locals_synced: bool
    """3.11-3.12: ``sys.settrace`` calls ``PyFrame_FastToLocals`` before every trace call, so
    ``frame.f_locals`` is a plain dict that is already up to date (reading it is cheap).
    3.13+ (PEP 667): ``f_locals`` is a write-through proxy, built on each access; the
    engine only iterates it, which the proxy supports. The C engine builds the dict the
    proxy would give (bound fast locals in slot order, cells read through) straight from
    the frame's fast locals (``csrc/locals.c``): CPython's own copy costs more than the
    rest of an event, and on 3.13.0 the proxy crashes where an inlined comprehension rebinds
    a cell variable's name (CPython gh-128396); the C engine reads that slot's plain value."""
    yield_opcodes: frozenset[int]
    """Opcodes at ``f_lasti`` when a settrace ``return`` event is really a ``yield``
    (settrace reports both as ``return``; the instruction tells them apart)."""
    yield_lasti_after: bool
    """3.13+: at a yield's ``return`` event ``f_lasti`` is the ``RESUME`` after the
    ``YIELD_VALUE`` (up to 3.12 it is the ``YIELD_VALUE`` itself)."""
    return_opcodes: frozenset[int]
    """Opcodes at ``f_lasti`` when a settrace ``return`` event is a real return (3.12 adds
    ``RETURN_CONST`` for ``return <constant>``); any other instruction there means the
    frame is unwinding an exception."""
    lasti_is_byte_offset: bool
    """``frame.f_lasti`` is a byte offset into ``co_code`` (true since 3.10)."""
    int_max_str_digits: int
    """3.11+ (CVE-2020-10735): ``str(int)`` raises beyond this many digits (0 = no limit);
    snapshots never format ints that large."""
    hidden_local_prefix: str
    """Locals whose names start with this are compiler temporaries (``.0`` is the iterator
    passed to a 3.11 comprehension frame); snapshots leave them out."""


def _detect() -> PyBehavior:
    version = (sys.version_info.major, sys.version_info.minor)
    yield_ops = {dis.opmap[name] for name in ("YIELD_VALUE",) if name in dis.opmap}
    return_ops = {dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap}
    get_limit = getattr(sys, "get_int_max_str_digits", None)
    return PyBehavior(
        version=version,
        comprehensions_inlined=version >= (3, 12),
        has_sys_monitoring=hasattr(sys, "monitoring"),
        settrace_locals_synced=version < (3, 13),
        yield_opcodes=frozenset(yield_ops),
        return_opcodes=frozenset(return_ops),
        yield_lasti_after=version >= (3, 13),
        lasti_is_byte_offset=version >= (3, 10),
        int_max_str_digits=int(get_limit()) if get_limit is not None else 0,
        hidden_local_prefix=".",
    )


#: The running interpreter's behaviour; computed once at import.
PYBEHAVIOR = _detect()

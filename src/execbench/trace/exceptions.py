"""What an exception was, read without running the program's code.

Exceptions raised by traced programs are data: their type name, message and the traced
line they came from. Their ``__str__`` may be the program's own (and hostile), so it is
only called when it is a builtin's and every argument is an atomic value.
"""

from __future__ import annotations

from typing import Any

from execbench.trace.snapshot import ATOMIC_TYPES, Encoder
from execbench.trace.types import ExceptionInfo

__all__ = ["safe_exception_info", "exception_value", "exception_info", "deepest_line"]


def safe_exception_info(exc: BaseException, encoder: Encoder) -> tuple[str, str]:
    """(type name, message) of an exception without running the program's ``__str__``.

    A builtin exception class's ``__str__`` is called only when all its args are atomic
    values (then it cannot reach user code); otherwise the message is the args' snapshot.
    """
    cls = type(exc)
    info = encoder._info(cls)
    user_str = False
    for klass in type.__dict__["__mro__"].__get__(cls):
        cdict = type.__dict__["__dict__"].__get__(klass)
        if "__str__" in cdict:
            user_str = type.__dict__["__module__"].__get__(klass) != "builtins"
            break
    args = BaseException.__dict__["args"].__get__(exc)
    if not user_str and all(type(a) in ATOMIC_TYPES for a in args):
        try:
            return info.name, cls.__str__(exc)
        except Exception:
            pass
    snap = encoder.encode(args)
    items = snap.get("items") or []
    text = items[0]["repr"] if len(items) == 1 else snap["repr"]
    return info.name, text


def exception_value(arg: Any, enc: Encoder) -> dict[str, str]:
    etype, message = (
        safe_exception_info(arg[1], enc) if arg[1] is not None else (getattr(arg[0], "__name__", "?"), "")
    )
    return {"type": etype, "message": message}


def deepest_line(exc: BaseException, filename: str) -> int | None:
    """Line of the traced source where ``exc`` was raised (its deepest traced frame)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and type(exc) is SyntaxError or issubclass(type(exc), SyntaxError):
        lineno = SyntaxError.__dict__["lineno"].__get__(exc)
        line = lineno if type(lineno) is int else None
    return line


def exception_info(exc: BaseException, filename: str, encoder: Encoder, phase: str) -> ExceptionInfo:
    etype, message = safe_exception_info(exc, encoder)
    return ExceptionInfo(etype, message, deepest_line(exc, filename), phase)

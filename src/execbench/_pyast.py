"""``ast.parse`` and ``ast.literal_eval`` that are safe to call from several threads at once.

Why this exists: CPython 3.11 keeps the counter that the AST constructor uses to guard its
recursion in per-interpreter state, not per call (python/cpython#106905). When one thread is
turning a parse tree into Python objects and the cyclic garbage collector runs a finalizer that
lets another thread in, and that thread parses too, the first parse fails with ``SystemError:
AST constructor recursion depth mismatch``. execbench parses in worker threads beside the event
loop (``repair`` traces in ``asyncio.to_thread``, the judge's thread pool, the run engine's
scorer), and CI hit exactly this on 3.11.7: a whole ``repair`` run died on it. 3.12.1 and 3.13
keep the counter per call and do not fail (checked with a finalizer that parses in another
thread mid-parse: only 3.11.7 raises).

So every parse in execbench goes through here and, on 3.11, holds one process-wide re-entrant
lock: a thread that wants to parse while another is mid-parse waits for it. Parsing is short and
never runs user code, so the lock costs nothing measurable. Parses by other libraries (e.g.
``traceback`` formatting carets) do not take the lock; they are rare and not in execbench's
threads' hot paths.
"""

from __future__ import annotations

import ast
import contextlib
import sys
import threading
from typing import Any, Literal, overload

__all__ = ["literal_eval", "parse"]

#: Serialises parses on the interpreters with the shared counter; a no-op elsewhere.
_GUARD: contextlib.AbstractContextManager[Any] = (
    threading.RLock() if sys.version_info < (3, 12) else contextlib.nullcontext()
)


@overload
def parse(source: str, mode: Literal["exec"] = "exec") -> ast.Module: ...
@overload
def parse(source: str, mode: Literal["eval"]) -> ast.Expression: ...
@overload
def parse(source: str, mode: str) -> ast.AST: ...
def parse(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse(source, mode=mode)``, serialised where CPython needs it (see the module doc)."""
    with _GUARD:
        return ast.parse(source, mode=mode)


def literal_eval(node_or_string: str | ast.AST) -> Any:
    """``ast.literal_eval``; a string is parsed under the same guard as :func:`parse`."""
    with _GUARD:
        return ast.literal_eval(node_or_string)

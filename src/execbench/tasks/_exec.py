"""One door to the sandbox for building and scoring: a batch of requests in, results out.

Everything that runs a program (probing calls for ground truth, verifying answers) goes
through :func:`run_requests`, so a whole build or scoring pass is one batch over one pool:
warm workers, one channel each, results matched back by request id.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from execbench.compat.execute import COMPAT_PRELOAD
from execbench.sandbox.pool import DEFAULT_PRELOAD
from execbench.sandbox.types import ExecRequest, ExecResult

__all__ = ["run_requests", "open_pool", "PRELOAD"]

#: Modules the workers import once, so each execution is a fork of a warm process.
#: The compat modules are included because CRUXEval-mode verdicts depend on them being
#: importable (e.g. ``str.encode`` codecs) once the child has dropped its privileges.
PRELOAD: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *DEFAULT_PRELOAD,
            *COMPAT_PRELOAD,
            "unittest",
            "execbench.tasks._probe",
            "execbench.tasks._verify",
            "execbench.compat.harness",
            "execbench.judge._runner",
            "execbench.judge._replay",
            "execbench.compat.reval",
        )
    )
)


def open_pool(workers: int | None = None, python: str | None = None) -> Any:
    """A pool with the task runners preloaded (the caller closes it, e.g. ``with open_pool() as pool``).

    ``python``: run the workers with that interpreter (``--python PATH``).
    """
    from execbench.sandbox import SandboxPool

    if python is not None:
        from execbench.sandbox.isolation import other_interpreter

        other_interpreter(python)  # a bad path is the user's one-line error, before any worker starts
    return SandboxPool(workers=workers or os.cpu_count() or 1, preload=PRELOAD, python=python)


def run_requests(requests: Sequence[ExecRequest], pool: Any = None) -> list[ExecResult]:
    """Results for ``requests`` in order; ``pool`` is reused when given, else one is started here."""
    if not requests:
        return []
    tagged = [replace(r, id=str(i)) for i, r in enumerate(requests)]
    if pool is not None:
        results = list(pool.map(tagged))
    else:
        with open_pool() as own:
            results = list(own.map(tagged))
    by_id = {r.id: r for r in results}
    return [by_id[r.id] for r in tagged]

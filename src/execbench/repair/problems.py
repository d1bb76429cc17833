"""What the repair loop works on: one :class:`RepairProblem` per task, from a suite and a
seeds file.

SEEDS may be human-eval samples (``task_id``, ``completion``), LDB seed files (``task_id``,
``solution``), LDB results files (``implementations``; the ``seed`` field is the seed), or
``generate`` (the model writes the seeds). Visible tests are LDB's ``given_tests`` when the
row (or the suite's problem file) has them, else the prompt's doctest examples as asserts.
Hidden tests are the suite's. When a seeds row carries the problem itself (``prompt``,
``entry_point``, ``test``: LDB's files do), it is used, so LDB's files replay without the
dataset download; otherwise the problem comes from the suite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from execbench.datasets.humaneval import Problem
from execbench.datasets.loading import read_text
from execbench.errors import UserError
from execbench.repair.ldbcompat import docstring_tests, prepare_program, visible_tests

__all__ = ["RepairProblem", "load_problems", "suite_mode"]


@dataclass(frozen=True)
class RepairProblem:
    """One task to repair."""

    problem: Problem
    """Prompt, entry point and hidden tests."""
    visible: tuple[str, ...]
    """The tests the model may see (after LDB's filter)."""
    seed: str | None
    """The seed program (LDB-prepared, with the import header); None: generate it."""
    recorded: tuple[str, ...] = ()
    """LDB results files: the programs LDB produced, seed first (for ``replay:``)."""
    meta: Mapping[str, Any] = field(default_factory=dict)


def suite_mode(suite: str) -> str:
    """``humaneval`` or ``mbpp`` (how hidden tests are called), from the suite name."""
    name = suite.split(":", 1)[0].lower()
    return "mbpp" if name == "mbpp" else "humaneval"


def _rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(read_text(path, what="seeds file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise UserError(f"{path}:{number}: not JSON (seeds are JSONL)") from None
        if not isinstance(row, dict) or not isinstance(row.get("task_id"), str):
            raise UserError(f"{path}:{number}: needs a string 'task_id'")
        rows.append(row)
    if not rows:
        raise UserError(f"seeds file {path} is empty")
    return rows


def _suite_problems(suite: str) -> dict[str, Problem]:
    name, _, data = suite.partition(":")
    if name.lower() == "mbpp":
        from execbench.datasets.mbpp import load_mbpp

        return load_mbpp(data or None)
    if name.lower() == "humaneval":
        from execbench.datasets.humaneval import load_humaneval

        return load_humaneval(data or None)
    path = Path(suite)
    if path.exists():
        from execbench.datasets.humaneval import load_humaneval

        return load_humaneval(path)
    raise UserError(f"unknown suite {suite!r}: use humaneval, mbpp, NAME:DATA or a problems file")


def _own_problem(row: Mapping[str, Any]) -> Problem | None:
    if all(isinstance(row.get(k), str) for k in ("prompt", "entry_point", "test")):
        return Problem(
            task_id=row["task_id"], prompt=row["prompt"], entry_point=row["entry_point"], test=row["test"]
        )
    return None


def _seed_text(row: Mapping[str, Any], problem: Problem, where: str) -> tuple[str, tuple[str, ...]]:
    if "implementations" in row:
        impls = row["implementations"]
        if not isinstance(impls, list) or not impls or not all(isinstance(x, str) for x in impls):
            raise UserError(f"{where}: 'implementations' must be a non-empty list of strings")
        seed = row.get("seed")
        program = (
            prepare_program(problem.prompt, seed, problem.entry_point)
            if isinstance(seed, str) and seed
            else impls[0]
        )
        return program, tuple(impls)
    if isinstance(row.get("completion"), str):
        return prepare_program(problem.prompt, problem.prompt + row["completion"], problem.entry_point), ()
    if isinstance(row.get("solution"), str):
        return prepare_program(problem.prompt, row["solution"], problem.entry_point), ()
    raise UserError(f"{where}: a seeds row needs 'completion', 'solution' or 'implementations'")


def load_problems(suite: str, seeds: str) -> list[RepairProblem]:
    """The problems to repair, in seeds-file order (``generate``: suite order)."""
    if seeds == "generate":
        problems = _suite_problems(suite)
        return [
            RepairProblem(
                p, tuple(visible_tests(docstring_tests(p.prompt, p.entry_point), p.entry_point)), None
            )
            for p in problems.values()
        ]
    path = Path(seeds)
    if not path.is_file():
        raise UserError(f"--seeds: no such file {seeds!r} (or pass 'generate')")
    rows = _rows(path)
    suite_problems: dict[str, Problem] | None = None
    out: list[RepairProblem] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, 1):
        where = f"{path}:{number}"
        task_id = row["task_id"]
        if task_id in seen:
            continue  # one seed per task: the first
        seen.add(task_id)
        problem = _own_problem(row)
        if problem is None:
            if suite_problems is None:
                suite_problems = _suite_problems(suite)
            problem = suite_problems.get(task_id)
            if problem is None:
                raise UserError(f"{where}: task {task_id!r} is not in suite {suite!r}")
        given = row.get("given_tests")
        if isinstance(given, list) and all(isinstance(t, str) for t in given):
            visible = visible_tests(list(given), problem.entry_point)
        else:
            visible = visible_tests(docstring_tests(problem.prompt, problem.entry_point), problem.entry_point)
        program, recorded = _seed_text(row, problem, where)
        out.append(RepairProblem(problem, tuple(visible), program, recorded))
    return out

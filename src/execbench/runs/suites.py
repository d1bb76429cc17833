"""Turning ``--suite`` into tasks: a task file, a suite name, or ``NAME:DATA``.

``--suite`` accepts:

- a task file written by ``execbench build`` (any existing path);
- a suite name from ``execbench.tasks.SUITES`` (``builtin``, ``cruxeval-o``, ``cruxeval-i``,
  ``humaneval``, ``mbpp``...), built on the fly;
- ``NAME:DATA`` -- the suite built from the dataset file at ``DATA`` (e.g.
  ``cruxeval-o:/data/cruxeval.jsonl``), for datasets execbench does not download itself.

The suite's identity (its data's sha256) is part of the run id, so an edited task file or
another dataset version starts a new run instead of resuming an unrelated one.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.runs.spec import file_digest
from execbench.tasks.types import Task

__all__ = ["split_suite", "suite_digest", "load_suite", "suite_names", "select_tasks", "stratified_sample"]


def suite_names() -> list[str]:
    from execbench import tasks

    return sorted(getattr(tasks, "SUITES", {}))


def split_suite(text: str) -> tuple[Path | None, str | None, str | None]:
    """(task file, suite name, data path): exactly one of file / name is set."""
    path = Path(text)
    if path.is_file():
        return path, None, None
    name, sep, data = text.partition(":")
    names = suite_names()
    if name in names:
        return None, name, (data or None) if sep else None
    if path.suffix in (".jsonl", ".json", ".gz") or "/" in text:
        raise UserError(f"task file not found: {text}; build one with 'execbench build' or name a suite")
    raise UserError(
        f"unknown suite {text!r}; choose one of {', '.join(names) or '(none installed)'}, "
        "NAME:DATA_FILE, or a task file from 'execbench build'"
    )


def suite_digest(text: str) -> str:
    """sha256 of what the suite is built from: the task file, the data file, or the name."""
    file, name, data = split_suite(text)
    if file is not None:
        return file_digest(file)
    if data is not None:
        data_path = Path(data)
        if not data_path.exists():
            raise UserError(f"data for suite {name!r} not found: {data}")
        if data_path.is_file():
            return file_digest(data_path)
    return hashlib.sha256(str(name).encode()).hexdigest()


def load_suite(text: str, *, limit: int | None = None, seed: int = 0, pool: Any = None) -> list[Task]:
    """The tasks of ``--suite``, the first ``limit`` of them when given."""
    from execbench import tasks as tasks_pkg

    if limit is not None and limit < 1:
        raise UserError("--limit must be at least 1")
    file, name, data = split_suite(text)
    if file is not None:
        from execbench.tasks.io import read_tasks

        loaded = list(read_tasks(file))
    else:
        source, kinds = tasks_pkg.SUITES[str(name)]
        if data is not None:
            source = _with_data(source, data)
        loaded = list(tasks_pkg.build_tasks(source, kinds=kinds, seed=seed, pool=pool))
    return loaded[:limit] if limit is not None else loaded


def _with_data(source: Any, data: str) -> Any:
    """The suite's source pointed at a user-given dataset file."""
    base = str(source).split(":", 1)[0]
    return f"{base}:{data}"


def _stratum(task: Task) -> tuple[str, str]:
    constructs = task.meta.get("constructs") or ()
    return task.kind, str(sorted(map(str, constructs))[0]) if constructs else ""


def stratified_sample(tasks: Sequence[Task], size: int, seed: int) -> list[Task]:
    """``size`` tasks drawn at random (``seed``) so that every (kind, first construct)
    stratum keeps its share (largest remainders round it), returned in suite order.

    A first-K cut takes whole programs in file order (14 trace tasks from 2 programs);
    a stratified sample spreads over kinds and constructs, and the seed makes it the
    same sample on every run.
    """
    if size >= len(tasks):
        return list(tasks)
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, task in enumerate(tasks):
        strata[_stratum(task)].append(index)
    keys = sorted(strata)
    quotas = {k: size * len(strata[k]) / len(tasks) for k in keys}
    counts = {k: int(quotas[k]) for k in keys}
    rng = random.Random(seed)
    order = sorted(keys, key=lambda k: (-(quotas[k] - counts[k]), rng.random()))
    for k in order[: size - sum(counts.values())]:
        counts[k] += 1
    chosen: list[int] = []
    for k in keys:
        chosen.extend(rng.sample(strata[k], counts[k]))
    return [tasks[i] for i in sorted(chosen)]


def select_tasks(
    tasks: Sequence[Task],
    *,
    kinds: Sequence[str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
) -> list[Task]:
    """The run's tasks: only ``kinds``, then a stratified ``sample``, then the first ``limit``."""
    selected = list(tasks)
    if kinds is not None:
        present = sorted({t.kind for t in tasks})
        unknown = [k for k in kinds if k not in present]
        if unknown:
            raise UserError(
                f"--kinds: this suite has no {', '.join(unknown)} tasks; its kinds are {', '.join(present)}"
            )
        selected = [t for t in selected if t.kind in set(kinds)]
    if sample is not None:
        if sample < 1:
            raise UserError("--sample must be at least 1")
        selected = stratified_sample(selected, sample, seed)
    if limit is not None:
        if limit < 1:
            raise UserError("--limit must be at least 1")
        selected = selected[:limit]
    return selected

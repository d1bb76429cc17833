"""Task and prediction files: JSON Lines, one record per line, deterministic bytes.

``write_tasks`` sorts keys and uses fixed separators so that two builds with the same seed
produce byte-identical files (diffable, cacheable). Readers check ``schema_version`` and
refuse files written by a newer execbench with a message saying so.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from execbench.datasets.loading import read_jsonl
from execbench.errors import UserError
from execbench.tasks.types import TASK_SCHEMA_VERSION, Prediction, Task

__all__ = [
    "task_to_json",
    "task_from_json",
    "write_tasks",
    "read_tasks",
    "read_predictions",
    "predictions_lines",
    "dumps_line",
]


def dumps_line(record: dict[str, Any]) -> str:
    """One canonical JSON line (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def task_to_json(task: Task) -> dict[str, Any]:
    return asdict(task)


def task_from_json(row: dict[str, Any], where: str) -> Task:
    if not isinstance(row, dict):
        raise UserError(f"{where}: a task line must be a JSON object")
    version = row.get("schema_version", 1)
    if not isinstance(version, int) or version > TASK_SCHEMA_VERSION:
        raise UserError(
            f"{where}: task schema_version {version!r} is newer than this execbench reads "
            f"({TASK_SCHEMA_VERSION}); upgrade execbench or rebuild the tasks"
        )
    missing = [k for k in ("task_id", "kind", "prompt", "prompt_cot", "answer") if k not in row]
    if missing:
        raise UserError(
            f"{where}: task record lacks {', '.join(missing)}; is this a tasks file from 'execbench build'?"
        )
    meta = row.get("meta") or {}
    if not isinstance(meta, dict):
        raise UserError(f"{where}: 'meta' must be an object")
    return Task(
        task_id=str(row["task_id"]),
        kind=str(row["kind"]),
        prompt=str(row["prompt"]),
        prompt_cot=str(row["prompt_cot"]),
        answer=row["answer"],
        meta=meta,
        schema_version=version,
    )


def write_tasks(tasks: Iterable[Task], path: str | Path) -> None:
    """Write tasks as JSON Lines; ``"-"`` writes to stdout."""
    text = "".join(dumps_line(task_to_json(t)) for t in tasks)
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    try:
        if target.parent and not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise UserError(f"{target}: cannot write tasks: {exc.strerror or exc}") from None


def _read_lines(path: str | Path, what: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """``(where, object)`` per non-blank line, through the one JSONL reader of the project."""
    for number, row in read_jsonl(path, what=f"{what} file"):
        yield f"{path}:{number}", row


def read_tasks(path: str | Path) -> list[Task]:
    """Tasks of a file written by :func:`write_tasks` (or by hand, in the same shape)."""
    tasks = [task_from_json(row, where) for where, row in _read_lines(path, "tasks")]
    seen: set[str] = set()
    for task in tasks:
        if task.task_id in seen:
            raise UserError(f"{path}: task id {task.task_id!r} appears twice")
        seen.add(task.task_id)
    return tasks


def read_predictions(path: str | Path) -> list[Prediction]:
    """Prediction lines ``{task_id, prediction[, sample]}`` (``text`` is accepted for ``prediction``)."""
    out: list[Prediction] = []
    for where, row in _read_lines(path, "predictions"):
        if not isinstance(row, dict) or "task_id" not in row:
            raise UserError(f"{where}: a prediction line needs 'task_id' and 'prediction'")
        text = row.get("prediction", row.get("text"))
        if not isinstance(text, str):
            raise UserError(f"{where}: 'prediction' must be the model's raw text (a string)")
        sample = row.get("sample", 0)
        if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
            raise UserError(f"{where}: 'sample' must be a non-negative integer")
        out.append(Prediction(task_id=str(row["task_id"]), text=text, sample=sample))
    return out


def predictions_lines(predictions: Sequence[Prediction]) -> str:
    """Predictions back as JSON Lines (used to turn generation files into prediction files)."""
    return "".join(
        dumps_line({"task_id": p.task_id, "prediction": p.text, "sample": p.sample}) for p in predictions
    )

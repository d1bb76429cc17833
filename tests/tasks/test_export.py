"""``export_tasks``: training records with trace-derived rationales, in jsonl, parquet and hf layouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tasks_helpers import subject, tasks_of

from execbench.errors import UserError
from execbench.tasks import write_tasks
from execbench.tasks.export import export_tasks, training_records

CODE = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"


@pytest.fixture()
def tasks_file(tmp_path: Path) -> Path:
    tasks = list(tasks_of(subject(CODE, "list(range(8))", kinds=("output", "exception"))).values())
    tasks += list(
        tasks_of(
            subject("def f(x):\n    return 1 // x\n", "0", program_id="user/z", id_prefix="user/z/0")
        ).values()
    )
    path = tmp_path / "tasks.jsonl"
    write_tasks(tasks, path)
    return path


def test_records_with_rationale(tasks_file: Path, pool: Any) -> None:
    from execbench.tasks import read_tasks

    records = training_records(read_tasks(tasks_file), with_rationale=True, pool=pool)
    assert [r["id"] for r in records] == ["user/t/0", "user/z/0"]
    loop, crash = records
    assert loop["output"] == "28" and loop["exception"] is None
    rationale = loop["rationale"].split("\n")
    assert rationale[0] == "line 2: total = 0  → total = 0"
    assert any(
        "iterations of the loop at line 3 not shown" in line for line in rationale
    )  # 8 iterations compressed
    assert rationale[-1] == "return 28"
    assert loop["response"].endswith("[ANSWER]\n28\n[/ANSWER]") and "[THOUGHT]" in loop["response"]
    assert crash["exception"] == "ZeroDivisionError" and "raises ZeroDivisionError" in crash["rationale"]


def test_formats(tasks_file: Path, tmp_path: Path) -> None:
    out = export_tasks(tasks_file, "jsonl", tmp_path / "train.jsonl", False)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert (
        len(rows) == 2
        and "rationale" not in rows[0]
        and rows[0]["prompt"].startswith("Execute the Python program")
    )
    hf = export_tasks(tasks_file, "hf", tmp_path / "hf", True)
    card = (hf / "README.md").read_text()
    assert card.startswith("---\nconfigs:") and "path: data/train.parquet" in card
    import pyarrow.parquet as pq

    table = pq.read_table(hf / "data" / "train.parquet")
    assert table.num_rows == 2 and "rationale" in table.column_names
    with pytest.raises(UserError):
        export_tasks(tasks_file, "csv", None, False)


def test_every_record_has_a_rationale_or_says_why_not(pool: Any) -> None:
    from execbench.tasks.types import Task

    def task(tid: str, code: str, args: str, source: str) -> Task:
        meta = {"program": code, "entry": "f", "args": args, "input": f"f({args})", "program_id": tid}
        return Task(f"{tid}/0/output", "output", "p", "p", "1", {**meta, "source": source})

    long_loop = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return 1\n"
    sibling = "from .util import one\n\ndef f():\n    return one()\n"
    records = training_records(
        [
            task("user/fine", "def f(x):\n    return x\n", "1", "user"),
            task("user/long", long_loop, "100000", "user"),
            task("project/pkg/mod.py:f", sibling, "", "project"),
        ],
        with_rationale=True,
        pool=pool,
    )
    fine, long, project = records
    assert fine["rationale"] == "line 2: return x\nreturn 1" and "rationale_missing" not in fine
    assert long["rationale"] is None and "step limit" in long["rationale_missing"]
    assert project["rationale"] is None and "sibling modules" in project["rationale_missing"]

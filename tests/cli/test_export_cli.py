"""``execbench export`` on a task file hands over to ``execbench.tasks.export.export_tasks``."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main


def test_task_files_go_to_the_tasks_exporter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    fake = types.ModuleType("execbench.tasks.export")
    fake.export_tasks = lambda *args: calls.append(args)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "execbench.tasks.export", fake)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("{}\n")
    out = tmp_path / "out.parquet"
    assert main(["export", str(tasks), "--format", "parquet", "--out", str(out), "--with-rationale"]) == 0
    assert main(["export", str(tasks), "--format", "hf"]) == 0
    assert calls == [(tasks, "parquet", out, True), (tasks, "hf", None, False)]


def test_task_files_do_not_export_to_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("{}\n")
    assert main(["export", str(tasks), "--format", "csv"]) == 2
    assert "task files export to jsonl, parquet, hf" in capsys.readouterr().err


def test_rationale_needs_a_task_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.sqlite")
    assert main(["export", "some-run", "--format", "jsonl", "--with-rationale", "--store", store]) == 2
    assert "--with-rationale applies to task files" in capsys.readouterr().err

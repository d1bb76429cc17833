"""``execbench score tasks``: predictions file in, JSON summary or tables out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.cli import main

PROG = (
    "# execbench: entry=f constructs=numeric\n# execbench: input=4\n"
    "def f(n):\n    acc = 1\n    while n > 1:\n        acc *= n\n        n -= 1\n    return acc\n"
)


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "p.py").write_text(PROG)
    tasks = tmp_path / "tasks.jsonl"
    assert main(["build", str(tmp_path / "p.py"), "--kinds", "output,loop,path", "--out", str(tasks)]) == 0
    ids = [json.loads(line)["task_id"] for line in tasks.read_text().splitlines()]
    answers = {
        "output": "[ANSWER]24[/ANSWER]",
        "loop": "[ANSWER]3[/ANSWER]",
        "path": "[ANSWER][4, 5, 6, 7][/ANSWER]",
    }
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        "".join(json.dumps({"task_id": i, "prediction": answers[i.split("/")[3]]}) + "\n" for i in ids)
    )
    return tasks, preds


def test_json_summary(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    tasks, preds = files
    capsys.readouterr()
    assert main(["score", "tasks", "--tasks", str(tasks), "--predictions", str(preds), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["output"]["accuracy"] == 100.0 and summary["output"]["disagreements"] == 0
    assert summary["loop"]["accuracy"] == 100.0
    assert summary["path"]["acc_hard"] == 0.0 and 0 < summary["path"]["sim"] < 1


def test_tables_show_kinds_and_constructs(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tasks, preds = files
    capsys.readouterr()
    assert main(["score", "tasks", "--tasks", str(tasks), "--predictions", str(preds)]) == 0
    out = capsys.readouterr().out
    assert "numeric" in out and "loop" in out and "1/1" in out


def test_bad_predictions_file(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks, _ = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "x", "prediction": 3}\n')
    assert main(["score", "tasks", "--tasks", str(tasks), "--predictions", str(bad)]) == 2
    assert "must be the model's raw text" in capsys.readouterr().err

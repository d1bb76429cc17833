"""Bad input is one line on stderr, exit 2, no traceback: deeply nested JSON, an unopenable
``--out``, a results store locked by another process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from execbench.cli import main
from execbench.runs.store import BUSY_TIMEOUT_ENV, Store

DEEP = "[" * 100_000 + "]" * 100_000


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("execbench: error: ") and "Traceback" not in err
    for word in words:
        assert word in err


def test_deeply_nested_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep_json, deep_jsonl = tmp_path / "deep.json", tmp_path / "deep.jsonl"
    deep_json.write_text(DEEP)
    deep_jsonl.write_text(DEEP + "\n")
    data = tmp_path / "crux.jsonl"
    data.write_text(
        json.dumps({"id": "s", "code": "def f(x):\n    return x", "input": "1", "output": "1"}) + "\n"
    )
    out = str(tmp_path / "out.json")
    crux = ["score", "cruxeval", "--mode", "output", "--generations", str(deep_json), "--data", str(data)]
    _one_line_error(capsys, [*crux, "--out", out], "nested too deeply")
    _one_line_error(capsys, ["trace", "--batch", str(deep_jsonl)], "nested too deeply")
    tasks = ["score", "tasks", "--tasks", str(deep_jsonl), "--predictions", str(deep_jsonl)]
    _one_line_error(capsys, tasks, "nested too deeply")


def test_trace_batch_out_that_cannot_be_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps({"code": "def f():\n    return 1\n", "entry": "f"}) + "\n")
    argv = ["trace", "--batch", str(calls), "--out", str(tmp_path / "no" / "such" / "dir.jsonl")]
    _one_line_error(capsys, argv, "cannot open --out")


@pytest.mark.timeout(120)
def test_a_locked_store_says_it_is_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.sqlite"
    with Store.open(path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('PRAGMA locking_mode=EXCLUSIVE')\nc.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\ntime.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv(BUSY_TIMEOUT_ENV, "0.5")
        _one_line_error(capsys, ["runs", "list", "--store", str(path)], "is locked by another process")
    finally:
        holder.kill()
        holder.wait()

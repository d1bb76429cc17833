"""``execbench runs``, ``export``, ``compare`` and ``leaderboard`` over a store filled with fake runs."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))

from runs_fakes import FakeBackend, FakeExecutor, make_tasks  # noqa: E402

from execbench.cli import main  # noqa: E402
from execbench.runs import EvalOptions, RunSpec, Store, run_eval  # noqa: E402
from execbench.tasks.io import write_tasks  # noqa: E402


@pytest.fixture
def filled_store(tmp_path: Path) -> tuple[Path, str, str]:
    """A store with two runs of the same 40 tasks: A right on even tasks, B on multiples of 4."""
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(make_tasks(20), tasks)
    path = tmp_path / "runs.sqlite"
    ids = []
    with Store.open(path) as store:
        for every, name in ((2, "A"), (4, "B")):
            out = run_eval(
                RunSpec(suite=str(tasks), model=f"fake:{name}"),
                store=store,
                executor=FakeExecutor(),
                options=EvalOptions(run_id=f"run-{name}"),
                backend_factory=lambda _s, _c, every=every, name=name: FakeBackend(
                    every=every, name=f"fake:{name}"
                ),
            )
            ids.append(out.run.run_id)
    return path, ids[0], ids[1]


def test_runs_list_and_show(filled_store: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    store, a, b = filled_store
    assert main(["runs", "list", "--store", str(store), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in listed] == [a, b]
    assert listed[0]["metrics"]["output"]["pass@1"]["value"] == 50.0
    assert main(["runs", "show", "run-A", "--store", str(store), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "complete" and shown["environment"]["executor"] == "fake"
    assert shown["summary"]["n_scored"] == 40
    assert main(["runs", "list", "--store", str(store)]) == 0
    assert "run-A" in capsys.readouterr().out
    assert main(["runs", "show", "run-B", "--store", str(store)]) == 0
    assert "pass@1" in capsys.readouterr().out


def test_export_formats(
    filled_store: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, a, _b = filled_store
    assert main(["export", a, "--format", "jsonl", "--store", str(store)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 40
    from execbench.runs.export import COLUMNS

    assert list(lines[0]) == list(COLUMNS)
    assert {"prompt", "response", "extracted", "gold", "verdict", "finish_reason", "error"} <= set(COLUMNS)
    assert lines[0]["task_id"] == "fake/0/output" and lines[0]["correct"] is True
    assert lines[0]["verdict"] == "correct" and lines[0]["gold"] is not None and lines[0]["prompt"]
    out = tmp_path / "a.csv"
    assert main(["export", a, "--format", "csv", "--out", str(out), "--store", str(store)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 40 and rows[1]["correct"] == "False"
    pq = tmp_path / "a.parquet"
    assert main(["export", a, "--format", "parquet", "--out", str(pq), "--store", str(store)]) == 0
    import pyarrow.parquet as parquet

    table = parquet.read_table(pq)
    assert table.num_rows == 40 and table.column_names == list(COLUMNS)


def test_compare_and_leaderboard(
    filled_store: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, a, b = filled_store
    assert main(["compare", a, b, "--store", str(store), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    out = result["kinds"]["output"]
    assert (out["a"], out["b"], out["n_tasks"]) == (50.0, 25.0, 20)
    assert out["delta"]["value"] == 25.0 and out["delta"]["ci_low"] > 0
    # Tasks 2, 6, 10, 14, 18 are right in A only: 5 discordant pairs -> exact test, p = 2/32.
    assert out["mcnemar"] == {
        "a_only": 5,
        "b_only": 0,
        "statistic": None,
        "p_value": 0.0625,
        "method": "exact",
    }
    assert len(result["disagreements"]) == 10
    assert main(["compare", a, b, "--store", str(store)]) == 0
    assert "McNemar" in capsys.readouterr().out
    assert main(["leaderboard", "--store", str(store), "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in board] == ["fake:A", "fake:B"]
    assert main(["leaderboard", "--store", str(store)]) == 0
    assert "fake:A" in capsys.readouterr().out


def test_unknown_run_is_a_one_line_error(
    filled_store: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _a, _b = filled_store
    assert main(["runs", "show", "nope", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run 'nope'" in err
    assert main(["export", "nope", "--format", "csv", "--store", str(store)]) == 2
    assert main(["export", "run-A", "--format", "hf", "--store", str(store)]) == 2
    assert "runs export to" in capsys.readouterr().err


def test_readers_do_not_create_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.sqlite"
    for argv in (
        ["runs", "list"],
        ["leaderboard"],
        ["compare", "a", "b"],
        ["export", "a", "--format", "csv"],
    ):
        assert main([*argv, "--store", str(missing)]) == 2
        assert "no results store at" in capsys.readouterr().err
    assert not missing.exists()

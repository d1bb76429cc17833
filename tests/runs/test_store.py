"""The SQLite store: schema versioning, idempotent writes, run lookup."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from runs_fakes import make_tasks

from execbench.errors import UserError
from execbench.runs.store import SCHEMA_VERSION, CachedResponse, ResultRow, RunRecord, Store


def _record(run_id: str = "abc123") -> RunRecord:
    now = time.time()
    return RunRecord(
        run_id=run_id,
        config_hash="h" + run_id,
        config={"suite": "s", "model": "m"},
        model="m",
        suite="s",
        status="running",
        created_at=now,
        updated_at=now,
        execbench_version="0",
        python_version="3.11",
        environment={"executor": "local"},
    )


def _row(task_id: str, sample: int, correct: bool) -> ResultRow:
    return ResultRow(
        task_id, sample, "output", "text", "x", correct, float(correct), False, "passed", {"a": 1}
    )


def test_writes_are_idempotent(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        assert store.create_run(_record())
        assert not store.create_run(_record())
        tasks = make_tasks(3)
        store.add_tasks("abc123", tasks)
        store.add_tasks("abc123", tasks)
        assert store.load_tasks("abc123") == tasks
        assert (
            store.put_results("abc123", [_row("fake/0/output", 0, True), _row("fake/1/output", 0, False)])
            == 2
        )
        assert store.put_results("abc123", [_row("fake/0/output", 0, False)]) == 0
        rows = store.load_results("abc123")
        assert [(r.task_id, r.correct) for r in rows] == [("fake/0/output", True), ("fake/1/output", False)]
        store.put_response(
            "k", backend="b", model="m", sample=0, prompt="p", params={}, response=CachedResponse("t")
        )
        store.put_response(
            "k", backend="b", model="m", sample=0, prompt="p", params={}, response=CachedResponse("u")
        )
        assert store.get_responses(["k", "missing"]) == {"k": CachedResponse("t")}
        assert store.done_samples("abc123") == {("fake/0/output", 0), ("fake/1/output", 0)}


def test_merge_details_adds_fields_and_keeps_the_verdict(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        store.create_run(_record())
        store.add_tasks("abc123", make_tasks(2))
        store.put_results("abc123", [_row("fake/0/output", 0, True), _row("fake/1/output", 0, False)])
        updates = {("fake/0/output", 0): {"efficiency": 12}, ("fake/9/output", 0): {"plus": True}}
        assert store.merge_details("abc123", updates) == 1  # the unknown result is left out
        assert store.merge_details("abc123", {("fake/0/output", 0): {"plus": False}}) == 1
        rows = {r.task_id: r for r in store.load_results("abc123")}
        assert rows["fake/0/output"].details == {"a": 1, "efficiency": 12, "plus": False}
        assert rows["fake/0/output"].correct and rows["fake/1/output"].details == {"a": 1}


def test_timings_add_up_and_runs_resolve_by_prefix(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        store.create_run(_record("abc123"))
        store.create_run(_record("abd999"))
        store.add_timings("abc123", {"total": 1.5})
        store.add_timings("abc123", {"total": 2.0})
        assert store.resolve_run("abc1").timings == {"total": 3.5}
        with pytest.raises(UserError, match="ambiguous"):
            store.resolve_run("ab")
        with pytest.raises(UserError, match="no run 'zz'"):
            store.resolve_run("zz")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(UserError, match="newer than this execbench"):
        Store.open(path)


def test_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, just some text that is long enough " * 20)
    with pytest.raises(UserError, match="not an execbench store"):
        Store.open(path)


def test_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        Store.open(tmp_path / "nope" / "s.sqlite")


def test_default_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECBENCH_STORE", str(tmp_path / "env.sqlite"))
    with Store.open() as store:
        assert store.path == tmp_path / "env.sqlite"
    assert (tmp_path / "env.sqlite").exists()

"""Run summaries by hand: pass@k per kind, construct breakdown, report order; run identity."""

from __future__ import annotations

from pathlib import Path

import pytest
from runs_fakes import make_tasks

from execbench.runs.spec import RunSpec
from execbench.runs.store import ResultRow
from execbench.runs.suites import suite_digest
from execbench.runs.summary import per_task_first_correct, per_task_pass1, summarize_rows


def _row(task_id: str, kind: str, sample: int, correct: bool, skipped: bool = False) -> ResultRow:
    return ResultRow(task_id, sample, kind, "p", "x", correct, float(correct), skipped, "passed", {})


def test_summary_by_hand() -> None:
    tasks = make_tasks(2, kinds=("input", "output"))  # fake/0 constructs: strings; fake/1: loops
    rows = [
        _row("fake/0/output", "output", 0, True),
        _row("fake/0/output", "output", 1, False),
        _row("fake/1/output", "output", 0, False),
        _row("fake/1/output", "output", 1, False),
        _row("fake/0/input", "input", 0, True),
        _row("fake/0/input", "input", 1, True),
        # fake/1/input has no verdict yet: it is left out, not counted wrong
    ]
    s = summarize_rows(tasks, rows, 2)
    assert list(s["metrics"]) == ["output", "input"]  # report order, not file order
    assert s["metrics"]["output"]["pass@1"]["value"] == 25.0
    assert s["metrics"]["output"]["pass@2"]["value"] == 50.0
    assert s["metrics"]["input"]["pass@1"]["value"] == 100.0
    assert (s["n_tasks"], s["n_scored"], s["tasks_per_kind"]) == (4, 6, {"output": 2, "input": 1})
    assert s["by_construct"]["strings"]["output"]["pass@1"]["value"] == 50.0
    assert s["by_construct"]["loops"] == {"output": {"pass@1": {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}}}
    assert s["tasks_per_construct"] == {"loops": 1, "strings": 2}
    assert "score" not in s["metrics"]["output"]  # no partial credit in these kinds


def test_partial_credit_is_reported_as_score() -> None:
    tasks = make_tasks(1, kinds=("path",))
    rows = [ResultRow("fake/0/path", 0, "path", "p", "x", False, 0.5, False, "passed", {})]
    s = summarize_rows(tasks, rows, 1)
    assert s["metrics"]["path"]["score"]["value"] == 50.0


def test_per_task_views_for_comparisons() -> None:
    rows = [
        _row("a", "output", 0, False),
        _row("a", "output", 1, True),
        _row("b", "output", 0, True, skipped=True),
    ]
    assert per_task_pass1(rows) == {"a": 0.5, "b": 0.0}
    assert per_task_first_correct(rows) == {"a": False, "b": False}


def test_run_identity(tmp_path: Path) -> None:
    base = RunSpec(suite="builtin", model="baseline:floor")
    assert base.run_id() == RunSpec(suite="builtin", model="baseline:floor").run_id()
    assert len(base.run_id()) == 12
    for changed in (
        RunSpec(suite="builtin", model="baseline:floor", n=2),
        RunSpec(suite="builtin", model="baseline:floor", prompt="cot"),
        RunSpec(suite="builtin", model="baseline:zero"),
        RunSpec(suite="builtin", model="baseline:floor", suite_digest="abc"),
    ):
        assert changed.run_id() != base.run_id()
    tasks = tmp_path / "t.jsonl"
    tasks.write_text("{}\n")
    first = suite_digest(str(tasks))
    tasks.write_text("{} \n")
    assert suite_digest(str(tasks)) != first  # an edited task file is another run


def test_unknown_suite_names_the_choices() -> None:
    from execbench.errors import UserError

    with pytest.raises(UserError, match="cruxeval-o"):
        suite_digest("no-such-suite")
    with pytest.raises(UserError, match="task file not found"):
        suite_digest("missing/tasks.jsonl")

"""The ``coconut`` compat mode on CoCoNUT's own files (``../shared/data/coconut``).

Ground truth is the ``ExecutedLines`` text; predictions written here (exact, shortened,
re-spaced, wrapped in an answer block) are scored by ``score tasks`` and its four figures
are checked against CoCoNUT's aggregation computed independently in the test.
"""

from __future__ import annotations

import csv
import difflib
import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main
from execbench.tasks import build, write_tasks

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "coconut"
HUMANEVAL = DATA / "HumanEval" / "HumanEval_trace.csv"
CONCURRENCY = DATA / "Advanced" / "Trace" / "program_traces_Python_Concurrency_TSIDX.csv"
pytestmark = pytest.mark.skipif(not HUMANEVAL.is_file(), reason="CoCoNUT files absent")


def _answer(actual: str, k: int) -> str:
    if k % 4 == 0:
        return actual
    if k % 4 == 1:
        return actual[: actual.rfind(",")] + "]" if "," in actual else "[]"
    if k % 4 == 2:
        return actual.replace(", ", ",")  # same lines, CoCoNUT's text differs
    return f"[ANSWER]\n{actual}\n[/ANSWER]"


def _figures(rows: list[tuple[str, str, str]]) -> dict[str, float]:
    """CoCoNUT's table row from (program, actual, predicted text): per program, then averaged."""
    per: dict[str, list[tuple[bool, float]]] = {}
    for program, actual, said in rows:
        distance = difflib.SequenceMatcher(None, ",".join(actual), ",".join(said)).ratio()
        per.setdefault(program, []).append((said == actual, distance))
    hard = [all(m for m, _ in v) for v in per.values()]
    mean = [statistics.fmean(m for m, _ in v) for v in per.values()]
    sim = [statistics.fmean(d for _, d in v) for v in per.values()]
    false = [
        statistics.fmean([d for m, d in v if not m]) if not all(m for m, _ in v) else 0.0
        for v in per.values()
    ]
    return {
        "acc_hard": 100 * statistics.fmean(hard),
        "acc_mean": 100 * statistics.fmean(mean),
        "sim": statistics.fmean(sim),
        "false_sim": statistics.fmean(false),
    }


def _score(tasks: list[Any], texts: list[str], tmp_path: Path, capsys: Any) -> tuple[dict[str, Any], str]:
    tasks_file, preds, out = tmp_path / "t.jsonl", tmp_path / "p.jsonl", tmp_path / "v.jsonl"
    write_tasks(tasks, str(tasks_file))
    preds.write_text(
        "".join(
            json.dumps({"task_id": t.task_id, "prediction": x}) + "\n"
            for t, x in zip(tasks, texts, strict=True)
        )
    )
    args = ["score", "tasks", "--tasks", str(tasks_file), "--predictions", str(preds)]
    assert main([*args, "--json", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(out.read_text().splitlines()) == len(tasks)
    assert main(args) == 0
    return summary, capsys.readouterr().out


def test_humaneval_table_row(pool: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = build(f"coconut:{HUMANEVAL}", pool=pool)
    assert report.mode == "coconut" and len(report.tasks) == 1083
    with HUMANEVAL.open(newline="", encoding="utf-8") as handle:
        csv.field_size_limit(2**31 - 1)
        rows = list(csv.DictReader(handle))
    assert [t.answer for t in report.tasks] == [r["ExecutedLines"] for r in rows]  # the Actual column
    texts = [_answer(t.answer, k) for k, t in enumerate(report.tasks)]
    summary, printed = _score(report.tasks, texts, tmp_path, capsys)
    said = [x.split("[ANSWER]\n")[-1].split("\n[/ANSWER]")[0] for x in texts]
    want = _figures([(r["HumanEval_ID"], r["ExecutedLines"], s) for r, s in zip(rows, said, strict=True)])
    got = summary["path"]
    for key in ("acc_hard", "acc_mean"):  # README precision: one decimal
        assert f"{got[key]:.1f}" == f"{want[key]:.1f}" and got[key] == pytest.approx(want[key], abs=1e-4)
    for key in ("sim", "false_sim"):  # two decimals
        assert f"{got[key]:.2f}" == f"{want[key]:.2f}" and got[key] == pytest.approx(want[key], abs=1e-4)
    # re-spaced lists are right for execbench's strict semantics and wrong for CoCoNUT's
    assert summary["disagreements"]["answer format: raw text vs execbench's re-rendered list"] >= 150
    assert (
        summary["disagreements"].get(
            "ground truth: CoCoNUT's ExecutedLines differ from execbench's re-trace", 0
        )
        >= 1
    )
    assert "strict vs compat:" in printed


def test_concurrency_markers_are_text(pool: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = build(f"coconut:{CONCURRENCY}", pool=pool)
    assert len(report.tasks) == 100 and report.dropped == {}
    task = report.tasks[1]
    assert task.task_id == "coconut/Concurrency_prepared/1114/2" and "'('" in task.answer
    assert task.meta["program"].startswith("class Foo:")  # the prepared program, indentation kept
    section = task.answer[task.answer.index("'('") : task.answer.index("')'")]
    first, rest = section.split(", ", 2)[1], section.split(", ", 2)[2]
    swapped = task.answer.replace(section, f"'(', {rest.rstrip(', ')}, {first}, ")
    texts = [t.answer for t in report.tasks]
    texts[1] = swapped  # the same lines, the parallel section in another order
    summary, _ = _score(report.tasks, texts, tmp_path, capsys)
    rows = [(t.meta["program_id"], t.answer, x) for t, x in zip(report.tasks, texts, strict=True)]
    want = _figures(rows)
    assert summary["path"]["acc_mean"] == pytest.approx(want["acc_mean"], abs=1e-4) and want["acc_mean"] < 100
    assert summary["path"]["sim"] == pytest.approx(want["sim"], abs=1e-4) and want["sim"] < 1

"""Acceptance: LDB's published gpt-3.5 HumanEval run, replayed through ``execbench repair``.

136/164 solved; per task the same number of iterations as LDB's ``debug_iter`` and the same
``is_passing``/``is_solved``; per iteration the failing-test texts equal LDB's
``test_feedback`` string for string; the stored programs are LDB's ``implementations``.
Also: ``runs show``, ``compare`` and ``export`` read the repair run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from interp import normalize_message

from execbench.cli import main
from execbench.repair.storage import load_iterations
from execbench.runs.store import Store

RESULTS = Path("ldb/humaneval/ldb-results/gpt-3.5-turbo-0613/results.jsonl")


@pytest.fixture(scope="module")
def replayed(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, dict]:
    results = shared_data / RESULTS
    store = tmp_path_factory.mktemp("repair") / "runs.sqlite"
    argv = ["repair", "--suite", "humaneval", "--seeds", str(results), "--model", f"replay:{results}"]
    argv += ["--method", "ldb", "--json", "--store", str(store)]
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    ldb = {json.loads(x)["task_id"]: json.loads(x) for x in results.read_text().splitlines() if x.strip()}
    return summary, store, ldb


def test_summary_matches_ldb(replayed: tuple[dict, Path, dict]) -> None:
    summary, _, ldb = replayed
    assert summary["n_tasks"] == 164
    assert summary["n_solved"] == 136 == sum(r["is_solved"] for r in ldb.values())
    assert summary["final_pass"]["value"] == pytest.approx(100 * 136 / 164)
    assert summary["final_pass"]["ci_low"] < summary["final_pass"]["value"] < summary["final_pass"]["ci_high"]
    assert summary["per_iteration"][0]["iteration"] == 0
    assert summary["per_iteration"][-1]["solved"] == 136
    assert {"run_id", "seed_pass", "requests", "tokens"} <= set(summary)
    assert summary["iterations"] == sum(r["debug_iter"] for r in ldb.values())


def test_every_task_and_iteration_matches_ldb(replayed: tuple[dict, Path, dict]) -> None:
    summary, store_path, ldb = replayed
    with Store.open(store_path, create=False) as store:
        rows = {r.task_id: r for r in store.load_results(summary["run_id"])}
        iterations = load_iterations(store, summary["run_id"])
    iter_agree = verdict_agree = feedback_agree = feedback_total = 0
    for task_id, rec in ldb.items():
        details = rows[task_id].details
        iter_agree += details["iterations"] == rec["debug_iter"]
        verdict_agree += (details["is_passing"], details["is_solved"]) == (
            rec["is_passing"],
            rec["is_solved"],
        )
        its = iterations[task_id]
        assert [it["program"] for it in its] == rec["implementations"], task_id
        for it, expected in zip(its, rec["test_feedback"], strict=True):
            feedback_total += 1
            # LDB's texts hold the interpreter's exception messages: compared in 3.11's wording
            feedback_agree += [normalize_message(x) for x in it["visible"]["failed"]] == expected
    assert (iter_agree, verdict_agree) == (164, 164)
    assert feedback_agree == feedback_total == 413


def test_runs_show_compare_export_read_the_run(
    replayed: tuple[dict, Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary, store, _ = replayed
    capsys.readouterr()
    assert main(["runs", "show", summary["run_id"], "--store", str(store), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"]["n_solved"] == 136
    out = tmp_path / "rows.jsonl"
    assert (
        main(["export", summary["run_id"], "--format", "jsonl", "--store", str(store), "--out", str(out)])
        == 0
    )
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 164 and sum(r["correct"] for r in rows) == 136
    assert main(["compare", summary["run_id"], summary["run_id"], "--store", str(store), "--json"]) == 0


def test_report_draws_the_replayed_repair_curve(
    replayed: tuple[dict, Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``execbench report`` on the replayed run: the solved-per-iteration curve (from each
    result's ``details["repair"]``) and the per-iteration drill-down data."""
    summary, store, ldb = replayed
    site = tmp_path / "site"
    assert main(["report", summary["run_id"], "--store", str(store), "--out", str(site), "--no-traces"]) == 0
    capsys.readouterr()
    html = (site / "index.html").read_text()
    assert '<title id="p-repair-t">repair: solved per iteration</title>' in html
    with Store.open(store, create=False) as s:
        rows = {r.task_id: r.details["repair"] for r in s.load_results(summary["run_id"])}
    for task_id, rec in ldb.items():
        its = rows[task_id]["iterations"]
        assert rows[task_id]["method"] == "ldb" and len(its) == rec["debug_iter"] + 1
        assert its[-1]["passed"] == rec["is_solved"] and its[0]["diff"] is None
        assert all(it["feedback"] and it["diff"] is not None for it in its[1:])
    # the curve: the seeds' share at iteration 0, then tasks whose current program passes
    desc = re.search(r'<desc id="p-repair-d">[^<]*\(ldb\): ([^<]*)</desc>', html)
    assert desc is not None
    points = dict(re.findall(r"(\d+) ([0-9.]+)%", desc.group(1)))
    longest = max(len(r["iterations"]) for r in rows.values())
    assert list(points) == [str(k) for k in range(longest)] == [str(k) for k in range(11)]
    for k in range(longest):
        solved = sum(r["iterations"][min(k, len(r["iterations"]) - 1)]["passed"] for r in rows.values())
        assert points[str(k)] == f"{100 * solved / 164:.1f}"
    assert points["0"] == f"{summary['seed_pass']['value']:.1f}"
    assert points["10"] == f"{100 * 136 / 164:.1f}"  # the run's final count, LDB's 136

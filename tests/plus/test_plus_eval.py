"""End-to-end: ``execbench eval --plus --efficiency`` stores details['plus'] / ['efficiency'], and the
report draws them.

One HumanEval task (``--limit 1``: HumanEval/0) with three replayed samples: the canonical
solution, a program that passes the base tests but special-cases long lists (the extra
tests catch it), and a correct program with a pointless loop (costlier than the reference).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from execbench.cli import main

_CANONICAL = """    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True

    return False
"""
_SPECIAL_CASED = "    if len(numbers) > 7:\n        return False\n" + _CANONICAL
_SLOW = "    for _ in range(len(numbers) * 50):\n        pass\n" + _CANONICAL


def _plus_file(path: Path) -> Path:
    long_close = [float(i) for i in range(10)] + [9.05]
    perf = [float(3 * i) for i in range(60)]
    row = {
        "task_id": "HumanEval/0",
        "inputs": [repr([long_close, 0.1]), repr([[1.0, 2.0], 0.5])],
        "expected": ["True", "False"],
        "atol": 0.0,
        "perf_inputs": [repr([perf, 1.0])],
        "perf_expected": ["False"],
    }
    path.write_text(json.dumps(row) + "\n")
    return path


def _details(store: Path) -> dict[int, dict]:  # type: ignore[type-arg]
    with sqlite3.connect(store) as conn:
        return {s: json.loads(d) for s, d in conn.execute("SELECT sample, details FROM results")}


def test_eval_plus_and_efficiency_reach_the_store_and_the_report(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = tmp_path / "samples.jsonl"
    samples.write_text(
        "".join(
            json.dumps({"task_id": "HumanEval/0", "completion": c}) + "\n"
            for c in (_CANONICAL, _SPECIAL_CASED, _SLOW)
        )
    )
    store = tmp_path / "runs.sqlite"
    data = shared_data / "humaneval" / "HumanEval.jsonl.gz"
    argv = ["eval", "--suite", f"humaneval:{data}", "--model", f"replay:{samples}", "--limit", "1"]
    argv += ["--store", str(store), "--quiet", "--json", "--plus", str(_plus_file(tmp_path / "p.jsonl"))]
    assert main([*argv, "--efficiency"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["codegen"]["pass@1"]["value"] == pytest.approx(100.0)  # all pass base
    assert out["plus"]["plus_caught"] == 1 and out["plus"]["updated"] == 3
    details = _details(store)
    assert [details[s]["plus"] for s in range(3)] == [True, False, True]
    assert details[1]["plus_failing_input"].startswith("[[0.0, 1.0")
    assert "efficiency" not in details[1]  # not correct: not counted
    costs = {s: details[s]["efficiency"] for s in (0, 2)}
    assert all(isinstance(c, int) and c > 0 for c in costs.values())
    assert costs[0] == details[0]["efficiency_reference"] and details[0]["efficient"] is True
    assert costs[2] > costs[0] and details[2]["efficient"] is False
    # Rerunning resumes the run (nothing generated) and measures again: the same counts.
    assert main([*argv, "--efficiency"]) == 0
    capsys.readouterr()
    assert {s: _details(store)[s]["efficiency"] for s in (0, 2)} == costs
    run_id = out["run_id"]
    site = tmp_path / "site"
    assert main(["report", run_id, "--store", str(store), "--out", str(site), "--no-traces"]) == 0
    html = (site / "index.html").read_text()
    assert 'id="efficiency"' in html and "codegen: base vs plus tests" in html


def test_eval_plus_file_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--suite", "builtin", "--model", "baseline:zero", "--store", str(tmp_path / "s.sqlite")]
    assert main([*argv, "--plus", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("execbench: error: --plus file not found") and err.count("\n") == 1
    assert main([*argv, "--efficiency", "--plus-timeout", "0"]) == 2
    assert "--plus-timeout" in capsys.readouterr().err

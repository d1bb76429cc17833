"""Forgers (tests/hostile.py) through every judging command: none passes unless upstream would.

Each command gets the forgers next to honest batch mates; every command exits 0 without a
traceback, honest samples keep their verdicts, and a forger passes only in compat mode and
only where openai/human-eval (or CRUXEval) itself would pass it (always-equal objects).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hostile import FORGER_GENERATIONS, FORGER_HONEST, FORGER_PROMPT, FORGER_TEST, FORGERS

from execbench.cli import main

MUL_PROMPT = 'def mul(a, b):\n    """Return a * b."""\n'
MUL_TEST = "def check(candidate):\n    assert candidate(2, 3) == 6\n"
NAMES = ["honest", *(f.name for f in FORGERS), "mate"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    return out


def _expected(strict: bool) -> list[bool]:
    return [True, *(f.upstream and not strict for f in FORGERS), True]


@pytest.fixture()
def humaneval_files(tmp_path: Path) -> tuple[Path, Path]:
    problems = tmp_path / "problems.jsonl"
    rows = [
        {"task_id": "HumanEval/0", "prompt": FORGER_PROMPT, "entry_point": "add", "test": FORGER_TEST},
        {"task_id": "HumanEval/1", "prompt": MUL_PROMPT, "entry_point": "mul", "test": MUL_TEST},
    ]
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows))
    samples = tmp_path / "samples.jsonl"
    completions = [FORGER_HONEST, *(f.completion for f in FORGERS)]
    lines = [{"task_id": "HumanEval/0", "completion": c} for c in completions]
    lines.append({"task_id": "HumanEval/1", "completion": "    return a * b\n"})
    samples.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return problems, samples


@pytest.mark.parametrize("strict", [False, True])
def test_score_humaneval(
    humaneval_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], strict: bool
) -> None:
    problems, samples = humaneval_files
    out = tmp_path / "r.jsonl"
    flags = ["--strict"] if strict else []
    text = _run(capsys, "score", "humaneval", "--samples", str(samples), "--problems", str(problems),
                "--out", str(out), "--timeout", "1", *flags)  # fmt: skip
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert dict(zip(NAMES, (r["passed"] for r in rows), strict=True)) == dict(
        zip(NAMES, _expected(strict), strict=True)
    )
    changes = sum(f.upstream for f in FORGERS)
    assert f"would change {changes} verdicts" in text or f"strict ({changes} verdicts" in text


def test_score_humaneval_json(
    humaneval_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems, samples = humaneval_files
    text = _run(capsys, "score", "humaneval", "--samples", str(samples), "--problems", str(problems),
                "--out", str(tmp_path / "r.jsonl"), "--timeout", "1", "--json")  # fmt: skip
    summary = json.loads(text)
    assert summary["strict_changes"] == sum(f.upstream for f in FORGERS)
    # forgers that fooled the in-process harness (nonce_from_gc_real_channel at least: a framed
    # report through the sandbox's own sender) and were refused by the judge
    assert summary["provenance"]["overridden_passes"] >= 1


def test_score_mbpp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problems = tmp_path / "probs.jsonl"
    rows = [
        {
            "task_id": "MBPP/1",
            "prompt": FORGER_PROMPT,
            "entry_point": "add",
            "test": FORGER_TEST + "check(add)\n",
        },
        {"task_id": "MBPP/2", "prompt": MUL_PROMPT, "entry_point": "mul", "test": MUL_TEST + "check(mul)\n"},
    ]
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows))
    samples = tmp_path / "s.jsonl"
    lines = [
        {"task_id": "MBPP/1", "solution": FORGER_PROMPT + c}
        for c in [FORGER_HONEST, *(f.completion for f in FORGERS)]
    ]
    lines.append({"task_id": "MBPP/2", "solution": MUL_PROMPT + "    return a * b\n"})
    samples.write_text("".join(json.dumps(r) + "\n" for r in lines))
    for strict in (False, True):
        out = tmp_path / f"r{strict}.jsonl"
        flags = ["--strict"] if strict else []
        _run(capsys, "score", "mbpp", "--samples", str(samples), "--problems", str(problems), "--out", str(out),
             "--timeout", "1", *flags)  # fmt: skip
        passed = [json.loads(line)["passed"] for line in out.read_text().splitlines()]
        assert dict(zip(NAMES, passed, strict=True)) == dict(zip(NAMES, _expected(strict), strict=True))


@pytest.mark.parametrize("mode", ["output", "input"])
def test_score_cruxeval(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    data = tmp_path / "cruxeval.jsonl"
    rows = [
        {"id": "sample_0", "code": "def f(x):\n    return x + 1", "input": "1", "output": "2"},
        {"id": "sample_1", "code": "def f(s):\n    return s[::-1]", "input": "'ab'", "output": "'ba'"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    column = 2 if mode == "output" else 3
    honest = "2" if mode == "output" else "f(1)"
    hostile = [g[column] for g in FORGER_GENERATIONS]
    mate = "'ba'" if mode == "output" else "f('ab')"
    generations = tmp_path / "g.json"
    generations.write_text(json.dumps({"sample_0": [honest, *hostile], "sample_1": [mate]}))
    for strict in (False, True):
        out = tmp_path / f"scored{strict}.json"
        flags = ["--strict"] if strict else []
        _run(capsys, "score", "cruxeval", "--mode", mode, "--generations", str(generations), "--data", str(data),
             "--out", str(out), "--timeout", "1", *flags)  # fmt: skip
        scored = json.loads(out.read_text())["raw_scored_generations"]
        expected = [True, *(g[4] and not strict for g in FORGER_GENERATIONS)]
        assert scored == {"sample_0": expected, "sample_1": [True]}, (mode, strict)


def _codegen_files(tmp_path: Path, humaneval_files: tuple[Path, Path], capsys: Any) -> tuple[Path, Path]:
    problems, samples = humaneval_files
    tasks = tmp_path / "tasks.jsonl"
    _run(capsys, "build", f"humaneval:{problems}", "--kinds", "codegen", "--out", str(tasks))
    preds = tmp_path / "preds.jsonl"
    rows = []
    counts: dict[str, int] = {}
    for line in samples.read_text().splitlines():
        row = json.loads(line)
        number = row["task_id"].split("/")[1]
        task_id = f"humaneval/{number}/codegen"
        sample = counts.setdefault(task_id, 0)
        counts[task_id] += 1
        text = "```python\n" + {"0": FORGER_PROMPT, "1": MUL_PROMPT}[number] + row["completion"] + "```"
        rows.append({"task_id": task_id, "prediction": text, "sample": sample})
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tasks, preds


def test_score_tasks_is_strict(
    humaneval_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks, preds = _codegen_files(tmp_path, humaneval_files, capsys)
    verdicts_file = tmp_path / "verdicts.jsonl"
    _run(capsys, "score", "tasks", "--tasks", str(tasks), "--predictions", str(preds), "--json",
         "--out", str(verdicts_file))  # fmt: skip
    verdicts = [json.loads(line) for line in verdicts_file.read_text().splitlines()]
    assert [v["correct"] for v in verdicts] == _expected(strict=True)
    assert all(v["details"]["judging"] == "strict" for v in verdicts)


def test_eval_replay_is_strict(
    humaneval_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems, samples = humaneval_files
    store = tmp_path / "runs.sqlite"
    out = json.loads(
        _run(
            capsys,
            "eval",
            "--suite",
            f"humaneval:{problems}",
            "--model",
            f"replay:{samples}",
            "--store",
            str(store),
            "--json",
            "--quiet",
        )  # fmt: skip
    )
    export = tmp_path / "export.jsonl"
    _run(capsys, "export", out["run_id"], "--format", "jsonl", "--store", str(store), "--out", str(export))
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    by_key = {(r["task_id"], r["sample"]): r["correct"] for r in rows}
    got = [by_key[("humaneval/0/codegen", i)] for i in range(len(FORGERS) + 1)]
    assert got == _expected(strict=True)[:-1]
    assert by_key[("humaneval/1/codegen", 0)] is True

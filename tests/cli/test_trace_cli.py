"""``execbench trace``: the readable view, ``--json``, ``--batch`` and one-line user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.cli import main
from execbench.trace import load_trace, trace_call

PROGRAM = "def f(xs, k=1):\n    total = 0\n    for x in xs:\n        if x > k:\n            total += x\n    print('total', total)\n    return [total]\n"


@pytest.fixture()
def prog(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    return path


def test_json_document(prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(prog), "--entry", "f", "--call", "[1, 5, 7], k=2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["lines"] == list(trace_call(PROGRAM, "f", "[1, 5, 7], k=2").lines)
    assert doc["return"] == "[12]" and doc["exception"] is None and doc["steps"] == len(doc["lines"])
    assert doc["coverage"]["missing"] == [] and doc["states"][-1]["locals"]["total"] == "12"
    assert doc["stdout"] == "total 12\n"


def test_readable_view_and_save(prog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "t.jsonl.gz"
    assert main(["trace", str(prog), "--entry", "f", "--call", "list(range(20))", "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "-> call f(xs=[0, 1, 2" in out and "total += x  → total = 170" in out
    assert "iterations of the loop at line 3 not shown" in out
    assert "stdout | total 189" in out and "return: [189]" in out
    assert load_trace(saved).return_text == "[189]"


def test_whole_program_and_exceptions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.py"
    script.write_text("x = 1\ny = x / 0\n")
    assert main(["trace", str(script), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["lines"] == [1, 2] and doc["exception"]["type"] == "ZeroDivisionError"
    assert doc["exception"]["line"] == 2 and doc["status"] == "error"


def test_batch_in_order_with_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = tmp_path / "calls.jsonl"
    out = tmp_path / "out.jsonl"
    rows = [
        {"code": PROGRAM, "entry": "f", "call": "[3, 4]"},
        {"code": "import time\ndef f():\n    time.sleep(30)\n", "entry": "f", "call": ""},
        {"code": "def f():\n    return 1\n", "entry": "nope", "call": ""},
        {"code": "def f(s):\n    return s[::-1]\n", "entry": "f", "call": "'abc'"},
    ]
    calls.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main(["trace", "--batch", str(calls), "--out", str(out), "--max-time", "1"]) == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in results] == ["ok", "timeout", "invalid", "ok"]
    assert results[0]["return"] == "[7]" and results[3]["return"] == "'cba'"
    assert all({"lines", "return", "exception", "steps", "coverage", "states"} <= set(r) for r in results)


@pytest.mark.parametrize(
    ("argv_tail", "content", "message"),
    [
        (["--batch", "{calls}"], "{not json\n", "not valid JSON"),
        (["--batch", "{calls}"], '{"entry": "f"}\n', "string 'code'"),
        (["--batch", "{calls}", "{calls}"], "", "not both"),
        (["{missing}"], "", "does not exist"),
        (
            ["{calls}", "--entry", "f", "--call", "1,,2"],
            "def f(x):\n    pass\n",
            "not valid Python arguments",
        ),
        (["{calls}", "--entry", "g"], "def f(x):\n    pass\n", "no function 'g'"),
        (["{calls}"], "def f(:\n", "not valid Python"),
        ([], "", "nothing to trace"),
    ],
)
def test_user_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv_tail: list[str], content: str, message: str
) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text(content)
    argv = ["trace"] + [a.format(calls=calls, missing=tmp_path / "missing.py") for a in argv_tail]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1

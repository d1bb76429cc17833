"""User errors of ``execbench repair`` are one line, exit 2; unit checks of LDB's conventions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.cli import main
from execbench.repair.ldbcompat import (
    IMPORT_HEADER,
    call_expression,
    code_body,
    docstring_tests,
    prepare_program,
    split_feedback,
    visible_tests,
)
from execbench.repair.prompts import parse_block_verdicts


def test_missing_seeds_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["repair", "--suite", "humaneval", "--seeds", str(tmp_path / "no.jsonl"), "--model", "replay:x"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("execbench: error: --seeds: no such file")


def test_bad_rows_and_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = tmp_path / "s.jsonl"
    seeds.write_text(
        json.dumps({"task_id": "T/0", "prompt": "def f():\n", "entry_point": "f", "test": ""}) + "\n"
    )
    assert (
        main(
            [
                "repair",
                "--suite",
                "humaneval",
                "--seeds",
                str(seeds),
                "--model",
                "replay:x",
                "--store",
                str(tmp_path / "db"),
            ]
        )
        == 2
    )
    assert "needs 'completion', 'solution' or 'implementations'" in capsys.readouterr().err
    assert (
        main(["repair", "--suite", "humaneval", "--seeds", str(seeds), "--model", "m", "--method", "nope"])
        == 2
    )


def test_ldb_conventions() -> None:
    prompt = 'def helper(x):\n    return x\n\ndef double(a):\n    """Double it.\n    >>> double(2)\n    4\n    """\n'
    program = prepare_program(prompt, "def double(a):\n    return helper(a) * 3", "double")
    assert program.startswith(IMPORT_HEADER + "def helper(x):")
    assert '    """Double it.' in program  # the prompt's docstring goes in when the seed has none
    assert prepare_program(prompt, program, "double") == program
    assert docstring_tests(prompt, "double") == ["assert double(2) == 4"]
    assert visible_tests(["assert f(1) == 2", "assert False", "assert g(1) == 1"], "f") == [
        "assert f(1) == 2"
    ]
    assert split_feedback("assert f(1) == 2 # Real Execution Output: 3") == ("assert f(1) == 2 ", " 3")
    assert call_expression("assert f(1) == 2") == "f(1) "
    assert code_body("text\n```python\nx = 1\n```\nmore") == "x = 1"
    assert code_body("```\ny = 2\n```") == "y = 2"
    verdicts = parse_block_verdicts(
        '{"block": "BLOCK-0", "correct": "True", "explanation": "ok"}\nnoise\n{"block": "BLOCK-1", "correct": false, "explanation": "bad"}.'
    )
    assert verdicts == [
        {"block": "BLOCK-0", "correct": True, "explanation": "ok"},
        {"block": "BLOCK-1", "correct": False, "explanation": "bad"},
    ]

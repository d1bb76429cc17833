"""``execbench build``: files, stdout, summaries and one-line user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.cli import main

PROG = "# execbench: entry=f\n# execbench: input=[3, 1, 2]\ndef f(xs):\n    ys = sorted(xs)\n    return ys[0] + ys[-1]\n"


def test_build_file_to_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.py").write_text(PROG)
    out = tmp_path / "t.jsonl"
    assert main(["build", str(tmp_path / "p.py"), "--kinds", "output,path,state", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["kind"] for r in rows} == {"output", "path", "state"}
    assert next(r for r in rows if r["kind"] == "output")["answer"] == "4"
    assert "built" in capsys.readouterr().err


def test_build_to_stdout_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.py").write_text(PROG)
    outputs = []
    for _ in range(2):
        assert main(["build", str(tmp_path / "p.py"), "--out", "-", "--seed", "5"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "builtin", "--kinds", "nope"], "unknown task kind"),
        (["build", "reval:only-one.jsonl"], "needs two files"),
        (["build", "does/not/exist.py"], "neither a source name"),
        (["build", "builtin", "--data", "x"], "--data goes with"),
    ],
)
def test_user_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err

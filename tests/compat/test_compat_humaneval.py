"""humaneval/mbpp mode: the exact program text, sample validation, results rows and pass@k."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from execbench.compat.humaneval import Sample, build_program, parse_samples, score_samples
from execbench.compat.ldb import LDB_PRELUDE, resolve_prelude
from execbench.datasets.humaneval import Problem
from execbench.errors import UserError
from execbench.sandbox import SandboxPool

PROBLEM = Problem(
    task_id="T/0",
    prompt="def inc(x):\n",
    entry_point="inc",
    test="def check(candidate):\n    assert candidate(1) == 2\n",
)


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2) as p:
        yield p


def test_program_text_is_human_evals() -> None:
    completion = Sample("T/0", "    return x + 1\n")
    assert build_program(PROBLEM, completion) == (
        "def inc(x):\n    return x + 1\n\ndef check(candidate):\n    assert candidate(1) == 2\n\ncheck(inc)"
    )
    solution = Sample("T/0", "def inc(x):\n    return x + 1", is_solution=True)
    assert build_program(PROBLEM, solution, prelude="import math\n", call_check=False) == (
        "import math\ndef inc(x):\n    return x + 1\ndef check(candidate):\n    assert candidate(1) == 2\n"
    )


def test_parse_samples_prefers_completion_and_checks_types() -> None:
    rows = [
        (1, {"task_id": "T/0", "completion": "c", "solution": "s"}),
        (2, {"task_id": "T/0", "solution": "s"}),
    ]
    first, second = parse_samples(rows, {"T/0": PROBLEM}, "s.jsonl")
    assert (first.text, first.is_solution, second.text, second.is_solution) == ("c", False, "s", True)
    for row, message in (
        ({"completion": "c"}, "s.jsonl:7: field 'task_id' missing"),
        ({"task_id": 3, "completion": "c"}, "'task_id' must be a string"),
        ({"task_id": "T/9", "completion": "c"}, "unknown task_id 'T/9'"),
        ({"task_id": "T/0"}, "needs a 'completion'"),
        ({"task_id": "T/0", "completion": ["c"]}, "'completion' must be a string, got list"),
    ):
        with pytest.raises(UserError, match=message):
            parse_samples([(7, row)], {"T/0": PROBLEM}, "s.jsonl")


def test_score_samples(pool: SandboxPool) -> None:
    rows = [
        {"task_id": "T/0", "completion": "    return x + 1\n", "extra": 1},
        {"task_id": "T/0", "completion": "    return x\n"},
        {"task_id": "T/0", "completion": "    while True: pass\n"},
    ]
    samples = parse_samples(list(enumerate(rows, 1)), {"T/0": PROBLEM}, "s")
    report = score_samples({"T/0": PROBLEM}, samples, ks=(1, 2, 5), timeout=0.5, pool=pool)
    assert [r["result"] for r in report.rows] == ["passed", "failed: ", "timed out"]
    assert [r["passed"] for r in report.rows] == [True, False, False]
    assert report.rows[0]["extra"] == 1 and list(report.rows[0])[-2:] == ["result", "passed"]
    assert set(report.pass_at_k) == {"pass@1", "pass@2"}  # 3 samples: k=5 is not reported
    assert report.pass_at_k["pass@1"] == pytest.approx(1 / 3)
    assert (report.problems, report.attempted, report.passed) == (1, 1, 1)


def test_prelude_presets_and_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert resolve_prelude(None) == ""
    assert resolve_prelude("ldb") == LDB_PRELUDE
    assert LDB_PRELUDE.startswith("from typing import *\nimport math\n") and LDB_PRELUDE.endswith(
        "_str=str\n"
    )
    header = tmp_path / "h.py"
    header.write_text("import os")
    assert resolve_prelude(str(header)) == "import os\n"
    with pytest.raises(UserError, match="neither a preset"):
        resolve_prelude(str(tmp_path / "missing.py"))

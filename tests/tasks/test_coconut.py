"""CoCoNUT's trace CSV through ``build coconut:CSV``: our traced paths equal their ExecutedLines.

The fixture rows are HumanEval programs in CoCoNUT's format (``Code_Indices`` with ``  # n``
markers, ``FunctionCall`` both bare and as an argument tuple); ``ExecutedLines`` were
written by hand from the programs (NoReps: consecutive repeats collapsed).
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import Any

import pytest

from execbench.datasets.coconut import call_arguments, strip_indices
from execbench.tasks import Prediction, build_tasks, score, summarize
from execbench.tasks.judge import path_similarity
from execbench.tasks.types import Task

GCD = "def greatest_common_divisor(a: int, b: int) -> int:\n    while b:\n        a, b = b, a % b\n    return a\n"
PREFIX = (
    "from typing import List\n\n\n"
    "def filter_by_prefix(strings: List[str], prefix: str) -> List[str]:\n"
    "    return [x for x in strings if x.startswith(prefix)]\n"
)
FLIP = "def flip_case(string: str) -> str:\n    return string.swapcase()\n"

ROWS = [
    ("HumanEval/13", "greatest_common_divisor", "3, 5", GCD, "[2, 3, 2, 3, 2, 3, 2, 3, 2, 4]"),
    ("HumanEval/13", "greatest_common_divisor", "(10, 15)", GCD, "[2, 3, 2, 3, 2, 3, 2, 4]"),
    ("HumanEval/29", "filter_by_prefix", "(['abc', 'bcd', 'abd'], 'a')", PREFIX, "[5]"),
    ("HumanEval/27", "flip_case", "('Hello',)", FLIP, "[2]"),
]


def _indices(code: str) -> str:
    return "\n".join(f"{line}  # {n}" for n, line in enumerate(code.rstrip("\n").split("\n"), 1))


@pytest.fixture(scope="module")
def coconut_tasks(tmp_path_factory: pytest.TempPathFactory, pool: Any) -> dict[str, Task]:
    path: Path = tmp_path_factory.mktemp("coconut") / "traces.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "HumanEval_ID",
                "Name",
                "FunctionCall",
                "ExecutedLines",
                "ExecutedLines_Symbols",
                "Code_Indices",
                "Code_Symbols",
            ]
        )
        for hid, name, call, code, lines in ROWS:
            writer.writerow([hid, name, call, lines, "", _indices(code), ""])
    return {t.task_id: t for t in build_tasks(f"coconut:{path}", pool=pool, mode="strict")}


def test_format_helpers() -> None:
    assert strip_indices(_indices(GCD)) == GCD
    assert call_arguments("(10, 15)", GCD, "greatest_common_divisor") == "10, 15"
    assert call_arguments("('Hello',)", FLIP, "flip_case") == "'Hello'"
    assert call_arguments("[1.0, 2.0], 0.3", GCD, "greatest_common_divisor") == "[1.0, 2.0], 0.3"
    assert call_arguments("(1, 2)", FLIP, "flip_case") == "(1, 2)"  # one parameter: the tuple is the argument


def test_traced_paths_equal_coconut_lines(coconut_tasks: dict[str, Task]) -> None:
    assert sorted(coconut_tasks) == [f"coconut/{i}" for i in range(len(ROWS))]
    for i, (hid, _, _, _, lines) in enumerate(ROWS):
        task = coconut_tasks[f"coconut/{i}"]
        assert task.kind == "path" and task.meta["program_id"] == f"coconut/{hid}"
        assert "[" + ", ".join(map(str, task.answer)) + "]" == lines


def test_coconut_metrics(coconut_tasks: dict[str, Task], pool: Any) -> None:
    texts = [ROWS[0][4], "[2, 3, 2, 3, 2, 4]", "Executed: [5]", "[ANSWER]\n[2]\n[/ANSWER]"]
    verdicts = score(
        list(coconut_tasks.values()), [Prediction(f"coconut/{i}", t) for i, t in enumerate(texts)], pool=pool
    )
    assert [v.correct for v in verdicts] == [True, False, True, True]
    truth, said = ROWS[1][4], "[2, 3, 2, 3, 2, 4]"
    expected = difflib.SequenceMatcher(a=",".join(truth), b=",".join(said)).ratio()
    assert verdicts[1].score == pytest.approx(expected) and path_similarity(truth, truth) == 1.0
    row = summarize(list(coconut_tasks.values()), verdicts)["path"]
    assert row["acc_hard"] == pytest.approx(100 * 2 / 3, abs=1e-3)  # HumanEval/13 has a miss
    assert row["acc_mean"] == pytest.approx(100 * (0.5 + 1 + 1) / 3, abs=1e-3)
    assert row["sim"] == pytest.approx(((1 + expected) / 2 + 1 + 1) / 3, abs=1e-4)
    assert row["false_sim"] == pytest.approx(expected / 3, abs=1e-4)

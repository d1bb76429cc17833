"""REval's files through ``build reval:DATA,TASKS``: ids, semantics and consistency, checked by hand.

The fixture is HumanEval/0 (has_close_elements) written in DREval's format; expected
values were worked out by hand from REval's rules (state after L = the next merged step,
Nil when L never runs, next line -1 at the end or when L never runs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from execbench.tasks import Prediction, build_tasks, score, summarize
from execbench.tasks.types import Task

CODE = """from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True

    return False"""

CLASS_CODE = """class Box:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)
        return len(self.items)"""
CLASS_TEST = """import unittest


class BoxTestAdd(unittest.TestCase):
    def test_add(self):
        b = Box()
        b.add(5)
        self.assertEqual(b.add(6), 2)
"""


@pytest.fixture(scope="module")
def reval_tasks(tmp_path_factory: pytest.TempPathFactory, pool: Any) -> dict[str, Task]:
    root: Path = tmp_path_factory.mktemp("reval")
    data = [
        {
            "task_id": "DREval/0",
            "entry_point": "has_close_elements",
            "code": CODE,
            "inputs": ["([1.0, 2.0, 3.0], 0.5,)", "([1.0, 2.8, 3.0], 0.3,)"],
            "outputs": ["False", "True"],
            "test": None,
        },
        {
            "task_id": "DREval/1",
            "entry_point": "Box",
            "code": CLASS_CODE,
            "inputs": ["b = Box()\nb.add(5)\nassertEqual(b.add(6), 2)\n"],
            "outputs": [""],
            "test": CLASS_TEST,
        },
    ]
    questions = [
        {"lineno": 8, "var": "distance"},
        {"lineno": 10, "var": "distance"},
        {"lineno": 9, "var": "distance"},
        {"lineno": 12, "var": "numbers"},
        {"lineno": 5, "var": "numbers[idx]"},
    ]
    tasks = [
        {
            "task_id": "DREval/0",
            "idx": 0,
            "tasks": [
                {
                    "input_idx": 0,
                    "task": questions,
                    "output_pred": "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == ??",
                },
                {
                    "input_idx": 1,
                    "task": [{"lineno": 10, "var": "distance"}],
                    "output_pred": "assert has_close_elements(...) == ??",
                },
            ],
        },
        {
            "task_id": "DREval/1",
            "idx": 1,
            "tasks": [
                {
                    "input_idx": 0,
                    "task": [
                        {"lineno": 3, "var": "self.items"},
                        {"lineno": 6, "var": "self.items"},
                        {"lineno": 7, "var": "x"},
                    ],
                    "output_pred": "",
                }
            ],
        },
    ]
    (root / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
    (root / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in tasks))
    built = build_tasks(f"reval:{root / 'data.jsonl'},{root / 'tasks.jsonl'}", pool=pool, mode="strict")
    return {t.task_id: t for t in built}


def test_ids_and_count(reval_tasks: dict[str, Task]) -> None:
    assert len(reval_tasks) == (5 + 1) * 4 + 3 * 3  # class cases: no plain output task
    assert "reval/0/0/8/distance/state" in reval_tasks
    assert "reval/0/1/10/distance/output" in reval_tasks
    assert all(
        t.meta["input"].startswith("has_close_elements([1.0, 2")
        for k, t in reval_tasks.items()
        if k.startswith("reval/0/")
    )


def test_ground_truth_by_hand(reval_tasks: dict[str, Task]) -> None:
    def answer(qid: str) -> Any:
        return reval_tasks[f"reval/0/{qid}"].answer

    assert answer("0/8/distance/coverage") is True
    assert answer("0/8/distance/state") == [["1.0", "float"], ["2.0", "float"]]
    assert answer("0/8/distance/next-line") == [9]
    assert answer("0/10/distance/coverage") is False
    assert answer("0/10/distance/state") is None  # Nil: line 10 never runs
    assert answer("0/10/distance/next-line") == [-1]
    assert answer("0/9/distance/next-line") == [6]
    assert answer("0/9/distance/state") == [["1.0", "float"], ["2.0", "float"]]
    assert answer("0/12/numbers/state") == [["[1.0, 2.0, 3.0]", "list"]]  # last step: its own state
    assert answer("0/12/numbers/next-line") == [-1]
    assert answer("0/5/numbers[idx]/state") == [["1.0", "float"], ["2.0", "float"], ["3.0", "float"]]
    assert answer("0/8/distance/output") == "False"
    assert answer("1/10/distance/coverage") is True
    state = answer("1/10/distance/state")
    assert len(state) == 1 and state[0][1] == "float" and abs(float(state[0][0]) - 0.2) < 1e-9
    assert answer("1/10/distance/next-line") == [-1]
    assert answer("1/10/distance/output") == "True"


def test_class_program_runs_its_test_case(reval_tasks: dict[str, Task]) -> None:
    # class code steps: 3 (Box()), 6 7 (add(5)), 6 7 (add(6)); the test method itself is not traced
    def answer(qid: str) -> Any:
        return reval_tasks[f"reval/1/0/{qid}"].answer

    assert answer("3/self.items/state") == [
        ["[]", "list"]
    ]  # the state at line 6 of add(5), before the append
    assert answer("6/self.items/state") == [["[5]", "list"], ["[5, 6]", "list"]]
    assert answer("7/x/next-line") == [-1, 6]
    assert answer("7/x/state") == [
        ["6", "int"]
    ]  # after add(5)'s line 7 comes add(6)'s line 6; the last step is itself
    assert answer("3/self.items/coverage") is True
    assert "b.add(5)" in reval_tasks["reval/1/0/6/self.items/state"].prompt


def test_scoring_and_consistency(reval_tasks: dict[str, Task], pool: Any) -> None:
    texts = {
        "reval/0/0/8/distance/coverage": "[ANSWER]YES[/ANSWER]",
        "reval/0/0/8/distance/state": "[ANSWER]2.0; float[/ANSWER]",
        "reval/0/0/8/distance/next-line": "[ANSWER]9[/ANSWER]",
        "reval/0/0/8/distance/output": "[ANSWER]False[/ANSWER]",
        "reval/0/0/10/distance/coverage": "[ANSWER]NO[/ANSWER]",
        "reval/0/0/10/distance/state": "[ANSWER]1.0; float[/ANSWER]",  # wrong: it is Nil
        "reval/0/0/10/distance/next-line": "[ANSWER]12[/ANSWER]",  # wrong: -1
        "reval/0/0/10/distance/output": "[ANSWER]True[/ANSWER]",  # wrong
        "reval/0/1/10/distance/coverage": "[ANSWER]YES[/ANSWER]",
        "reval/0/1/10/distance/state": "[ANSWER]0.19999999999999996; float[/ANSWER]",
        "reval/0/1/10/distance/next-line": "[ANSWER]6[/ANSWER]",  # wrong: -1
        "reval/0/1/10/distance/output": "[ANSWER]False[/ANSWER]",  # wrong
    }
    verdicts = score(list(reval_tasks.values()), [Prediction(k, v) for k, v in texts.items()], pool=pool)
    got = {v.task_id: v.correct for v in verdicts}
    assert got["reval/0/0/8/distance/state"] and not got["reval/0/0/10/distance/state"]
    assert got["reval/0/1/10/distance/state"]  # floats within 1e-6
    summary = summarize(list(reval_tasks.values()), verdicts)
    # groups: (0,8): all right -> 1; (0,10): coverage only -> 0.125; (1,10): cov+state right, rest wrong -> 0.25
    assert summary["consistency"]["n"] == 3
    assert summary["consistency"]["score"] == pytest.approx(100 * (1 + 0.125 + 0.25) / 3, abs=1e-3)

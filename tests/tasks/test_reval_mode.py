"""The ``reval`` compat mode on hand-made DREval-format files: REval's quirks, worked out by hand.

Each program shows one quirk of REval's step model that execbench's strict semantics do not
have: a generator expression resuming on the caller's line (a "return step"), a tuple
target, an attribute state, and a ClassEval program with its output (test completion) item.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from execbench.compat.reval import parse_coverage, parse_next_line, parse_state, state_equal
from execbench.tasks import Prediction, build, score, summarize
from execbench.tasks.calls import traceable_call
from execbench.tasks.export import training_records
from execbench.tasks.types import Task
from execbench.trace.api import trace_call

PRIME = """def is_prime(n):
    if n < 2:
        return False
    for k in range(2, n):
        if n % k == 0:
            return False
    return True


def any_prime(xs):
    return is_prime(xs[0])"""

SWAP = """def swap_pairs(xs):
    res, switch = [], True
    for x in xs:
        (res, switch) = (res + [x], not switch)
    return res"""

CLASS_CODE = """class Sieve:
    def __init__(self, n):
        self.n = n
        self.primes = self.generate()

    def generate(self):
        return [p for p in range(2, self.n) if all(p % d for d in range(2, p))]

    def count(self):
        return len(self.primes)"""

CLASS_TEST = """import unittest


class SieveTestCount(unittest.TestCase):
    def test_count(self):
        s = Sieve(10)
        self.assertEqual(s.count(), 4)
"""


@pytest.fixture(scope="module")
def reval_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    root: Path = tmp_path_factory.mktemp("revalmode")
    data = [
        {
            "task_id": "DREval/0",
            "entry_point": "any_prime",
            "code": PRIME,
            "inputs": ["([4],)"],
            "outputs": ["False"],
            "test": None,
        },
        {
            "task_id": "DREval/1",
            "entry_point": "swap_pairs",
            "code": SWAP,
            "inputs": ["([1, 2],)"],
            "outputs": ["[1, 2]"],
            "test": None,
        },
        {
            "task_id": "DREval/2",
            "entry_point": "Sieve",
            "code": CLASS_CODE,
            "inputs": ["s = Sieve(10)\nassertEqual(s.count(), 4)\n"],
            "outputs": [],
            "test": CLASS_TEST,
        },
    ]
    tasks = [
        {
            "idx": 0,
            "tasks": [
                {
                    "input_idx": 0,
                    "task": [{"lineno": 6, "var": "k"}, {"lineno": 11, "var": "xs"}],
                    "output_pred": "assert any_prime([4]) == ??",
                }
            ],
        },
        {
            "idx": 1,
            "tasks": [
                {
                    "input_idx": 0,
                    "task": [{"lineno": 4, "var": "(res, switch)"}],
                    "output_pred": "assert swap_pairs([1, 2]) == ??",
                }
            ],
        },
        {
            "idx": 2,
            "tasks": [
                {
                    "input_idx": 0,
                    "task": [{"lineno": 4, "var": "self.primes"}],
                    "output_pred": "s = Sieve(10)\nassertEqual(s.count(), ??)",
                }
            ],
        },
    ]
    (root / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
    (root / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in tasks))
    return f"reval:{root / 'data.jsonl'},{root / 'tasks.jsonl'}"


@pytest.fixture(scope="module")
def built(reval_source: str, pool: Any) -> dict[str, Task]:
    report = build(reval_source, pool=pool)
    assert report.mode == "reval" and report.dropped == {}
    return {t.task_id: t for t in report.tasks}


@pytest.mark.parametrize("mode", ["reval", "strict"])
def test_every_task_names_the_call_it_asks_about(reval_source: str, pool: Any, mode: str) -> None:
    """The report's trace link: rerunning ``traceable_call`` covers exactly the lines the tasks say.

    A wrong call (``any_prime()`` without its argument, a ClassEval class called bare) would
    raise at once or run other lines, so every coverage answer is checked against the rerun.
    """
    report = build(reval_source, pool=pool, mode=mode)
    coverage = [t for t in report.tasks if t.kind == "coverage"]
    assert {t.meta["program_id"] for t in coverage} == {"reval/0", "reval/1", "reval/2"}
    for task in coverage:
        call = traceable_call(task)
        assert call is not None, task.task_id
        trace = trace_call(*call)
        assert trace.status == "ok", (task.task_id, trace.status)
        assert (task.meta["line"] in trace.lines) == task.answer, task.task_id
    records = training_records(report.tasks, with_rationale=True, pool=pool)
    assert all(r["rationale"] and "reval_class" not in r for r in records), records
    assert [r["id"] for r in records] == ["reval/0/0", "reval/1/0", "reval/2/0"]  # the ClassEval case too


def test_return_steps(built: dict[str, Task]) -> None:
    # is_prime(4) returns False at line 6; the caller's return is then reported on line 11,
    # which opens a new step there (with no locals): REval's next line after 6 is 11, the
    # state after 6 and after 11 is Nil. execbench's strict items end the run at line 6.
    assert built["reval/0/0/6/k/next-line"].answer == [11]
    assert built["reval/0/0/6/k/next-line"].meta["strict_answer"] == [-1]
    assert built["reval/0/0/6/k/state"].answer is None
    assert built["reval/0/0/11/xs/coverage"].answer is True
    assert built["reval/0/0/11/xs/next-line"].answer == [-1, 2]
    assert built["reval/0/0/11/xs/state"].answer is None


def test_tuple_and_attribute_states(built: dict[str, Task]) -> None:
    # every candidate of each element is combined with every other (REval's product)
    assert built["reval/1/0/4/(res, switch)/state"].answer == [
        ["([1], False)", "tuple"],
        ["([1], True)", "tuple"],
        ["([1, 2], False)", "tuple"],
        ["([1, 2], True)", "tuple"],
    ]
    assert built["reval/1/0/4/(res, switch)/state"].meta["strict_answer"] is None
    assert built["reval/2/0/4/self.primes/state"].answer == [["[2, 3, 5, 7]", "list"]]
    assert [t for t in built if t.endswith("/output")] == [
        "reval/0/0/output",
        "reval/1/0/output",
        "reval/2/0/output",
    ]


def test_parsers_follow_reval() -> None:
    assert parse_coverage("[ANSWER]YES[/ANSWER]") is True
    assert parse_coverage("[ANSWER] no, it does not [/ANSWER]") is False
    assert parse_coverage("I think YES") is False  # only the first three characters count
    assert parse_coverage("[ANSWER]YES[/ANSWER]", cot=True) is False  # CoT without [/THOUGHT]
    code = "def f(x):\n    val = x\n    val = val + 1\n    return val"
    assert parse_next_line("[ANSWER]val = val + 1[/ANSWER]", code) == [3]  # code text, not "1"
    assert parse_next_line("[ANSWER]3[/ANSWER]", code) == [-2]
    assert parse_next_line("[ANSWER]-1[/ANSWER]", code) == [-1]
    assert parse_state("[ANSWER]deque([1]); deque[/ANSWER]") == "ERROR"
    assert parse_state("[ANSWER]Nil[/ANSWER]") is not None
    value = parse_state("[ANSWER][1, 2]; list[int][/ANSWER]")
    assert value == ([1, 2], list) and state_equal(value, [[1, 2]])
    assert state_equal(parse_state("0.30000001; float"), [0.3])
    assert not state_equal(parse_state("1; float"), [1.0])  # the value must be of the stated type


def test_scoring_figures_and_disagreements(built: dict[str, Task], pool: Any) -> None:
    texts = {
        "reval/0/0/6/k/coverage": "[ANSWER]YES[/ANSWER]",
        "reval/0/0/6/k/next-line": "[ANSWER]return is_prime(xs[0])[/ANSWER]",
        "reval/0/0/6/k/state": "[ANSWER]Nil[/ANSWER]",
        "reval/0/0/11/xs/coverage": "[ANSWER]YES[/ANSWER]",
        "reval/0/0/11/xs/next-line": "[ANSWER]-1[/ANSWER]",
        "reval/0/0/11/xs/state": "[ANSWER]Nil[/ANSWER]",
        "reval/0/0/output": "[ANSWER]assert any_prime([4]) == False[/ANSWER]",
        "reval/1/0/4/(res, switch)/coverage": "[ANSWER]NO[/ANSWER]",
        "reval/1/0/4/(res, switch)/next-line": "[ANSWER]-1[/ANSWER]",
        "reval/1/0/4/(res, switch)/state": "[ANSWER]([1, 2], True); tuple[/ANSWER]",
        "reval/1/0/output": "[ANSWER]assert True[/ANSWER]",  # REval's penalty pattern
        "reval/2/0/4/self.primes/coverage": "[ANSWER]YES[/ANSWER]",
        "reval/2/0/4/self.primes/next-line": "[ANSWER]return len(self.primes)[/ANSWER]",
        "reval/2/0/4/self.primes/state": "[ANSWER][2, 3, 5, 7]; list[/ANSWER]",
        "reval/2/0/output": "[ANSWER]s = Sieve(10)\nassertEqual(s.count(), 4)[/ANSWER]",
    }
    verdicts = score(list(built.values()), [Prediction(k, v) for k, v in texts.items()], pool=pool)
    got = {v.task_id: v.correct for v in verdicts}
    assert got["reval/0/0/6/k/next-line"] and got["reval/0/0/11/xs/next-line"]
    assert got["reval/1/0/4/(res, switch)/state"] and not got["reval/1/0/4/(res, switch)/coverage"]
    assert got["reval/0/0/output"] and not got["reval/1/0/output"] and got["reval/2/0/output"]
    assert got["reval/2/0/4/self.primes/next-line"]  # __init__'s return merges into line 4's step
    figures = summarize(list(built.values()), verdicts)["reval"]
    assert figures["coverage"] == 3 / 4 and figures["path"] == 3 / 4 and figures["state"] == 4 / 4
    assert figures["output"] == 2 / 3
    # items: (0,6) c s p o -> 1 ; (0,11) -> 1 ; (1,4) coverage wrong -> 0 ; (2,4) -> 1
    assert figures["consistency"] == 100 * 3 / 4
    categories = summarize(list(built.values()), verdicts)["disagreements"]
    assert categories.get("ground truth: tuple target (product of the elements' values)") == 1
    assert categories.get("ground truth: REval's return/exception steps", 0) >= 1


def test_hostile_state_answer_only_fails_itself(built: dict[str, Task], pool: Any) -> None:
    predictions = [
        Prediction("reval/0/0/6/k/state", "[ANSWER]__import__('os')._exit(3); int[/ANSWER]"),
        Prediction("reval/0/0/11/xs/state", "[ANSWER]Nil[/ANSWER]"),
    ]
    verdicts = score(list(built.values()), predictions, pool=pool)
    assert [v.correct for v in verdicts] == [False, True]

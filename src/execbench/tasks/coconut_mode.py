"""The ``coconut`` compat mode: CoCoNUT's ground truth, its raw-text Matched and Distance.

Built by ``execbench build coconut:CSV`` (the default ``--mode coconut``; ``--mode strict``
keeps execbench's re-traced, collapsed line lists). What CoCoNUT does, reproduced here:

- the ground truth is the dataset's ``ExecutedLines`` cell, verbatim (CoCoNUT's ``Actual``);
- *Matched*: the predicted text equals that text exactly;
- *Distance* (reported as Sim): ``difflib.SequenceMatcher`` ratio of the two raw texts with
  ``,`` joined between their characters;
- averaged per program (``HumanEval_ID``; an Advanced file's ``Filename``), then over
  programs; False Sim is the mean Distance of a program's wrong rows (0 when none is wrong);
  Acc Hard is the share of programs with every row matched.

The predicted text is what the answer block holds (between ``[ANSWER]`` and ``[/ANSWER]``,
stripped), or the whole answer stripped when it has no block.

**Concurrency markers.** In the Concurrency set a parallel section is written ``'('`` …
``')'`` inside the list, and the order of the lines between them is not fixed by the
program. In this mode they are scored as CoCoNUT's figures are computed: as part of the
text — Matched needs the exact published text, markers and order included, and Distance
counts the marker characters like any others. So an answer with a parallel section in
another (equally possible) order is not Matched and gets a Distance below 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from execbench.datasets.coconut import is_advanced, load_coconut, load_coconut_advanced
from execbench.tasks.judge import path_similarity, render_path
from execbench.tasks.kinds import Question
from execbench.tasks.prompts import render_prompt
from execbench.tasks.types import Prediction, Task, Verdict

__all__ = ["build_coconut", "score_coconut", "answer_text"]


def answer_text(text: str) -> str:
    """The predicted text: the answer block's content, else the whole answer, stripped."""
    if "[ANSWER]" in text:
        text = text.rsplit("[ANSWER]", 1)[1]
    return text.split("[/ANSWER]")[0].strip()


def _task(task_id: str, code: str, call: str, truth: str, meta: dict[str, Any]) -> Task:
    q = Question("path")
    return Task(
        task_id=task_id,
        kind="path",
        prompt=render_prompt("path", code, call, q, cot=False),
        prompt_cot=render_prompt("path", code, call, q, cot=True),
        answer=truth,
        meta=meta,
    )


def build_coconut(
    path: str, strict: Sequence[Task], provenance: dict[str, Any]
) -> tuple[list[Task], dict[str, int]]:
    strict_by_id = {t.task_id: t.answer for t in strict}
    tasks: list[Task] = []
    dropped: Counter[str] = Counter()
    if is_advanced(path):
        for row in load_coconut_advanced(path):
            if not row.code:
                dropped["rows without a program (no prepared file, no Code_Indices)"] += 1
            program = f"coconut/{row.category}/{row.filename}"
            meta = {
                "source": "coconut",
                "mode": "coconut",
                "program_id": program,
                "program": row.code,
                "entry": "",
                "input": f"python {row.filename}_trace_{row.trace}.py",
                "input_idx": row.trace,
                "row": row.row,
                "problem": row.filename,
                "category": row.category,
                "constructs": [],
                "provenance": provenance,
            }
            tasks.append(_task(f"{program}/{row.trace}", row.code, meta["input"], row.executed_text, meta))
        return tasks, dict(dropped)
    for row in load_coconut(path):
        task_id = f"coconut/{row.row}"
        meta = {
            "source": "coconut",
            "mode": "coconut",
            "program_id": f"coconut/{row.humaneval_id}",
            "program": row.code,
            "entry": row.entry,
            "input": f"{row.entry}({row.args})",
            "args": row.args,
            "input_idx": row.row,
            "row": row.row,
            "problem": row.humaneval_id,
            "constructs": [],
            "provenance": provenance,
        }
        if task_id in strict_by_id:
            meta["strict_answer"] = strict_by_id[task_id]
        else:
            dropped["rows without a strict truth (call not traced by execbench's own probe)"] += 1
        tasks.append(_task(task_id, row.code, meta["input"], row.executed_text, meta))
    return tasks, dict(dropped)


def score_coconut(task: Task, prediction: Prediction) -> Verdict:
    """CoCoNUT's verdict on one row, and where execbench's strict semantics would differ."""
    from execbench.tasks.judge import judge_local

    said = answer_text(prediction.text)
    truth = str(task.answer)
    matched = said == truth
    details: dict[str, Any] = {"mode": "coconut", "matched": matched}
    if "strict_answer" in task.meta:
        strict_task = replace(task, answer=task.meta["strict_answer"])
        strict_ok = bool(judge_local(strict_task, prediction.text)[1])
        details["strict_correct"] = strict_ok
        if strict_ok != matched:
            details["disagree"] = True
            same_truth = render_path([int(n) for n in task.meta["strict_answer"]]) == truth
            details["category"] = (
                "answer format: raw text vs execbench's re-rendered list"
                if same_truth
                else "ground truth: CoCoNUT's ExecutedLines differ from execbench's re-trace"
            )
    return Verdict(
        task_id=task.task_id,
        sample=prediction.sample,
        extracted=said,
        correct=matched,
        score=path_similarity(truth, said),
        details=details,
    )

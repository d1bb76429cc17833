"""The task suite: build reasoning tasks from traced calls, score model answers, summarise.

Python API (what ``execbench build``/``score tasks``/``eval`` use)::

    tasks = build_tasks("builtin", kinds=["output", "path"], seed=0)
    write_tasks(tasks, "tasks.jsonl"); tasks = read_tasks("tasks.jsonl")
    verdicts = score(tasks, predictions)          # one Verdict per Prediction, same order
    summary = summarize(tasks, verdicts)          # kind -> metric -> value (percent)

Kinds (:data:`KINDS`): output, input, path, coverage, state, next-line, steps, branch,
loop, exception, consistency (REval's composite, computed from its parts), codegen.
Suites (:data:`SUITES`) name a source and its kinds for ``execbench eval --suite``.
"""

from __future__ import annotations

from execbench.tasks.build import BuildReport, build, build_tasks
from execbench.tasks.io import read_predictions, read_tasks, write_tasks
from execbench.tasks.kinds import KINDS
from execbench.tasks.metrics import breakdown, summarize
from execbench.tasks.score import score
from execbench.tasks.suites import SUITES
from execbench.tasks.types import TASK_SCHEMA_VERSION, Prediction, Task, Verdict

__all__ = [
    "KINDS",
    "SUITES",
    "TASK_SCHEMA_VERSION",
    "Task",
    "Prediction",
    "Verdict",
    "BuildReport",
    "build",
    "build_tasks",
    "read_tasks",
    "write_tasks",
    "read_predictions",
    "score",
    "summarize",
    "breakdown",
]

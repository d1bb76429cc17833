"""Evaluation runs: run a model on a suite, store every verdict, report statistics.

- ``run_eval(spec, store=..., executor=...)`` -- generate, extract, verify, store (resumable);
- ``Store`` -- the SQLite results store (runs, tasks, response cache, verdicts);
- ``summarize_rows`` -- pass@k (CRUXEval's estimator) per kind and construct, with bootstrap CIs;
- ``compare_runs`` / ``leaderboard`` -- paired deltas with McNemar's test; the table of runs;
- ``export_run`` -- one line per task and sample as JSONL, CSV or Parquet;
- ``make_executor("local" | "ray")`` -- where verification runs.

Imports point down only: ``runs -> tasks, models, sandbox``.
"""

from __future__ import annotations

from execbench.runs.compare import compare_runs, leaderboard
from execbench.runs.engine import EvalOptions, EvalOutcome, Interrupted, run_eval
from execbench.runs.executors import EXECUTORS, Executor, LocalExecutor, RayExecutor, make_executor
from execbench.runs.export import EXPORT_FORMATS, export_run
from execbench.runs.progress import PlainProgress, ProgressSink, RichProgress
from execbench.runs.spec import RunSpec
from execbench.runs.store import SCHEMA_VERSION, ResultRow, RunRecord, Store, default_store_path
from execbench.runs.summary import summarize_rows

__all__ = [
    "EXECUTORS",
    "EXPORT_FORMATS",
    "SCHEMA_VERSION",
    "EvalOptions",
    "EvalOutcome",
    "Executor",
    "Interrupted",
    "LocalExecutor",
    "PlainProgress",
    "ProgressSink",
    "RichProgress",
    "RayExecutor",
    "ResultRow",
    "RunRecord",
    "RunSpec",
    "Store",
    "compare_runs",
    "default_store_path",
    "export_run",
    "leaderboard",
    "make_executor",
    "run_eval",
    "summarize_rows",
]

"""``execbench score tasks``: score raw model answers against a tasks file.

Prediction lines are ``{"task_id", "prediction"[, "sample"]}`` with the model's raw text.
Answers are extracted, verified (in the sandbox where they must run) and summarised per
kind; ``--json`` prints one JSON object (kind -> metric -> value, percentages), otherwise
a table of metrics per kind and of counts per kind and construct.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from execbench.cli._common import add_workers_option, command
from execbench.errors import UserError

__all__ = ["register"]


def register(score_subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(
        score_subparsers, "tasks", "model answers to execbench tasks (from 'execbench build')", __doc__
    )
    p.add_argument("--tasks", required=True, type=Path, help="tasks JSONL from 'execbench build'")
    p.add_argument("--predictions", required=True, type=Path, help="JSONL of {task_id, prediction[, sample]}")
    p.add_argument("--json", action="store_true", help="print one JSON summary instead of tables")
    add_workers_option(p)
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from execbench.tasks import breakdown, read_predictions, read_tasks, score, summarize
    from execbench.tasks._exec import open_pool

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    tasks = read_tasks(args.tasks)
    predictions = read_predictions(args.predictions)
    if not predictions:
        raise UserError(f"{args.predictions}: no predictions")
    with open_pool(args.workers) as pool:
        verdicts = score(tasks, predictions, pool=pool)
    summary = summarize(tasks, verdicts)
    if args.json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
        return 0
    _tables(summary, breakdown(tasks, verdicts))
    return 0


def _tables(summary: dict[str, dict[str, float]], cells: dict[tuple[str, str], tuple[int, int]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    metrics = Table(title="Metrics per kind (percent)")
    metrics.add_column("kind")
    metrics.add_column("n", justify="right")
    metrics.add_column("metrics")
    for kind, row in summary.items():
        shown = ", ".join(
            f"{k} {v:g}" for k, v in row.items() if k not in ("n", "tasks", "skipped", "correct")
        )
        metrics.add_row(kind, f"{int(row.get('n', 0))}", shown)
    console.print(metrics)
    constructs = sorted({c for _, c in cells})
    kinds = sorted({k for k, _ in cells})
    table = Table(title="Correct / scored, per kind and construct")
    table.add_column("kind")
    for c in constructs:
        table.add_column(c, justify="right")
    for kind in kinds:
        table.add_row(
            kind,
            *(
                f"{cells[(kind, c)][1]}/{cells[(kind, c)][0]}" if (kind, c) in cells else "-"
                for c in constructs
            ),
        )
    console.print(table)

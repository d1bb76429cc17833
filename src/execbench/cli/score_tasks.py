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
    p.add_argument(
        "--python",
        metavar="PATH",
        help="run the sandbox workers with this interpreter (e.g. a virtualenv's bin/python with "
        "numpy), same isolation; it must be the same Python major.minor as execbench's",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="write one JSON line per prediction: task id, extracted answer, truth, verdict, metric parts",
    )
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
    with open_pool(args.workers, python=args.python) as pool:
        verdicts = score(tasks, predictions, pool=pool)
    summary = summarize(tasks, verdicts)
    if args.out is not None:
        _write_verdicts(args.out, tasks, verdicts)
    if args.json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
        return 0
    _tables(summary, breakdown(tasks, verdicts))
    _compat_lines(summary)
    return 0


def _write_verdicts(path: Path, tasks: list, verdicts: list) -> None:  # type: ignore[type-arg]
    """One line per prediction, in the predictions' order (metric parts in ``details``)."""
    by_id = {t.task_id: t for t in tasks}
    try:
        with path.open("w", encoding="utf-8") as handle:
            for v in verdicts:
                task = by_id[v.task_id]
                row = {
                    "task_id": v.task_id,
                    "sample": v.sample,
                    "kind": task.kind,
                    "extracted": v.extracted,
                    "truth": task.answer,
                    "correct": v.correct,
                    "score": v.score,
                    "skipped": v.skipped,
                    "details": v.details,
                }
                handle.write(json.dumps(row, sort_keys=True, default=str) + "\n")
    except OSError as exc:
        raise UserError(f"{path}: cannot write verdicts: {exc.strerror or exc}") from None


def _compat_lines(summary: dict[str, dict[str, float]]) -> None:
    """REval's five figures as REval prints them, and the strict/compat disagreements by category."""
    figures = summary.get("reval")
    if figures:
        shown = ", ".join(
            f"{k} {figures[k]!r}"
            for k in ("coverage", "path", "state", "output", "consistency")
            if k in figures
        )
        print(f"REval figures (as REval computes them): {shown}")
    if "disagreements" not in summary:
        return
    found = summary["disagreements"]
    total = int(sum(found.values()))
    print(f"strict vs compat: {total} item{'s' if total != 1 else ''} disagree")
    for category, n in found.items():
        print(f"  {int(n)} {category}")


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

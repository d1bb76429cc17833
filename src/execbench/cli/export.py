"""``execbench export``: write out a run's verdicts, or a task file in another format.

Two jobs share the command, told apart by the positional argument:

- an existing task file (``execbench export TASKS.jsonl --format jsonl|parquet|hf
  [--with-rationale]``) is handed to ``execbench.tasks.export.export_tasks``;
- anything else is a run id (or unique prefix) in the store:
  ``execbench export RUN --format jsonl|csv|parquet [--out FILE]`` writes one record per
  task and sample: run_id, task_id, kind, sample, prompt, response (raw model text),
  extracted (the answer read from it), gold (the true answer), verdict
  (correct/wrong/skipped), correct, skipped, score, status, prompt_tokens,
  completion_tokens, latency_s, finish_reason, error (jsonl and csv go to stdout without
  --out).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from execbench.cli._common import add_store_option, command
from execbench.errors import UserError
from execbench.runs import EXPORT_FORMATS, Store, export_run

__all__ = ["register"]

TASK_FORMATS = ("jsonl", "parquet", "hf")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "export", "export a run's verdicts or a task file", __doc__)
    p.add_argument("target", metavar="RUN|TASKS", help="run id (or prefix) in the store, or a task file")
    p.add_argument(
        "--format",
        required=True,
        choices=sorted(set(EXPORT_FORMATS) | set(TASK_FORMATS)),
        help="runs: jsonl, csv, parquet; task files: jsonl, parquet, hf",
    )
    p.add_argument("--out", default=None, help="output file (runs: default stdout for jsonl/csv)")
    add_store_option(p)
    p.add_argument(
        "--with-rationale", action="store_true", help="task files: include the rationale (trace-derived)"
    )
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    target = Path(args.target)
    out = Path(args.out) if args.out else None
    if target.is_file():
        if args.format not in TASK_FORMATS:
            raise UserError(f"task files export to {', '.join(TASK_FORMATS)}, not {args.format}")
        try:
            module = importlib.import_module("execbench.tasks.export")
        except ModuleNotFoundError as exc:
            if exc.name != "execbench.tasks.export":
                raise
            raise UserError(
                "this execbench cannot export task files (execbench.tasks.export is missing)"
            ) from None
        module.export_tasks(target, args.format, out, args.with_rationale)
        return 0
    if args.with_rationale:
        raise UserError(f"--with-rationale applies to task files; {args.target} is not a file")
    if args.format not in EXPORT_FORMATS:
        raise UserError(f"runs export to {', '.join(EXPORT_FORMATS)}, not {args.format}")
    with Store.open(args.store, create=False) as store:
        count = export_run(store, args.target, args.format, out)
    if out is not None:
        print(f"wrote {count} records to {out}", file=sys.stderr)
    return 0

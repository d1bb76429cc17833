"""``execbench leaderboard``: the runs in a store, one row each (model, suite, pass@1 per kind,
tasks, n, date).

Rows are grouped by suite and sorted best first by the mean of the per-kind pass@1. Only
complete runs are listed unless ``--all``. The tasks column says how many tasks a run
scored and marks runs over part of their suite (``(partial)``: ``--limit``, ``--sample``,
``--kinds``) and unfinished ones. ``--json`` prints the rows as a JSON array (with
``tasks``, ``partial`` and ``status``).
"""

from __future__ import annotations

import argparse
import json

from execbench.cli._common import add_store_option, command
from execbench.runs import Store, leaderboard
from execbench.runs.render import leaderboard_table, out_console

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "leaderboard", "rank the runs in a store", __doc__)
    add_store_option(p)
    p.add_argument("--suite", default=None, help="only runs of this suite (as given to eval)")
    p.add_argument("--all", action="store_true", help="include incomplete runs")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        rows = leaderboard(store, suite=args.suite, include_incomplete=args.all)
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print(f"no finished runs in {store.path}; run 'execbench eval' first")
        return 0
    kinds = list(dict.fromkeys(k for r in rows for k in r["metrics"]))
    out_console().print(leaderboard_table(rows, kinds))
    return 0

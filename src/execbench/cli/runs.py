"""``execbench runs list|show``: what is in the results store.

``runs list --json`` prints a JSON array of runs (run_id, model, suite, status, partial,
n_samples, n_tasks, created_at, metrics); ``runs show RUN --json`` prints the whole stored
run (config, environment, versions, isolation, timings, status, summary) plus ``tokens``
(prompt/completion token totals, cost, model seconds, responses stopped at max_tokens).
RUN is an id or a unique prefix of one. A run marked running whose process is gone
(``kill -9``, a reboot) shows as ``stale``: rerun its command to resume it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from execbench.cli._common import add_store_option, command
from execbench.runs import Store
from execbench.runs.render import out_console, run_view, runs_table
from execbench.runs.store import effective_status

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "runs", "list stored runs or show one", __doc__)
    sub = p.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="list the runs in the store")
    add_store_option(lst)
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.set_defaults(handler=_list)
    show = sub.add_parser("show", help="show one run: configuration, environment, summary")
    show.add_argument("run", help="run id or unique prefix")
    add_store_option(show)
    show.add_argument("--json", action="store_true", help="print the stored run as JSON")
    show.set_defaults(handler=_show)


def _list(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        records = store.list_runs()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "run_id": r.run_id,
                        "model": r.model,
                        "suite": r.suite,
                        "status": effective_status(r),
                        "partial": any(r.config.get(k) is not None for k in ("limit", "sample", "kinds")),
                        "n_samples": r.n_samples,
                        "n_tasks": r.n_tasks,
                        "created_at": r.created_at,
                        "metrics": (r.summary or {}).get("metrics", {}),
                    }
                    for r in records
                ]
            )
        )
        return 0
    if not records:
        print(
            f"no runs in {store.path}; start one with 'execbench eval --suite builtin --model baseline:...'"
        )
        return 0
    out_console().print(runs_table(records))
    return 0


def _show(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        record = store.resolve_run(args.run)
        tokens = store.token_totals(record.run_id)
    if args.json:
        print(json.dumps({**asdict(record), "status": effective_status(record), "tokens": tokens}))
    else:
        out_console().print(run_view(record, tokens))
    return 0

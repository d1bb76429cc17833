"""``execbench compare RUN_A RUN_B``: per-kind pass@1 deltas (A - B) with paired bootstrap CIs,
McNemar's test on first-sample correctness, and the tasks where the runs disagree.

``--json`` prints {"a": {...}, "b": {...}, "unpaired": N, "kinds": {KIND: {"n_tasks", "a", "b",
"delta": {value, ci_low, ci_high}, "mcnemar": {a_only, b_only, statistic, p_value, method}}},
"disagreements": [{task_id, kind, a, b}, ...]}.
"""

from __future__ import annotations

import argparse
import json

from execbench.cli._common import add_store_option, command
from execbench.errors import UserError
from execbench.runs import Store, compare_runs
from execbench.runs.render import compare_view, out_console

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "compare", "compare two runs (paired CIs, McNemar)", __doc__)
    p.add_argument("run_a", metavar="RUN_A", help="run id or unique prefix")
    p.add_argument("run_b", metavar="RUN_B", help="run id or unique prefix")
    add_store_option(p)
    p.add_argument("--show", type=int, default=20, help="disagreeing tasks to list (default 20)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        result = compare_runs(store, args.run_a, args.run_b)
    if not result["kinds"]:
        raise UserError(f"runs {result['a']['run_id']} and {result['b']['run_id']} share no scored tasks")
    if args.json:
        print(json.dumps(result))
    else:
        result["show"] = max(0, args.show)
        out_console().print(compare_view(result))
    return 0

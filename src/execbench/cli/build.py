"""``execbench build SOURCE``: trace programs in the sandbox and write reasoning tasks (JSONL).

SOURCE is ``builtin``, ``cruxeval[:PATH]``, ``humaneval[:PATH]``, ``mbpp[:PATH]``,
``ldb:PATH``, ``reval:DATA.jsonl,TASKS.jsonl``, ``coconut:CSV`` or a PATH.

PATH is a ``.py`` file or a folder of them declaring programs (``# execbench:`` lines or
``>>> f(...)`` docstring examples), or a project folder with a pytest suite (``test_*.py``,
``*_test.py`` or ``conftest.py``) and no ``# execbench:`` lines: its suite then runs in the
sandbox (on a copy; the folder is never written to), and the first 5 distinct calls with
literal arguments that the tests make into each module-level function of the project's
non-test modules become the calls traced (ids ``project/<file>:<function>/<k>``; failing
tests are fine, a test running past 30 s is stopped, the whole suite gets 300 s).

Tasks go to ``--out`` (default ``tasks.jsonl`` in the current folder; ``-`` for stdout); a
summary (tasks per kind, what was dropped and why) goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from execbench.cli._common import add_workers_option, command
from execbench.errors import UserError
from execbench.tasks.kinds import KINDS, parse_kinds

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "build", "build reasoning tasks from traced programs", __doc__)
    p.add_argument(
        "source",
        metavar="SOURCE",
        help="builtin, cruxeval[:PATH], humaneval[:PATH], mbpp[:PATH], "
        "ldb:PATH, reval:DATA,TASKS, coconut:CSV, a .py file/folder, or a project "
        "folder with a pytest suite",
    )
    p.add_argument("--kinds", help=f"comma-separated kinds (default: the source's own): {','.join(KINDS)}")
    p.add_argument("--variants", type=int, default=0, help="fresh variants per program (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed for question choice and variants (default 0)")
    p.add_argument(
        "--out", default="tasks.jsonl", help="tasks file to write (default tasks.jsonl; '-' = stdout)"
    )
    p.add_argument("--data", help="data file for cruxeval/humaneval/mbpp (same as SOURCE:PATH)")
    add_workers_option(p)
    p.add_argument(
        "--python",
        metavar="PATH",
        help="run the sandbox workers with this interpreter (e.g. a virtualenv's bin/python with "
        "numpy), same isolation; it must be the same Python major.minor as execbench's",
    )
    p.add_argument(
        "--mode",
        choices=("strict", "reval", "coconut"),
        help="semantics: strict (execbench's own) or the source's compat mode "
        "(reval for reval:..., coconut for coconut:...; their default)",
    )
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from execbench.tasks import build, write_tasks
    from execbench.tasks._exec import open_pool

    source = args.source
    if args.data:
        if ":" in source or source not in ("cruxeval", "humaneval", "mbpp"):
            raise UserError("--data goes with cruxeval, humaneval or mbpp (or write SOURCE:PATH instead)")
        source = f"{source}:{args.data}"
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    kinds = parse_kinds(args.kinds)
    with open_pool(args.workers, python=args.python) as pool:
        report = build(source, kinds=kinds, variants=args.variants, seed=args.seed, pool=pool, mode=args.mode)
    write_tasks(report.tasks, args.out)
    counts = Counter(t.kind for t in report.tasks)
    shown = ", ".join(f"{k} {counts[k]}" for k in KINDS if counts[k])
    where = "stdout" if args.out == "-" else args.out
    print(
        f"built {len(report.tasks)} tasks from {report.subjects} calls -> {where} ({shown or 'none'})"
        + (f" [{report.mode} mode]" if report.mode != "strict" else ""),
        file=sys.stderr,
    )
    for why, n in sorted(report.failures.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  not traced: {why} ({n} call{'s' if n != 1 else ''})", file=sys.stderr)
    for reason, n in sorted(report.dropped.items()):
        print(f"  dropped: {n} {reason}", file=sys.stderr)
    return 0

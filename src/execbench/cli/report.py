"""``execbench report RUN [RUN ...] [--store DB] --out DIR``: a static HTML report of runs.

The folder opens from the file system (``DIR/index.html``; no server, no network request,
every asset bundled; printable): leaderboard with CIs, paired comparisons, plots (inline
SVG drawn at build time), per-task drill-down with links to the trace viewer, filters and
search. The calls the tasks are about are re-traced in the sandbox for the viewer and the
accuracy-vs-trace plots (``--no-traces`` skips that).
"""

from __future__ import annotations

import argparse

from execbench.cli._common import add_store_option, command
from execbench.errors import UserError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "report", "write a static HTML report of runs (with a trace viewer)", __doc__)
    p.add_argument("runs", nargs="+", metavar="RUN", help="run ids or unique prefixes")
    add_store_option(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into")
    p.add_argument("--no-traces", action="store_true", help="do not trace the tasks' calls (no viewer links)")
    p.add_argument(
        "--max-trace-steps", type=int, default=100_000, metavar="N", help="stop each trace after N steps"
    )
    p.add_argument("--workers", type=int, default=None, metavar="N", help="sandbox workers for tracing")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from execbench.report import build_report

    if args.max_trace_steps <= 0:
        raise UserError(f"--max-trace-steps must be positive (got {args.max_trace_steps})")
    try:
        info = build_report(
            args.runs,
            args.out,
            store_path=args.store,
            traces=not args.no_traces,
            max_trace_steps=args.max_trace_steps,
            workers=args.workers,
        )
    except OSError as exc:
        raise UserError(f"cannot write the report ({exc}); check --out") from None
    untraced = f", {info.untraced} calls could not be traced" if info.untraced else ""
    print(
        f"wrote {info.out / 'index.html'}: {info.runs} run(s), {info.tasks} tasks, "
        f"{info.traces} traces{untraced}"
    )
    return 0

"""``execbench view TRACE|RUN [TASK] [--port P]``: the trace viewer (or a run's report) over HTTP.

TRACE is a trace file (``execbench trace ... --save PATH``); RUN TASK re-traces the call
task TASK of run RUN is about (in the sandbox); RUN alone serves the run's whole report.
The pages are written to a temporary folder and served on 127.0.0.1 (port P, default any
free port); the URL is printed. Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from execbench.cli._common import add_store_option, command
from execbench.errors import UserError

__all__ = ["register", "serve"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(subparsers, "view", "step through a trace (or a run's report) in the browser", __doc__)
    p.add_argument("target", metavar="TRACE|RUN", help="a trace file, or a run id (or unique prefix)")
    p.add_argument("task", nargs="?", metavar="TASK", help="with RUN: the task id (or unique part of one)")
    p.add_argument("--port", type=int, default=0, metavar="P", help="port on 127.0.0.1 (default: a free one)")
    add_store_option(p)
    p.set_defaults(handler=_handle)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def serve(folder: Path, page: str, port: int = 0) -> None:
    """Serve ``folder`` on 127.0.0.1 until interrupted; print the URL of ``page`` first."""
    handler = functools.partial(_Quiet, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({exc}); choose another --port") from None

    def _stop(*_: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM ends like Ctrl-C: the temporary folder is removed

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    with server:
        print(
            f"execbench view: http://127.0.0.1:{server.server_address[1]}/{page}  (Ctrl-C stops)", flush=True
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def _find_task(tasks: list[Any], ref: str) -> Any:
    exact = [t for t in tasks if t.task_id == ref]
    if exact:
        return exact[0]
    found = [t for t in tasks if ref in t.task_id]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UserError(f"no task of this run matches {ref!r}; give a task id (see 'execbench export RUN')")
    raise UserError(f"{ref!r} matches {len(found)} tasks (e.g. {found[0].task_id}); give more of the id")


def _handle(args: argparse.Namespace) -> int:
    from execbench.report import write_assets
    from execbench.report.pages import viewer_page
    from execbench.report.traces import write_trace

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535 (got {args.port})")
    with tempfile.TemporaryDirectory(prefix="execbench-view-") as tmp:
        folder = Path(tmp)
        path = Path(args.target)
        if path.is_file():
            if args.task:
                raise UserError("TASK goes with RUN; a trace file is viewed alone")
            from execbench.trace import load_trace

            try:
                trace = load_trace(path)
            except (OSError, ValueError, KeyError) as exc:
                raise UserError(
                    f"{path} is not a trace file ({exc}); save one with 'execbench trace ... --save'"
                ) from None
            title = f"{trace.entry}({trace.call})" if trace.entry else path.name
        elif args.task is None:
            from execbench.report import build_report

            build_report([args.target], folder, store_path=args.store)
            serve(folder, "index.html", args.port)
            return 0
        else:
            trace, title = _trace_task(args)
        write_assets(folder)
        write_trace(folder / "traces", 0, trace, title=title)
        (folder / "viewer.html").write_text(viewer_page(back="viewer.html#t=0"), encoding="utf-8")
        serve(folder, "viewer.html#t=0", args.port)
    return 0


def _trace_task(args: argparse.Namespace) -> tuple[Any, str]:
    from execbench.report.collect import call_key
    from execbench.report.traces import trace_calls
    from execbench.runs import Store

    with Store.open(args.store, create=False) as store:
        record = store.resolve_run(args.target)
        task = _find_task(store.load_tasks(record.run_id), args.task)
    key = call_key(task)
    if key is None:
        raise UserError(
            f"task {task.task_id} is not about one call that can be traced alone (kind {task.kind})"
        )
    ((trace, why),) = trace_calls([key])
    if trace is None:
        print(f"execbench view: the call could not be traced ({why})", file=sys.stderr)
        raise UserError(f"cannot trace {key[1]}({key[2]}): {why}")
    return trace, f"{key[1]}({key[2]})"

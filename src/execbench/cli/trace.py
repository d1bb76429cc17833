"""``execbench trace``: trace one program (readable or ``--json``) or a batch, in the sandbox.

execbench trace prog.py --entry f --call '[1, 2], k=3'        # colored step-by-step view
execbench trace prog.py --entry f --call '[1, 2]' --json      # one JSON document
execbench trace prog.py                                        # the whole module body
execbench trace --batch calls.jsonl [--out results.jsonl]     # one line per call
execbench trace prog.py --in-process                           # trusted code: no sandbox

Programs run in the sandbox unless ``--in-process`` says the code is trusted (benchmarks,
your own code): a traced program can do anything the process it runs in can.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from execbench.cli._common import add_workers_option
from execbench.errors import UserError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "trace",
        help="trace a program line by line (or a batch of calls, sandboxed)",
        description="Trace FILE's function ENTRY called with ARGS (or its whole module body), "
        "or trace every call of a JSONL batch in the sandbox.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the program to trace ('-': stdin)")
    p.add_argument("--entry", metavar="NAME", help="function to call (default: trace the module body)")
    p.add_argument(
        "--call", metavar="ARGS", default="", help="argument text of the call, as written inside NAME(...)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the view")
    p.add_argument("--whole", action="store_true", help="with --entry: trace the module body too")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="trace FILE in this process, outside the sandbox (trusted code only; faster to start)",
    )
    p.add_argument("--sandbox", action="store_true", help=argparse.SUPPRESS)  # the default; kept for scripts
    p.add_argument("--save", metavar="PATH", help="also write the trace file (gzip JSONL) to PATH")
    p.add_argument("--events", action="store_true", help="with --json: include every event")
    p.add_argument("--no-states", action="store_true", help="do not record variable values")
    p.add_argument(
        "--keep",
        type=int,
        default=2,
        metavar="N",
        help="loop iterations shown at each end of a loop in the view (default 2)",
    )
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="stop after N steps")
    p.add_argument("--max-time", type=float, default=None, metavar="SECONDS", help="stop after SECONDS")
    p.add_argument(
        "--batch",
        metavar="CALLS.jsonl",
        help="trace each line {code, entry, call} in the sandbox; one JSON result per line",
    )
    p.add_argument("--out", metavar="FILE", help="with --batch: write results to FILE (default stdout)")
    add_workers_option(p, "with --batch: sandbox workers")
    p.add_argument(
        "--python",
        metavar="PATH",
        help="run the sandbox workers with this interpreter (e.g. a virtualenv with numpy; same "
        "Python major.minor as execbench's); not with --in-process",
    )
    p.set_defaults(handler=run)


def _limits(args: argparse.Namespace, *, default_time: float) -> Any:
    from execbench.trace import TraceLimits

    base = TraceLimits(max_time=default_time)
    for name, value in (("max_steps", args.max_steps), ("max_time", args.max_time)):
        if value is not None and value <= 0:
            raise UserError(f"--{name.replace('_', '-')} must be positive (got {value})")
    return TraceLimits(
        max_steps=args.max_steps or base.max_steps,
        max_time=args.max_time or base.max_time,
        max_bytes=base.max_bytes,
        max_stdout=base.max_stdout,
        snapshot=base.snapshot,
    )


def run(args: argparse.Namespace) -> int:
    if args.batch:
        if args.file:
            raise UserError("give either FILE or --batch CALLS.jsonl, not both")
        return _run_batch(args)
    if not args.file:
        raise UserError("nothing to trace: give FILE (with --entry NAME --call ARGS) or --batch CALLS.jsonl")
    if args.out:
        raise UserError("--out goes with --batch; to write a trace file use --save PATH")
    return _run_one(args)


def _read_source(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{name} does not exist; give the path of a Python file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {name} ({exc}); give a readable UTF-8 Python file") from None


def _run_one(args: argparse.Namespace) -> int:
    from execbench.trace import trace_call, trace_many, trace_to_json

    code = _read_source(args.file)
    try:
        compile(code, args.file, "exec")
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise UserError(f"{args.file} is not valid Python{where}: {exc}; fix the program") from None
    limits = _limits(args, default_time=10.0)
    if args.in_process and args.sandbox:
        raise UserError("give --in-process or --sandbox, not both (the sandbox is the default)")
    if args.in_process and args.python is not None:
        raise UserError("--python runs the sandbox workers: drop --in-process to use it")
    if not args.in_process:
        from execbench.sandbox import SandboxPool

        if args.python is not None:
            from execbench.sandbox.isolation import other_interpreter

            other_interpreter(args.python)
        call = {"code": code, "entry": args.entry, "call": args.call, "whole": args.whole}
        with SandboxPool(workers=1, python=args.python) as pool:
            result = trace_many([call], pool, limits=limits, states=not args.no_states)[0]
        if result.trace is None:
            if result.status == "invalid":
                raise UserError(result.message or "invalid call")
            print(json.dumps({"status": result.status, "message": result.message}))
            return 1
        trace = result.trace
    else:
        trace = trace_call(
            code,
            args.entry,
            args.call,
            limits=limits,
            record_states=not args.no_states,
            whole_program=args.whole,
        )
    if args.save:
        _save(args.save, trace)
    if args.json:
        json.dump(trace_to_json(trace, events=args.events), sys.stdout)
        sys.stdout.write("\n")
    else:
        from execbench.trace.render import render_trace

        render_trace(trace, keep=max(1, args.keep))
    return 0


def _save(path: str, trace: Any) -> None:
    """Write the finished in-memory trace as a trace file (same format as streaming)."""
    from execbench.trace.schema import TraceWriter
    from execbench.trace.types import RawEvent

    writer = TraceWriter(path, trace.source, trace.entry, trace.call, whole_program=trace.whole_program)
    for ev in trace.events:
        raw: RawEvent = (
            ev.kind,
            ev.step,
            ev.frame,
            ev.depth,
            ev.line,
            ev.func,
            ev.delta,
            ev.value,
            ev.stdout,
            ev.raised,
        )
        writer(raw)
    writer.close(trace)


def _read_batch(path: str) -> list[dict[str, Any]]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{path} does not exist; give a JSONL file of {{code, entry, call}} objects"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path} ({exc}); give a readable UTF-8 JSONL file") from None
    calls = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{path}:{number}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        except RecursionError:
            raise UserError(
                f"{path}:{number}: JSON nested too deeply; each line must be one JSON object"
            ) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("code"), str):
            raise UserError(f"{path}:{number}: expected an object with a string 'code' (and 'entry', 'call')")
        entry, call = obj.get("entry"), obj.get("call", "")
        if entry is not None and not isinstance(entry, str) or not isinstance(call, str):
            raise UserError(
                f"{path}:{number}: 'entry' and 'call' must be strings "
                "(call is the argument text, as inside f(...))"
            )
        calls.append(
            {
                "code": obj["code"],
                "entry": entry,
                "call": call,
                "id": str(obj["id"]) if "id" in obj else str(number),
            }
        )
    return calls


def _run_batch(args: argparse.Namespace) -> int:
    from execbench.sandbox import SandboxPool
    from execbench.trace.sandboxed import result_to_json, trace_many

    calls = _read_batch(args.batch)
    limits = _limits(args, default_time=5.0)
    out: TextIO
    try:
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise UserError(
            f"cannot open --out {args.out} ({exc.strerror or exc}); give a writable file path"
        ) from None
    try:
        chunk = 256
        if args.python is not None:
            from execbench.sandbox.isolation import other_interpreter

            other_interpreter(args.python)
        with SandboxPool(workers=args.workers, python=args.python) as pool:
            for start in range(0, len(calls), chunk):
                results = trace_many(
                    calls[start : start + chunk], pool, limits=limits, states=not args.no_states
                )
                for result in results:
                    out.write(json.dumps(result_to_json(result, states=not args.no_states)) + "\n")
                out.flush()
    except OSError as exc:
        raise UserError(f"cannot write results ({exc}); check --out") from None
    finally:
        if out is not sys.stdout:
            out.close()
    return 0

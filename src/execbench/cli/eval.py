"""``execbench eval``: evaluate a model on a suite, store everything, print the summary.

Running the same command again resumes the run (its id is a hash of the configuration):
only missing samples are generated (the response cache) and scored. ``--json`` prints one
JSON object::

    {"run_id": "3f2a9c1b7d0e", "suite": "...", "model": "...", "prompt": "direct",
     "status": "complete" | "incomplete", "n_tasks": 800, "n_samples": 10, "n_scored": 8000,
     "metrics": {"output": {"pass@1": {"value": 34.2125, "ci_low": 31.1, "ci_high": 37.3},
                            "pass@2": {...}, ...}},
     "tasks_per_kind": {...}, "by_construct": {...}, "tasks_per_construct": {...},
     "statuses": {...}, "kind_metrics": {...}, "store": "execbench-runs.sqlite", "requests": 0, "failures": 0,
     "isolation": "bwrap", "seconds": 12.3}

Values are percentages; ``ci_low``/``ci_high`` bound a 95% percentile bootstrap over tasks.
Samples a backend cannot answer for good (a replay file without that answer) are stored as
wrong answers with status ``no_answer``; failures of the server (HTTP errors, an over-long
context) store nothing and are asked again by the next run; a server that stops answering
stops the run with one line, and rerunning resumes it. Progress goes to stderr: a bar on a
terminal, plain lines every 10 s otherwise (tokens/s, requests in flight, retries, errors,
ETA from the last minute's throughput). Exit status: 0 complete, 1 the model server failed
(rerun to resume), 2 bad configuration, 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from rich.console import Console

from execbench.cli import _plus
from execbench.cli._common import add_store_option, add_workers_option, command
from execbench.errors import UserError
from execbench.models import BackendError
from execbench.models.openai import parse_extra_body
from execbench.runs import (
    EXECUTORS,
    EvalOptions,
    Interrupted,
    RunSpec,
    Store,
    make_executor,
    run_eval,
)
from execbench.runs.progress import PlainProgress, ProgressSink, RichProgress
from execbench.runs.render import out_console, summary_view
from execbench.tasks.kinds import KINDS

__all__ = ["register"]

_EPILOG = """\
SUITE is a task file from 'execbench build', a suite name (builtin, cruxeval-o, cruxeval-i,
humaneval, mbpp, ...), or NAME:DATA (or NAME with --data DATA) to build a suite from a
dataset file, e.g. cruxeval-o:data/cruxeval.jsonl. MODEL is openai:NAME, replay:FILE, baseline:NAME or
python:MODULE:FUNC. The run id is derived from the configuration, so running the same
command again resumes an interrupted run and makes no model request for cached samples.
Results go to --store (default $EXECBENCH_STORE or ./execbench-runs.sqlite).
pass@k is CRUXEval's unbiased estimator (skipped samples leave n unless none is correct),
averaged over tasks, for every k <= --n; [low, high] is a 95% percentile bootstrap over
tasks (1000 resamples, fixed seed). --json prints {run_id, n_tasks, n_scored, n_samples,
status, metrics: {KIND: {"pass@K": {value, ci_low, ci_high}}}, by_construct: {CONSTRUCT:
{KIND: {"pass@1": {...}}}}, kind_metrics, statuses, store, requests, ...}; values in percent.
--executor ray runs the sandbox checks as Ray tasks and the model calls in a Ray actor,
on the cluster at --address or on a local one (pip install 'execbench[ray]').
--plus PLUS.jsonl / --efficiency (humaneval/mbpp codegen): after the run, judge the codegen
results on extra tests and count the correct ones' bytecode instructions; stored in each
result's details ('plus': bool, 'efficiency': instructions), summarised under "plus" in --json.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(
        subparsers,
        "eval",
        "evaluate a model on a suite (resumable; results in a SQLite store)",
        "Generate, extract, verify in the sandbox, store, and summarise.",
        epilog=_EPILOG,
    )
    p.add_argument("--suite", required=True, help="task file, suite name, or NAME:DATA")
    p.add_argument("--data", default=None, help="dataset file for a suite name (same as --suite NAME:DATA)")
    p.add_argument("--model", required=True, help="model spec, e.g. openai:gpt-4o-mini or replay:FILE")
    p.add_argument(
        "--prompt", choices=("direct", "cot"), default="direct", help="prompt style (default direct)"
    )
    p.add_argument(
        "--n",
        type=int,
        default=None,
        help="samples per task; pass@k for every k <= n (default 1; for replay: the most samples "
        "the file holds for one task, so published generations are scored whole)",
    )
    p.add_argument(
        "--temperature", type=float, default=None, help="sampling temperature (default 0, or 0.2 when n > 1)"
    )
    p.add_argument("--max-tokens", type=int, default=1024, help="generation limit (default 1024)")
    p.add_argument("--limit", type=int, default=None, help="only the first K tasks of the suite")
    p.add_argument(
        "--kinds", default=None, help="only tasks of these kinds, comma-separated (e.g. output,coverage)"
    )
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        help="a random sample of N tasks, stratified by kind and construct (drawn with --seed)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="model requests in flight (default 8; lowered when the server queues them)",
    )
    add_store_option(p)
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="where checks and model calls run (default local)",
    )
    p.add_argument(
        "--address", default=None, help="Ray cluster address for --executor ray (default: a local cluster)"
    )
    add_workers_option(p, "sandbox workers (local) or CPUs (local Ray)")
    p.add_argument(
        "--python",
        metavar="PATH",
        help="run the sandbox workers with this interpreter (local executor; same Python major.minor)",
    )
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server URL (openai: models)")
    p.add_argument(
        "--api",
        choices=("chat", "completions"),
        default=None,
        help="openai: /chat/completions (default) or /completions with the raw prompt (base models)",
    )
    p.add_argument("--system", default=None, help="system prompt (chat) or preamble (completions)")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling (sent when given)")
    p.add_argument(
        "--stop",
        action="append",
        default=None,
        metavar="TEXT",
        help="stop sequence (repeatable; default [/ANSWER]; --stop '' sends none)",
    )
    p.add_argument(
        "--extra-body", default=None, metavar="JSON", help="extra request fields, e.g. '{\"min_p\": 0.05}'"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds without any data from the server before giving up (default 120; no total limit)",
    )
    p.add_argument(
        "--max-retries",
        type=int,
        default=None,
        help="retries of a failed request (HTTP 429/5xx, drops; default 5)",
    )
    p.add_argument("--strict-model", action="store_true", help="fail when the server does not list the model")
    p.add_argument("--seed", type=int, default=0, help="seed for task building and servers that accept one")
    p.add_argument(
        "--run-id", default=None, help="name the run instead of deriving the id from the configuration"
    )
    p.add_argument(
        "--fresh", action="store_true", help="discard this run's stored verdicts first (the cache is kept)"
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress (default: a bar on a terminal, plain lines otherwise)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    _plus.add_eval_arguments(p)
    p.set_defaults(handler=_handle)


def _default_n(model: str) -> int:
    """A replay file answers every sample it holds: scoring CRUXEval's 10 generations per
    task (its pass@1 is over all of them) needs no ``--n 10``. Other backends: 1."""
    if not model.startswith("replay:"):
        return 1
    from execbench.models.replay import load_replay

    data = load_replay(model.removeprefix("replay:"))
    return max((max(samples) + 1 for samples in data.answers.values() if samples), default=1)


def _validate(args: argparse.Namespace) -> None:
    if args.n is None:
        args.n = _default_n(args.model)
    if args.n < 1:
        raise UserError("--n must be at least 1")
    if args.concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    if args.max_tokens < 1:
        raise UserError("--max-tokens must be at least 1")
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise UserError("--temperature must be between 0 and 2")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise UserError("--top-p must be in (0, 1]")
    if args.timeout is not None and args.timeout <= 0:
        raise UserError("--timeout must be positive")
    if args.max_retries is not None and args.max_retries < 0:
        raise UserError("--max-retries must be at least 0")
    if args.sample is not None and args.sample < 1:
        raise UserError("--sample must be at least 1")
    _plus.check_eval(args)


def _kinds(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        raise UserError(
            f"--kinds: unknown kind {', '.join(unknown) or '(none given)'}; choose from {', '.join(KINDS)}"
        )
    return kinds


def _stops(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(v for v in values if v)


def _handle(args: argparse.Namespace) -> int:
    _validate(args)
    temperature = args.temperature if args.temperature is not None else (0.2 if args.n > 1 else 0.0)
    suite = args.suite
    if args.data is not None:
        if ":" in suite or Path(suite).is_file():
            raise UserError(
                "--data goes with a suite name (e.g. --suite cruxeval-o --data FILE), not with a file"
            )
        suite = f"{suite}:{args.data}"
    spec = RunSpec(
        suite=suite,
        model=args.model,
        prompt=args.prompt,
        n=args.n,
        temperature=temperature,
        max_tokens=args.max_tokens,
        limit=args.limit,
        seed=args.seed,
        base_url=args.base_url,
        kinds=_kinds(args.kinds),
        sample=args.sample,
        stop=_stops(args.stop),
        top_p=args.top_p,
        api=args.api,
        system=args.system,
        extra_body=parse_extra_body(args.extra_body),
    )
    err = Console(stderr=True)
    progress: ProgressSink
    if args.quiet:
        progress = ProgressSink()
    elif err.is_terminal:
        progress = RichProgress(err)
    else:
        progress = PlainProgress(sys.stderr)
    options = EvalOptions(
        concurrency=args.concurrency,
        timeout=args.timeout,
        max_retries=args.max_retries,
        strict_model=args.strict_model,
        run_id=args.run_id,
        fresh=args.fresh,
    )
    with Store.open(args.store) as store:
        executor = make_executor(
            args.executor, address=args.address, workers=args.workers, python=args.python
        )
        try:
            outcome = run_eval(spec, store=store, executor=executor, options=options, progress=progress)
        except Interrupted as exc:
            again = shlex.join(["execbench", *sys.argv[1:]]) if sys.argv[1:] else "the same command"
            print(
                f"execbench: interrupted; run {exc.run_id} kept {exc.scored} new verdicts in {store.path}; "
                f"resume with: {again}",
                file=sys.stderr,
            )
            return 130
        except BackendError as exc:
            print(
                f"execbench: error: model backend failed: {exc}; finished samples are stored, "
                "rerun the same command to resume",
                file=sys.stderr,
            )
            return 1
        finally:
            executor.close()
        plus = _plus.apply_eval(args, store, outcome.summary["run_id"], spec.suite)
    summary = outcome.summary if plus is None else {**outcome.summary, "plus": plus}
    if args.json:
        print(json.dumps(summary, sort_keys=False))
    else:
        out_console().print(summary_view(summary))
        for line in _plus.eval_lines(plus) if plus is not None else ():
            print(line)
    if summary["status"] != "complete":
        why = f"; last error: {summary['last_error']}" if summary.get("last_error") else ""
        print(
            f"execbench: run {summary['run_id']} is incomplete ({summary['n_scored']} of "
            f"{summary['n_tasks'] * summary['n_samples']} samples scored{why}); rerun the same command to finish it",
            file=sys.stderr,
        )
        return 1
    return 0

"""``execbench repair``: repair programs with execution feedback (LDB, Self-Debugging,
MGDebugger, resampling), stored and resumable like ``eval``.

``--json`` prints one object: ``run_id``, ``status``, ``n_tasks``, ``n_solved`` (hidden tests
passed at the end), ``n_passing`` (visible tests), ``seed_pass`` and ``final_pass``
(``{value, ci_low, ci_high}`` in percent, 95% bootstrap over tasks), ``per_iteration``
(``[{iteration, solved, percent}]``), ``regressions``, ``requests``, ``tokens``,
``iterations``, ``requests_per_fix``, ``tokens_per_fix``, ``stopped``, ``requests_made``
(this invocation), ``requests_resent`` (of those, requests in flight when an earlier
invocation was killed: asked again), ``store``, ``seconds``.
"""

from __future__ import annotations

import argparse
import json

from execbench.cli._common import add_store_option, command
from execbench.errors import UserError
from execbench.repair import RepairConfig, run_repair

__all__ = ["register"]

_EPILOG = """\
SEEDS: human-eval samples (task_id, completion), LDB seed files (task_id, solution), LDB
results files (implementations), or 'generate'. MODEL: openai:NAME, replay:FILE (an LDB
results file answers the k-th fix of a task with its k-th recorded program), ...
Running the same command again resumes the run; cached requests are not sent again.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(
        subparsers,
        "repair",
        "repair programs with execution feedback (LDB, Self-Debugging, MGDebugger, resample)",
        __doc__,
        epilog=_EPILOG,
    )
    p.add_argument("--suite", required=True, help="humaneval, mbpp, NAME:DATA or a problems file")
    p.add_argument("--seeds", required=True, help="seeds file or 'generate'")
    p.add_argument("--model", required=True, help="model spec, e.g. openai:gpt-4o-mini or replay:FILE")
    p.add_argument("--method", choices=("ldb", "selfdebug", "mgdebugger", "resample"), default="ldb")
    p.add_argument(
        "--level", choices=("line", "block", "function"), default="block", help="LDB's trace level"
    )
    p.add_argument(
        "--feedback", choices=("simple", "unittest", "trace"), default="unittest", help="selfdebug's feedback"
    )
    p.add_argument("--max-iters", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="seeds the choice of the failing test (and the model)")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--max-tokens", type=int, default=1024)
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server (openai: models)")
    p.add_argument("--concurrency", type=int, default=4, help="tasks repaired at once")
    p.add_argument("--workers", type=int, default=None, help="sandbox workers (default: CPU count)")
    p.add_argument("--run-id", default=None)
    add_store_option(p)
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        raise UserError("--concurrency must be >= 1")
    cfg = RepairConfig(
        suite=args.suite,
        seeds=args.seeds,
        model=args.model,
        method=args.method,
        level=args.level,
        feedback=args.feedback,
        max_iters=args.max_iters,
        seed=args.seed,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        base_url=args.base_url,
        concurrency=args.concurrency,
        workers=args.workers,
        run_id=args.run_id,
    )
    summary = run_repair(cfg, args.store)
    if args.json:
        print(json.dumps(summary))
        return 0
    s, f = summary["seed_pass"], summary["final_pass"]
    print(
        f"repair run {summary['run_id']} ({summary['method']}, {summary['status']}): {summary['model']} on {summary['suite']}"
    )
    print(
        f"  solved {summary['n_solved']}/{summary['n_tasks']} (visible tests passing: {summary['n_passing']})"
    )
    print(f"  seed pass@1  {s['value']:.1f}  [{s['ci_low']:.1f}, {s['ci_high']:.1f}]")
    print(
        f"  final pass@1 {f['value']:.1f}  [{f['ci_low']:.1f}, {f['ci_high']:.1f}]   regressions {summary['regressions']}"
    )
    curve = " ".join(str(x["solved"]) for x in summary["per_iteration"])
    print(f"  solved per iteration: {curve}")
    resent = (
        f", {summary['requests_resent']} in flight at a kill, asked again"
        if summary["requests_resent"]
        else ""
    )
    print(
        f"  requests {summary['requests']} ({summary['requests_made']} sent now{resent}), tokens {summary['tokens']},"
        f" per fix: {summary['requests_per_fix']:.2f} requests, {summary['tokens_per_fix']:.0f} tokens"
    )
    print(f"  store {summary['store']}")
    return 0

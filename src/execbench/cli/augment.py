"""``execbench augment``: many more tests per problem, with expected outputs from the reference.

Thin: parse, load problems, run :func:`execbench.plus.augment.augment_problems` over one
sandbox pool, write one JSON line per task, print a summary.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from execbench.datasets.humaneval import Problem, load_humaneval, parse_problems
from execbench.datasets.loading import read_jsonl
from execbench.datasets.mbpp import load_mbpp
from execbench.errors import UserError

__all__ = ["register", "load_contracts"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "augment",
        help="generate many more tests per problem from its reference solution (EvalPlus-style)",
        description="Seeds from the problem's tests and docstring, type-aware mutation guided by the "
        "reference's coverage, validity by the seeds' shape; expected outputs from the reference, "
        "run in the sandbox. Deterministic for a given --seed.",
    )
    p.add_argument("suite", metavar="humaneval|mbpp|SUITE", help="humaneval, mbpp, or a problems JSONL file")
    p.add_argument("--problems", type=Path, help="problems file for humaneval/mbpp (default: cache/download)")
    p.add_argument("--per-task", type=int, default=200, help="inputs kept per task at most (default 200)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--budget",
        type=float,
        default=3.0,
        help="seconds per task (default 3.0), turned into a fixed number of candidate evaluations so "
        "the output depends only on the seed",
    )
    p.add_argument(
        "--contracts", type=Path, help="JSON {task_id: 'assert ...' lines} or JSONL {task_id, contract}"
    )
    p.add_argument(
        "--wide", action="store_true", help="leave the seeds' shape (types, signs, characters ...)"
    )
    p.add_argument(
        "--reduce", action="store_true", help="keep a greedy cover of coverage facts and mutant kills"
    )
    p.add_argument("--no-perf", dest="perf", action="store_false", help="do not look for performance inputs")
    p.add_argument("--tasks", help="only these task ids (comma-separated)")
    p.add_argument("--workers", type=int, help="sandbox worker processes (default: CPU count)")
    p.add_argument("--out", type=Path, required=True, help="PLUS.jsonl to write")
    p.set_defaults(handler=_run)


def load_problems(suite: str, path: Path | None) -> dict[str, Problem]:
    if suite == "humaneval":
        return load_humaneval(path)
    if suite == "mbpp":
        return load_mbpp(path)
    file = Path(suite)
    if not file.is_file():
        raise UserError(f"unknown suite {suite!r}: use humaneval, mbpp, or a problems JSONL file")
    return parse_problems(read_jsonl(file, what="problems file"), file)


def load_contracts(path: Path | None) -> dict[str, str]:
    """``{task_id: contract}`` from a JSON object or JSONL rows; only ``# $_CONTRACT_$`` lines,
    or all ``assert`` lines when none is marked, are kept."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read --contracts {path}: {exc.strerror or exc}") from None
    raw: dict[str, Any] = {}
    try:
        loaded = json.loads(text)
        if not isinstance(loaded, dict):
            raise UserError(f"--contracts {path}: a JSON file must hold an object {{task_id: contract}}")
        raw = loaded
        if isinstance(loaded.get("task_id"), str) and isinstance(loaded.get("contract"), str):
            raw = {loaded["task_id"]: loaded["contract"]}  # a one-line JSONL file
    except json.JSONDecodeError:
        for line, row in read_jsonl(path, what="--contracts file"):
            if not isinstance(row.get("task_id"), str) or not isinstance(row.get("contract"), str):
                raise UserError(f"{path}:{line}: needs string fields 'task_id' and 'contract'") from None
            raw[row["task_id"]] = row["contract"]
    out = {}
    for task_id, contract in raw.items():
        if not isinstance(contract, str):
            raise UserError(f"--contracts {path}: the contract of {task_id!r} must be a string")
        lines = [ln for ln in contract.splitlines() if "$_CONTRACT_$" in ln] or [
            ln for ln in contract.splitlines() if ln.strip().startswith("assert")
        ]
        out[task_id] = "\n".join(ln.split("#")[0].rstrip() if "$_CONTRACT_$" in ln else ln for ln in lines)
    return out


def _run(args: argparse.Namespace) -> int:
    from execbench.plus.augment import AugmentConfig, augment_problems
    from execbench.plus.execute import open_pool

    if args.per_task < 1:
        raise UserError(f"--per-task must be at least 1, got {args.per_task}")
    if not (math.isfinite(args.budget) and args.budget > 0):
        raise UserError(f"--budget must be a positive number of seconds, got {args.budget}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    problems = load_problems(args.suite, args.problems)
    chosen = list(problems.values())
    if args.tasks:
        wanted = [t.strip() for t in args.tasks.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in problems]
        if unknown:
            raise UserError(f"--tasks: unknown task id {unknown[0]!r}")
        chosen = [problems[t] for t in wanted]
    config = AugmentConfig(
        per_task=args.per_task,
        seed=args.seed,
        budget=args.budget,
        wide=args.wide,
        reduce=args.reduce,
        perf=args.perf,
        contracts=load_contracts(args.contracts),
    )
    start = time.perf_counter()
    with open_pool(args.workers) as pool:
        records = augment_problems(chosen, config, pool)
    text = "".join(json.dumps(r) + "\n" for r in records)
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    kept = sum(len(r["inputs"]) for r in records)
    empty = [r["task_id"] for r in records if not r["inputs"]]
    truncated = sum(1 for r in records if r["stats"].get("truncated"))
    perf = sum(1 for r in records if r.get("perf_inputs"))
    print(
        f"augment: {len(records)} tasks, {kept} inputs kept ({kept / max(1, len(records)):.1f} per task), "
        f"{perf} tasks with performance inputs, {time.perf_counter() - start:.1f}s; out: {args.out}"
    )
    if empty:
        print(f"note: {len(empty)} tasks got no inputs (e.g. {empty[0]}: "
              f"{records[[r['task_id'] for r in records].index(empty[0])]['stats'].get('error', 'none kept')})",
              file=sys.stderr)  # fmt: skip
    if truncated:
        print(
            f"note: {truncated} tasks stopped by the wall-clock safety limit (output not deterministic)",
            file=sys.stderr,
        )
    return 0

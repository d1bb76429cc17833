"""How costly the performance inputs are for the reference: the per-task distribution.

The issue asks that the reference execute at least ~10^5 bytecode instructions on a task's
performance inputs where the input domain allows. For an ``execbench augment`` file
(``--plus``), or one made now (``--budget``, all tasks), prints per task the costliest
performance input's count, the distribution over powers of ten, how many tasks reach
10^5, and the tasks below it with their entry point and largest input size (the reason is
usually visible there: O(1) arithmetic, a builtin doing the work in C, or a shape that
cannot grow, e.g. unique values from a small range). Usage::

    python bench/plus_perf.py --problems ../shared/data/humaneval/HumanEval.jsonl.gz [--plus PLUS.jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path

from execbench.datasets.humaneval import load_humaneval
from execbench.datasets.mbpp import load_mbpp
from execbench.plus.augment import AugmentConfig, augment_problems
from execbench.plus.execute import open_pool
from execbench.plus.perf import PERF_TARGET


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=Path)
    ap.add_argument("--mbpp", action="store_true", help="the problems are MBPP's")
    ap.add_argument("--plus", type=Path, help="an 'execbench augment' file (default: augment now)")
    ap.add_argument("--budget", type=float, default=0.3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    problems = load_mbpp(args.problems) if args.mbpp else load_humaneval(args.problems)
    if args.plus:
        records = [json.loads(line) for line in args.plus.read_text().splitlines() if line.strip()]
        source = str(args.plus)
    else:
        start = time.perf_counter()
        with open_pool(args.workers) as pool:
            records = augment_problems(
                list(problems.values()), AugmentConfig(per_task=40, budget=args.budget), pool
            )
        source = f"augmented now (--budget {args.budget}) in {time.perf_counter() - start:.0f} s"
    best: dict[str, tuple[int, int]] = {}
    for record in records:
        costs = record.get("perf_reference_cost") or []
        sizes = [len(t) for t in record.get("perf_inputs") or []]
        best[record["task_id"]] = (max(costs, default=0), max(sizes, default=0))
    bins: Counter[str] = Counter()
    for cost, _ in best.values():
        bins["none" if cost == 0 else f"1e{int(math.log10(cost))}"] += 1
    reached = sum(1 for cost, _ in best.values() if cost >= PERF_TARGET)
    print(f"performance inputs: {source}")
    print(f"tasks: {len(best)}; reference reaches {PERF_TARGET:,} instructions on {reached}")
    order = ["none"] + [f"1e{k}" for k in range(0, 9)]
    print(
        "costliest input per task, by power of ten: " + ", ".join(f"{b}: {bins[b]}" for b in order if bins[b])
    )
    print("below the target (task, entry point, instructions, largest input in characters):")
    for task_id, (cost, size) in best.items():
        if cost < PERF_TARGET:
            entry = problems[task_id].entry_point if task_id in problems else "?"
            print(f"  {task_id:14} {entry:28} {cost:>9,} {size:>8,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

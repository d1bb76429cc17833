"""What deterministic cost counting costs: instructions counted vs plain execution, side by side.

For the HumanEval canonical solutions (trusted code) on their performance inputs, runs
each call plainly and under the instruction counter (``sys.monitoring`` INSTRUCTION
events on 3.12+, settrace opcode events on 3.11) in this process, ``--repeats`` times, and
prints per-task and total medians, the slowdown, and whether the counts were identical on
every repeat. Performance inputs come from ``--plus`` (an ``execbench augment`` file) or
are made for the first ``--tasks`` problems. Usage::

    python bench/plus_counting.py --problems ../shared/data/humaneval/HumanEval.jsonl.gz [--plus PLUS.jsonl]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

from execbench.datasets.humaneval import load_humaneval
from execbench.plus.augment import AugmentConfig, augment_problems, reference_program
from execbench.plus.execute import open_pool
from execbench.plus.runner import run_inputs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=Path)
    ap.add_argument("--plus", type=Path)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    problems = load_humaneval(args.problems)
    if args.plus:
        records = [json.loads(line) for line in args.plus.read_text().splitlines() if line.strip()]
    else:
        with open_pool() as pool:
            records = augment_problems(
                list(problems.values())[: args.tasks], AugmentConfig(per_task=20, budget=0.2), pool
            )
    plain_total, count_total, instructions, stable = [], [], 0, True
    rows = []
    for record in records:
        perf = record.get("perf_inputs") or []
        if not perf:
            continue
        problem = problems[record["task_id"]]
        job = {"entry": problem.entry_point, "inputs": perf, "timeout": 10.0}
        code = reference_program(problem)
        plain, counted, counts = [], [], set()
        for _ in range(args.repeats):
            start = time.perf_counter()
            run_inputs(code, dict(job))
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = run_inputs(code, {**job, "count": True})
            counted.append(time.perf_counter() - start)
            counts.add(tuple(r.get("cost") for r in out["results"]))
        stable &= len(counts) == 1
        n = sum(c or 0 for c in next(iter(counts)))
        instructions += n
        plain_total.append(statistics.median(plain))
        count_total.append(statistics.median(counted))
        rows.append((record["task_id"], n, statistics.median(plain), statistics.median(counted)))
    rows.sort(key=lambda r: -r[1])
    print(
        f"python {platform.python_version()} ({'sys.monitoring' if sys.version_info >= (3, 12) else 'settrace opcodes'})"
    )
    print(f"{'task':<16}{'instructions':>14}{'plain ms':>11}{'counted ms':>12}{'slowdown':>10}")
    for task, n, p, c in rows[:10]:
        print(f"{task:<16}{n:>14,}{1000 * p:>11.2f}{1000 * c:>12.2f}{c / max(p, 1e-9):>9.1f}x")
    p, c = sum(plain_total), sum(count_total)
    print(
        f"{'all ' + str(len(rows)) + ' tasks':<16}{instructions:>14,}{1000 * p:>11.1f}{1000 * c:>12.1f}{c / max(p, 1e-9):>9.1f}x"
    )
    print(
        f"counting rate: {instructions / max(c, 1e-9) / 1e6:.1f} M instructions/s; counts identical on every repeat: {stable}"
    )
    print(
        json.dumps(
            {
                "tasks": len(rows),
                "instructions": instructions,
                "plain_s": p,
                "counted_s": c,
                "slowdown": c / max(p, 1e-9),
                "stable": stable,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

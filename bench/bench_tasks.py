"""Benchmark the task suite: ``build builtin`` and scoring CRUXEval generations, medians of repeats.

Usage: ``python bench/bench_tasks.py [--repeats 3] [--data ../shared/data]``. Prints seconds
and throughput; the pool is started once (as ``execbench build``/``score`` do) and its start
time is reported separately.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from execbench.tasks import Prediction, build, score
from execbench.tasks._exec import open_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    start = time.perf_counter()
    with open_pool() as pool:
        print(f"pool start: {time.perf_counter() - start:.2f} s")
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            report = build("builtin", pool=pool)
            times.append(time.perf_counter() - t)
        median = statistics.median(times)
        print(
            f"build builtin: {len(report.tasks)} tasks from {report.subjects} calls, median {median:.2f} s "
            f"({report.subjects / median:.0f} calls/s)"
        )
        crux = args.data / "cruxeval"
        if crux.is_dir():
            tasks = build(f"cruxeval:{crux / 'cruxeval.jsonl'}", kinds=["output"], pool=pool).tasks
            gens = json.loads((crux / "samples" / "codellama-7b_temp0.2_output_generations.json").read_text())
            preds = [
                Prediction(f"cruxeval/{s}/output", g, i) for s, gs in gens.items() for i, g in enumerate(gs)
            ]
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                score(tasks, preds, pool=pool)
                times.append(time.perf_counter() - t)
            median = statistics.median(times)
            print(
                f"score cruxeval-o (8000 predictions): median {median:.2f} s ({len(preds) / median:.0f} predictions/s)"
            )


if __name__ == "__main__":
    main()

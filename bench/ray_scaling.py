"""Ray executor scaling: verify a CRUXEval-O replay with 1 and 2 workers, local pool vs Ray.

Run from the repository root::

    .venv/bin/python bench/ray_scaling.py --data ../shared/data/cruxeval/cruxeval.jsonl \
        --samples ../shared/data/cruxeval/samples/codellama-7b_temp0.2_output_generations.json

For each worker count it times scoring every prediction (in the engine's batch size) with
the local sandbox pool and with Ray tasks on a local Ray cluster of that many CPUs, after
a warm-up batch (worker start-up is not what we measure), and prints medians of
``--repeats`` runs, the speed-up from 1 to 2 workers, and Ray's overhead per prediction
(Ray time minus local time, divided by the number of predictions). It also checks that
both executors give identical verdicts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence

from execbench.models import GenParams, GenRequest, get_backend
from execbench.runs.engine import MAX_BATCH
from execbench.runs.executors import Executor, LocalExecutor, RayExecutor
from execbench.runs.suites import load_suite
from execbench.tasks.types import Prediction, Task, Verdict


def _predictions(tasks: Sequence[Task], samples: str, n: int) -> list[Prediction]:
    backend = get_backend(f"replay:{samples}")

    async def all_of() -> list[Prediction]:
        out = []
        for task in tasks:
            for s in range(n):
                gen = await backend.generate(GenRequest(task.task_id, task.prompt, s, GenParams(), task))
                out.append(Prediction(task.task_id, gen.text, s))
        await backend.aclose()
        return out

    return asyncio.run(all_of())


def _score_all(executor: Executor, tasks: Sequence[Task], preds: Sequence[Prediction]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for start in range(0, len(preds), MAX_BATCH):
        verdicts.extend(executor.score(tasks, preds[start : start + MAX_BATCH]))
    return verdicts


def _time(
    executor: Executor, tasks: Sequence[Task], preds: Sequence[Prediction], repeats: int
) -> tuple[float, list[Verdict]]:
    executor.score(tasks, preds[:64])  # warm-up: start the workers and their pools
    times = []
    verdicts: list[Verdict] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        verdicts = _score_all(executor, tasks, preds)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="cruxeval.jsonl")
    parser.add_argument("--samples", required=True, help="CRUXEval output generations JSON")
    parser.add_argument("--n", type=int, default=2, help="samples per task (default 2)")
    parser.add_argument("--limit", type=int, default=400, help="tasks (default 400)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker counts to try (default 1,2)")
    args = parser.parse_args(argv)

    tasks = load_suite(f"cruxeval-o:{args.data}", limit=args.limit)
    preds = _predictions(tasks, args.samples, args.n)
    print(
        f"{len(tasks)} tasks x {args.n} samples = {len(preds)} predictions; median of {args.repeats}",
        flush=True,
    )
    results: dict[tuple[str, int], float] = {}
    reference: list[Verdict] | None = None
    for workers in (int(w) for w in args.workers.split(",")):
        local = LocalExecutor(workers)
        results[("local", workers)], verdicts = _time(local, tasks, preds, args.repeats)
        local.close()
        reference = reference or verdicts
        same_local = [(v.correct, v.extracted) for v in verdicts] == [
            (v.correct, v.extracted) for v in reference
        ]
        import ray

        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        remote = RayExecutor()
        results[("ray", workers)], rverdicts = _time(remote, tasks, preds, args.repeats)
        ray.shutdown()
        same = [(v.correct, v.extracted) for v in rverdicts] == [(v.correct, v.extracted) for v in reference]
        print(
            f"workers={workers}: local {results[('local', workers)]:.2f}s "
            f"({len(preds) / results[('local', workers)]:.0f}/s), ray {results[('ray', workers)]:.2f}s "
            f"({len(preds) / results[('ray', workers)]:.0f}/s); verdicts identical: local {same_local}, ray {same}",
            flush=True,
        )
    print()
    print(
        f"{'executor':<8} {'workers':>7} {'seconds':>8} {'preds/s':>8} {'speed-up':>9} {'overhead/pred':>14}"
    )
    for (name, workers), secs in sorted(results.items()):
        base = results.get((name, 1), secs)
        overhead = ""
        if name == "ray" and ("local", workers) in results:
            overhead = f"{1000 * (secs - results[('local', workers)]) / len(preds):+.2f} ms"
        print(
            f"{name:<8} {workers:>7} {secs:>8.2f} {len(preds) / secs:>8.0f} {base / secs:>8.2f}x {overhead:>14}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

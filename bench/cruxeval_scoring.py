"""CRUXEval scoring throughput: execbench vs CRUXEval's own process structure vs bare exec.

Scores one generations file (default: the shared codellama-7b CRUXEval-O generations)
three ways, in the same run, and checks that they agree verdict for verdict:

- ``baseline``: CRUXEval's structure (``bench/baselines/process_per_execution.py``): a
  ``Manager`` + ``Process`` per prediction, samples spread over a pool of 2 processes;
- ``inprocess``: plain ``exec`` in this process (no isolation; an alarm bounds each run);
- ``execbench``: ``score_generations`` on a fresh ``SandboxPool`` (pool start included),
  every execution in its own forked, sandboxed process: by default identical programs
  run once and ``definitions + assert <literal> == <literal>`` programs are decided from
  their text (``execbench.compat.static``); then with every unique program run, and
  with every program run.

Prints wall times (median of ``--repeats``) and ratios, then one JSON line.

    .venv/bin/python bench/cruxeval_scoring.py [--limit 50] [--repeats 3] [--mode output]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baselines.process_per_execution import evaluate_cruxeval  # noqa: E402
from execbench.compat.cruxeval import (  # noqa: E402
    GenerationVerdict,  # noqa: E402
    check_program,
    score_generations,
    scored_list,
)
from execbench.datasets.cruxeval import CruxSample, load_cruxeval  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "cruxeval"


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    value: Any = None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


class _Alarm(Exception):
    pass


def _inprocess(
    samples: list[CruxSample], generations: dict[str, list[str]], mode: str
) -> dict[str, list[bool]]:
    """No isolation at all: the floor any isolated scorer is compared against."""

    def on_alarm(signum: int, frame: object) -> None:
        raise _Alarm

    previous = signal.signal(signal.SIGALRM, on_alarm)
    scored: dict[str, list[bool]] = {}
    try:
        for sample in samples:
            verdicts = []
            for generation in generations[sample.id]:
                program = check_program(sample, generation, mode)
                if program is None:
                    verdicts.append(GenerationVerdict(generation, True, False, None))
                    continue
                signal.setitimer(signal.ITIMER_REAL, 3.0)
                try:
                    exec(program, {})
                    ok = True
                except BaseException:  # noqa: BLE001 - a failing prediction is a verdict
                    ok = False
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                verdicts.append(GenerationVerdict(generation, False, ok, None))
            scored[sample.id] = scored_list(verdicts)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return scored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("input", "output"), default="output")
    parser.add_argument("--generations", type=Path, help="generations JSON (default: shared codellama-7b)")
    parser.add_argument("--data", type=Path, default=SHARED / "cruxeval.jsonl")
    parser.add_argument("--limit", type=int, help="score only the first N samples")
    parser.add_argument("--repeats", type=int, default=1, help="repeats per method (median reported)")
    parser.add_argument(
        "--workers", type=int, default=2, help="parallelism of every method (CRUXEval: 2 here)"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()

    gen_path = args.generations or SHARED / "samples" / f"codellama-7b_temp0.2_{args.mode}_generations.json"
    samples = load_cruxeval(args.data)
    generations = json.loads(gen_path.read_text())
    samples = [s for s in samples if s.id in generations][: args.limit]
    generations = {s.id: generations[s.id] for s in samples}
    n_exec = sum(len(g) for g in generations.values())
    print(
        f"CRUXEval-{args.mode[0].upper()}: {len(samples)} samples, {n_exec} predictions, workers={args.workers}"
    )

    figures: dict[str, float] = {}
    scored: dict[str, dict[str, list[bool]]] = {}

    t, report = _timed(
        lambda: score_generations(samples, generations, args.mode, workers=args.workers), args.repeats
    )
    figures["execbench"], scored["execbench"] = t, dict(report.scored)
    unique, isolation = report.stats.unique, report.stats.isolation
    static = report.stats.static
    print(f"execbench (default: dedupe + static, {unique} unique, {static} static, {isolation}): {t:8.2f}s")

    t, report_run = _timed(
        lambda: score_generations(samples, generations, args.mode, workers=args.workers, static=False),
        args.repeats,
    )
    figures["execbench_no_static"], scored["execbench_no_static"] = t, dict(report_run.scored)
    print(f"execbench (dedupe, every unique program run, {report_run.stats.unique} runs): {t:8.2f}s")

    t, report_all = _timed(
        lambda: score_generations(
            samples, generations, args.mode, workers=args.workers, dedupe=False, static=False
        ),
        args.repeats,
    )
    figures["execbench_no_dedupe"], scored["execbench_no_dedupe"] = t, dict(report_all.scored)
    print(f"execbench (no dedupe, no static, {report_all.stats.unique} runs): {t:8.2f}s")

    t, result = _timed(lambda: _inprocess(samples, generations, args.mode), args.repeats)
    figures["inprocess"], scored["inprocess"] = t, result
    print(f"in-process exec (no isolation):            {t:8.2f}s")

    if not args.skip_baseline:
        refs = [(s.code, s.input, s.output) for s in samples]
        gens = [generations[s.id] for s in samples]
        t, lists = _timed(
            lambda: evaluate_cruxeval(refs, gens, args.mode, workers=args.workers), args.repeats
        )
        figures["baseline"], scored["baseline"] = t, {s.id: v for s, v in zip(samples, lists, strict=True)}
        print(f"CRUXEval-style Process+Manager baseline:   {t:8.2f}s")

    agree = {name: values == scored["execbench"] for name, values in scored.items()}
    ratios: dict[str, float] = {}
    if "baseline" in figures:
        ratios["baseline_over_execbench"] = figures["baseline"] / figures["execbench"]
        ratios["baseline_over_execbench_no_static"] = figures["baseline"] / figures["execbench_no_static"]
        ratios["baseline_over_execbench_no_dedupe"] = figures["baseline"] / figures["execbench_no_dedupe"]
    ratios["execbench_over_inprocess"] = figures["execbench"] / figures["inprocess"]
    for name, value in ratios.items():
        print(f"{name}: {value:.1f}x")
    print(f"verdicts agree with execbench: {agree}")
    print(
        json.dumps(
            {
                "bench": "cruxeval_scoring",
                "mode": args.mode,
                "samples": len(samples),
                "predictions": n_exec,
                "unique_executions": unique,
                "static_verdicts": static,
                "isolation": isolation,
                "workers": args.workers,
                "repeats": args.repeats,
                "seconds": {k: round(v, 3) for k, v in figures.items()},
                "ratios": {k: round(v, 2) for k, v in ratios.items()},
                "agree": agree,
            }
        )
    )
    return 0 if all(agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

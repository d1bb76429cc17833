"""Acceptance: for LDB's gpt-3.5 HumanEval seeds, every failing visible test's block trace
(what LDB's prompt shows) equals what LDB's own two-run tracer produces (``ldb_reference``):
72/72, memory addresses (HumanEval/145 prints a nested function) compared as addresses."""

from __future__ import annotations

import asyncio
from pathlib import Path

from execbench.compat.execute import COMPAT_PRELOAD
from execbench.repair.execution import run_visible_tests, value_runner
from execbench.repair.ldbcompat import IMPORT_HEADER, call_expression, trim_header, with_docstring
from execbench.repair.ldbtrace import trace_blocks, trace_call_for
from execbench.repair.loop import TRACE_LIMITS
from execbench.repair.problems import load_problems
from execbench.sandbox import DEFAULT_PRELOAD, SandboxPool
from execbench.trace import trace_many
from tests.repair.ldb_reference import reference_blocks, without_addresses


def _plain(x: object) -> bool:
    return isinstance(x, str) or x == []


def test_seed_traces_equal_ldbs(shared_data: Path) -> None:
    seeds = shared_data / "ldb" / "humaneval" / "seed" / "gpt-3.5-turbo-0613" / "seed.jsonl"
    problems = load_problems("humaneval", str(seeds))
    preload = (*DEFAULT_PRELOAD, *COMPAT_PRELOAD, "execbench.repair.runner", "execbench.trace.sandboxed")
    with SandboxPool(preload=preload) as pool:

        async def visible() -> list:
            return await asyncio.gather(*(run_visible_tests(pool, p.seed, list(p.visible)) for p in problems))

        cases = []
        for p, v in zip(problems, asyncio.run(visible()), strict=True):
            shown = IMPORT_HEADER + trim_header(
                with_docstring(p.seed, p.problem.prompt, p.problem.entry_point)
            )
            cases += [(p.problem.task_id, shown, failed, p.problem.entry_point) for failed in v.failed]
        traced = trace_many([trace_call_for(prog, f) for _, prog, f, _ in cases], pool, limits=TRACE_LIMITS)
        run = value_runner(pool)
        agree, differ, shown_blocks = 0, set(), 0
        for (task_id, prog, failed, entry), result in zip(cases, traced, strict=True):
            mine = without_addresses(trace_blocks(result.trace, result.status, entry, "block", run))
            ref = without_addresses(reference_blocks(pool, prog, call_expression(failed), entry))
            if mine == ref or (_plain(mine) and _plain(ref)):
                agree += 1
                shown_blocks += not _plain(mine)
            else:
                differ.add(task_id)
    assert len(cases) == 72
    assert differ == set()
    assert agree == 72 and shown_blocks == 51

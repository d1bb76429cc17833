"""The repair loop of one task, for every method.

Per task: run the visible tests on the seed; while some fail and fewer than ``max_iters``
fixes were made, build feedback for one failing test (chosen by a generator seeded with
the run's seed and the task id), ask the model, take the new program (prepared as LDB
prepares it), run the visible tests again. Every program is also judged on the hidden
tests (for the per-iteration curve); the last one is the task's verdict. Each iteration is
handed to ``record`` as it completes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from execbench.repair.chat import Chat, ChatRequest, Reply
from execbench.repair.execution import Hidden, Visible, judge_hidden, run_visible_tests, value_runner
from execbench.repair.ldbcompat import code_body, prepare_program, trim_header, with_docstring
from execbench.repair.ldbtrace import select_blocks, trace_blocks, trace_call_for
from execbench.repair.problems import RepairProblem
from execbench.repair.prompts import (
    DEBUG_STOP,
    FIX_REQUEST,
    codegen_messages,
    ldb_opening,
    ldb_plain_feedback,
    ldb_trace_message,
    parse_block_verdicts,
    selfdebug_feedback,
)
from execbench.trace import SnapshotLimits, TraceLimits, trace_many

__all__ = ["Options", "Iteration", "TaskOutcome", "repair_task", "METHODS"]

METHODS = ("ldb", "selfdebug", "mgdebugger", "resample")
#: LDB's tracer gives up after 5 s; values are printed whole by LDB (then cut to 50 + 50
#: characters), so snapshots keep far more than the tracer's defaults.
TRACE_LIMITS = TraceLimits(
    max_time=5.0, snapshot=SnapshotLimits(max_depth=50, max_items=100_000, max_str=1_000_000)
)


@dataclass(frozen=True)
class Options:
    method: str = "ldb"
    level: str = "block"
    feedback: str = "unittest"
    max_iters: int = 10
    seed: int = 0
    mbpp: bool = False


@dataclass
class Iteration:
    """One iteration of one task (0: the seed)."""

    iteration: int
    program: str
    visible: Visible
    hidden: Hidden
    selected: str | None = None
    """The failing test the feedback was built for."""
    feedback: str | None = None
    """The feedback message shown."""
    trace: Any = None
    """The trace shown (blocks), or why there is none."""
    block_verdicts: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    """Each request: step, messages, response, cache key, tokens, cached."""
    seconds: float = 0.0


@dataclass
class TaskOutcome:
    task_id: str
    iterations: list[Iteration]
    stopped: str
    """``passing`` | ``max_iters`` | ``no_answer``."""

    @property
    def final(self) -> Iteration:
        return self.iterations[-1]


Record = Callable[[str, Iteration], Awaitable[None] | None]


class _Ctx:
    def __init__(self, pool: Any, chat: Chat, opts: Options) -> None:
        self.pool, self.chat, self.opts = pool, chat, opts


async def _ask(ctx: _Ctx, it: Iteration, req: ChatRequest) -> Reply:
    reply = await ctx.chat.ask(req)
    it.exchanges.append(
        {
            "step": req.step,
            "messages": [list(m) for m in req.messages],
            "response": reply.text,
            "error": reply.error,
            "cache_key": reply.cache_key,
            "cached": reply.cached,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
        }
    )
    return reply


async def _judge(ctx: _Ctx, rp: RepairProblem, program: str) -> tuple[Visible, Hidden]:
    visible = await run_visible_tests(ctx.pool, program, list(rp.visible))
    hidden = await asyncio.to_thread(judge_hidden, ctx.pool, rp.problem, program, mbpp=ctx.opts.mbpp)
    return visible, hidden


async def _ldb_step(
    ctx: _Ctx, rp: RepairProblem, program: str, it: Iteration, convo: list[tuple[str, str]]
) -> Reply:
    p = rp.problem
    shown = with_docstring(program, p.prompt, p.entry_point)
    if not convo:
        convo.extend(ldb_opening(p.prompt, trim_header(shown)))
    failed = it.selected or ""
    traced = await _trace_entry(ctx, shown, failed, p.entry_point)
    if isinstance(traced, str) or not traced:
        it.trace = traced if isinstance(traced, str) else "no blocks"
        it.feedback = ldb_plain_feedback(failed)
        convo.append(("user", it.feedback))
    else:
        blocks = select_blocks(traced, ctx.opts.level)
        it.trace = blocks
        it.feedback = ldb_trace_message(failed, blocks)
        convo.append(("user", it.feedback))
        explanation = await _ask(
            ctx, it, ChatRequest(p.task_id, "debug", it.iteration, tuple(convo), DEBUG_STOP)
        )
        if explanation.error is not None:
            return explanation
        it.block_verdicts = parse_block_verdicts(explanation.text)
        convo.append(("assistant", explanation.text))
    convo.append(("user", FIX_REQUEST))
    reply = await _ask(ctx, it, ChatRequest(p.task_id, "fix", it.iteration, tuple(convo)))
    if reply.error is None:
        convo.append(("assistant", reply.text))
    return reply


async def _trace_entry(ctx: _Ctx, shown: str, failed: str, entry: str) -> list[list[str]] | str:
    from execbench.repair.ldbcompat import IMPORT_HEADER

    call = trace_call_for(IMPORT_HEADER + trim_header(shown), failed)
    result = (await asyncio.to_thread(trace_many, [call], ctx.pool, limits=TRACE_LIMITS))[0]
    run = value_runner(ctx.pool)
    return await asyncio.to_thread(trace_blocks, result.trace, result.status, entry, ctx.opts.level, run)


async def _selfdebug_step(
    ctx: _Ctx, rp: RepairProblem, program: str, it: Iteration, convo: list[tuple[str, str]]
) -> Reply:
    p = rp.problem
    if not convo:
        convo.extend(codegen_messages(p.prompt, rp.visible))
        convo.append(("assistant", trim_header(program)))
    failed = it.selected or ""
    lines: list[list[str]] | str | None = None
    if ctx.opts.feedback == "trace":
        from execbench.repair.ldbcompat import IMPORT_HEADER

        call = trace_call_for(IMPORT_HEADER + trim_header(program), failed)
        result = (await asyncio.to_thread(trace_many, [call], ctx.pool, limits=TRACE_LIMITS))[0]
        traced = trace_blocks(result.trace, result.status, p.entry_point, "line")
        lines = select_blocks(traced, "line") if isinstance(traced, list) else traced
        it.trace = lines
    it.feedback = selfdebug_feedback(ctx.opts.feedback, failed, lines)
    convo.append(("user", it.feedback))
    reply = await _ask(ctx, it, ChatRequest(p.task_id, "fix", it.iteration, tuple(convo)))
    if reply.error is None:
        convo.append(("assistant", reply.text))
    return reply


async def _mg_step(ctx: _Ctx, rp: RepairProblem, program: str, it: Iteration) -> Reply:
    """One MGDebugger pass (``repair.mgdebug``); its program comes back as a reply."""
    from execbench.repair.mgdebug import mg_step

    async def ask(req: ChatRequest) -> Reply:
        return await _ask(ctx, it, req)

    async def run(prog: str, tests: list[str]) -> tuple[str, ...]:
        return (await run_visible_tests(ctx.pool, prog, tests)).failed

    async def trace(prog: str, failed: str, name: str) -> list[list[str]] | str:
        call = trace_call_for(prog, failed)
        result = (await asyncio.to_thread(trace_many, [call], ctx.pool, limits=TRACE_LIMITS))[0]
        traced = trace_blocks(result.trace, result.status, name, "line")
        return select_blocks(traced, "line") if isinstance(traced, list) else traced

    p = rp.problem
    new, notes = await mg_step(
        ask, run, trace, p.task_id, it.iteration, p.prompt, p.entry_point, program, it.selected or ""
    )
    it.feedback = it.selected
    it.trace = notes
    if new is None:
        return Reply("", error="no answer")
    return Reply(f"```python\n{new}\n```")


async def _resample_step(ctx: _Ctx, rp: RepairProblem, it: Iteration, used: int) -> Reply:
    """A fresh program from the codegen prompt; ``used`` requests so far make the sample
    index (the cache key's), so each resample is a new request."""
    p = rp.problem
    messages = codegen_messages(p.prompt, rp.visible)
    return await _ask(ctx, it, ChatRequest(p.task_id, "generate", it.iteration, messages, sample=used))


async def repair_task(pool: Any, chat: Chat, opts: Options, rp: RepairProblem, record: Record) -> TaskOutcome:
    """Run the loop for one task (see the module docstring)."""
    ctx = _Ctx(pool, chat, opts)
    p = rp.problem
    rng = random.Random(f"{opts.seed}:{p.task_id}")
    started = time.monotonic()
    program = rp.seed
    seed_it = Iteration(0, "", Visible(False, (), ""), Hidden(False, ""))
    if program is None:
        reply = await _ask(
            ctx, seed_it, ChatRequest(p.task_id, "generate", 0, codegen_messages(p.prompt, rp.visible))
        )
        program = prepare_program(p.prompt, code_body(reply.text), p.entry_point)
    visible, hidden = await _judge(ctx, rp, program)
    seed_it.program, seed_it.visible, seed_it.hidden = program, visible, hidden
    seed_it.seconds = time.monotonic() - started
    iterations = [seed_it]
    await _emit(record, p.task_id, seed_it)
    convo: list[tuple[str, str]] = []
    stopped = "passing"
    while not visible.passing:
        if len(iterations) - 1 >= opts.max_iters:
            stopped = "max_iters"
            break
        started = time.monotonic()
        it = Iteration(len(iterations), "", visible, hidden)
        it.selected = visible.failed[rng.randrange(len(visible.failed))]
        if opts.method == "ldb":
            reply = await _ldb_step(ctx, rp, program, it, convo)
        elif opts.method == "selfdebug":
            reply = await _selfdebug_step(ctx, rp, program, it, convo)
        elif opts.method == "mgdebugger":
            reply = await _mg_step(ctx, rp, program, it)
        else:
            reply = await _resample_step(ctx, rp, it, len(iterations))
        if reply.error is not None:
            stopped = "no_answer"
            break
        program = prepare_program(p.prompt, code_body(reply.text), p.entry_point)
        visible, hidden = await _judge(ctx, rp, program)
        it.program, it.visible, it.hidden = program, visible, hidden
        it.seconds = time.monotonic() - started
        iterations.append(it)
        await _emit(record, p.task_id, it)
    return TaskOutcome(p.task_id, iterations, stopped)


async def _emit(record: Record, task_id: str, it: Iteration) -> None:
    result = record(task_id, it)
    if result is not None:
        await result

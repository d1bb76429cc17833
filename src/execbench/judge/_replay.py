"""Strict judging in batches: the tests replayed in a trusted process against recorded answers.

The interactive judge (:mod:`._runner`) costs a second fork per sample. When the problem
has a reference solution, the calls its tests make are known in advance, so the same
verdict can be reached with one ordinary execution per sample:

1. ``record`` (trusted, one execution for many problems, no model code): run each
   problem's tests with the entry point bound to a recorder around the reference
   solution; the plan is the list of argument tuples (plain data) the tests passed.
2. ``answer`` (one execution per sample, the program's own process): run the program and
   call its entry point on each planned argument tuple; report the return values (plain
   data; anything else is opaque) or exceptions, and the arguments after each call.
   Forging this report is answering. The expected values are never sent here.
3. ``verify`` (trusted, one execution for many samples): replay each sample's tests with
   the entry bound to a replayer that checks each call's arguments against the plan and
   returns the recorded answer. A call off the plan (the tests' inputs depend on earlier
   answers) makes the sample ``diverged``: it is then judged interactively.

``random`` is reseeded to 0 before each recording and each replay, so tests that draw
their inputs at random draw the same ones. Standard library only (loaded in workers).
"""

from __future__ import annotations

import random
from typing import Any

from execbench.compat import harness
from execbench.judge._channel import MAX_TEXT, exception_data
from execbench.judge._runner import _remote_exception, _write_back
from execbench.judge.values import decode, encode

__all__ = ["record", "answer", "verify", "DIVERGED"]

DIVERGED = "diverged"
_MAX_CALLS = 100_000


class _Stop(BaseException):
    """Ends a recording or replay from inside the tests (a BaseException: tests cannot catch it
    with ``except Exception``; a bare ``except:`` is caught by the flag checked afterwards)."""


def _unsendable(value: Any) -> Any:
    raise TypeError(f"the tests passed a {type(value).__name__}, which is not plain data")


def _args_tree(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    return [
        [encode(a, _unsendable) for a in args],
        [[k, encode(v, _unsendable)] for k, v in sorted(kwargs.items())],
    ]


def _run_tests(item: dict[str, Any], bound: Any) -> None:
    entry = str(item["entry"])
    namespace: dict[str, Any] = {}
    exec(compile(str(item.get("trusted", "")), "<trusted>", "exec"), namespace)
    namespace[entry] = bound
    exec(compile(str(item["test"]), "<string>", "exec"), namespace)
    if item.get("check"):
        eval(compile(f"check({entry})", "<string>", "eval"), namespace)


def _record_one(item: dict[str, Any], timeout: float) -> list[Any] | None:
    reference: dict[str, Any] = {}
    calls: list[Any] = []
    state = {"bad": False}
    try:
        with harness._swallow_io(), harness._time_limit(timeout):
            exec(compile(str(item["reference"]), "<reference>", "exec"), reference)
            target = reference[str(item["entry"])]

            def recorder(*args: Any, **kwargs: Any) -> Any:
                if len(calls) >= _MAX_CALLS:
                    state["bad"] = True
                    raise _Stop
                try:
                    calls.append(_args_tree(args, kwargs))
                except TypeError:
                    state["bad"] = True
                    raise _Stop from None
                return target(*args, **kwargs)

            random.seed(0)
            _run_tests(item, recorder)
    except BaseException:  # noqa: BLE001 - a reference that fails its tests has no plan
        return None
    return None if state["bad"] else calls


def record(_code: str, args: dict[str, Any]) -> list[list[Any] | None]:
    """Plans for ``args["items"]`` (``reference``, ``trusted``, ``test``, ``entry``, ``check``)."""
    timeout = float(args.get("timeout", 3.0))
    return [_record_one(item, timeout) for item in args["items"]]


def answer(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """In the program's process: run it, answer every planned call with plain data."""
    namespace: dict[str, Any] = {}
    handles: list[Any] = []

    def handle_of(obj: Any) -> int:
        handles.append(obj)
        return len(handles) - 1

    with harness._swallow_io():
        try:
            exec(compile(code, "<string>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - the program's failure is its answer
            return {"top": exception_data(exc)}
        target = namespace.get(str(args["entry"]))
        if target is None:
            return {"top": ["NameError", f"name {args['entry']!r} is not defined"]}
        replies: list[Any] = []
        for call in args["calls"]:
            positional = [decode(a) for a in call[0]]
            keywords = {str(k): decode(v) for k, v in call[1]}
            try:
                value = target(*positional, **keywords)
            except BaseException as exc:  # noqa: BLE001
                replies.append({"e": exception_data(exc)})
                continue
            replies.append(
                {
                    "v": encode(value, handle_of),
                    "m": [encode(a) if type(a) in (list, dict, set) else None for a in positional],
                }
            )
    return {"answers": replies}


def _verify_one(item: dict[str, Any], timeout: float) -> dict[str, Any]:
    try:
        return _verify_checked(item, timeout)
    except Exception:  # noqa: BLE001 - malformed answers are the sample's failure, not the batch's
        return {"result": "failed: malformed answers"}


def _verify_checked(item: dict[str, Any], timeout: float) -> dict[str, Any]:
    reply = item["answers"]
    if not isinstance(reply, dict):
        return {"result": harness.TIMED_OUT}
    if "top" in reply:
        name, message = reply["top"]
        return {"result": f"failed: {str(message)[:MAX_TEXT]}", "type": str(name)}
    plan, answers = item["calls"], reply.get("answers")
    if not isinstance(answers, list) or len(answers) != len(plan):
        return {"result": harness.TIMED_OUT}
    state: dict[str, Any] = {"next": 0, "diverged": False, "rejected": None}

    def replayer(*args: Any, **kwargs: Any) -> Any:
        i = state["next"]
        try:
            tree = _args_tree(args, kwargs)
        except TypeError:
            state["diverged"] = True
            raise _Stop from None
        if i >= len(plan) or tree != plan[i]:
            state["diverged"] = True
            raise _Stop
        state["next"] = i + 1
        got = answers[i]
        if "e" in got:
            raise _remote_exception(str(got["e"][0]), str(got["e"][1]))

        def opaque(_handle: Any, name: str) -> Any:
            state["rejected"] = state["rejected"] or f"returned a {name[:100]}, not plain data"
            raise _Stop

        value = decode(got["v"], opaque)
        _write_back(args, got.get("m"))
        return value

    try:
        with harness._swallow_io(), harness._time_limit(timeout):
            random.seed(0)
            _run_tests(item, replayer)
        result = harness.PASSED
    except harness._TimeLimitExceeded:
        result = harness.TIMED_OUT
    except BaseException as exc:  # noqa: BLE001 - the tests' failure is the verdict
        result = f"failed: {str(exc)[:MAX_TEXT]}"
    if state["diverged"]:
        return {"result": DIVERGED}
    if state["rejected"]:
        return {"result": f"failed: {state['rejected']}", "reason": state["rejected"]}
    return {"result": result}


def verify(_code: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Verdicts for ``args["items"]`` (``trusted``, ``test``, ``entry``, ``check``, ``calls``, ``answers``)."""
    timeout = float(args.get("timeout", 3.0))
    return [_verify_one(item, timeout) for item in args["items"]]

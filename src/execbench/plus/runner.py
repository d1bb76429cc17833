"""The in-sandbox runner: call one function on many argument lists and report plain data.

Runs inside the sandboxed child as ``execbench.plus.runner:run_inputs`` (standard library
only: it is imported in warm workers). One execution judges a whole batch of inputs, so
a batch costs one fork, not one per input.

For each input (``args["inputs"]``: argument lists as Python literal text) it reports:

- ``status``: ``ok``, ``error`` (the call raised; ``error`` holds the type name),
  ``timeout`` (the per-input alarm), ``limit`` (more line events than ``max_lines`` --
  a deterministic cost cap) or ``invalid`` (the argument text or a contract rejected it);
- ``out``: ``repr`` of the return value when it is plain data (exact ``int``, ``float``,
  ``str``, ``bool``, ``None``, ``list``, ``tuple``, ``dict``, ``set``, finite floats, not
  too big; a returned ``Counter``/``OrderedDict``/``defaultdict``, equal to its plain dict
  in Python, is reported as that dict), else ``None`` with ``kind`` naming the type: the host re-reads it with
  ``ast.literal_eval`` and compares there, never trusting a verdict made next to the program;
- ``features`` (``args["features"]``): the coverage facts the augmenter steers by --
  line arcs ``a>b`` inside the program (branch outcomes), per-line hit-count buckets
  ``Lk#b`` (loop-iteration counts, AFL-style buckets), ``X:<type>`` for exceptions, and
  ``B<line>:<col><`` / ``=`` / ``>`` -- which side of every numeric comparison the
  operands fell on (boundary coverage: ``day > 29`` met with ``day == 29`` is a new fact,
  although no branch changes; a wrong ``>=`` differs exactly there), and ``P<fact>><fact>``
  for consecutive ones (``month == 2`` then ``day == 29``: a combination no single fact
  tells). For this the
  program's single comparisons are rewritten into calls of a recording helper that
  returns the same result (only in these runs; expected outputs are confirmed untraced);
- ``cost`` (``args["count"]``): bytecode instructions executed by the call, counted with
  ``sys.monitoring`` INSTRUCTION events (3.12+) or settrace opcode events (3.11); the same
  interpreter gives the same count on every run. ``tampered`` is set when the program
  switched the counter off; past ``max_cost`` the call is stopped (``limit``). With
  ``groups`` and ``target`` (a ladder of growing inputs per group), the rest of a group is
  ``skipped`` once one of its inputs reaches ``target`` instructions or fails;
- ``perm_varies`` (``args["perm"]``: argument positions): the positions whose list/tuple,
  reversed, rotated, with its first two elements swapped, or sorted (up or down), makes the function answer differently -- on a task whose answer
  never depends on that order (every seed says so), such an input has several right
  answers (ties) and is not a fair test.

:func:`record_calls` runs the problem's own test code with the entry point wrapped, and
reports the argument lists of the calls it makes (seeds the test computes, not writes).
"""

from __future__ import annotations

import ast
import collections
import contextlib
import io
import signal
import sys
from typing import Any

from execbench.plus._boundaries import BOUNDS, CMP_HELPER, MAX_BOUNDS, compile_program, record_cmp

__all__ = ["run_inputs", "record_calls", "PROGRAM_FILE"]

PROGRAM_FILE = "<execbench-plus>"
_MAX_OUT = 20_000
_PLAIN_SCALARS = (int, str, bool, type(None))
_repr = repr


class _Alarm(BaseException):
    """Per-input time limit; a ``BaseException`` so ``except Exception`` in a program cannot eat it."""


class _LineLimit(BaseException):
    """Raised by the feature tracer past ``max_lines`` line events."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Alarm


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 50:
        return False
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    if kind in (list, tuple, set):
        return all(_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


_DICT_TYPES = (collections.Counter, collections.OrderedDict, collections.defaultdict)


def _as_plain_dict(value: Any) -> Any:
    """A ``Counter``/``OrderedDict``/``defaultdict`` as the plain dict it compares equal to
    (MBPP/40's Counter); anything else as it is."""
    return dict(value) if type(value) in _DICT_TYPES else value


def _encode(value: Any, max_out: int = _MAX_OUT) -> tuple[str | None, str]:
    value = _as_plain_dict(value)
    if not _plain(value):
        return None, type(value).__name__
    try:
        text = _repr(value)
    except (ValueError, RecursionError):  # e.g. an int with too many digits
        return None, "too large"
    if len(text) > max_out:
        return None, "too large"
    return text, ""


class _Features:
    """Line arcs, hit-count buckets and exceptions of frames running the program's code."""

    def __init__(self, max_lines: int) -> None:
        self.arcs: set[str] = set()
        self.bounds: set[tuple[Any, Any]] = set()
        """(previous fact, fact) pairs; a fact is (comparison site, 0/1/2 for < = >)."""
        self.hits: dict[int, int] = {}
        self.lines = 0
        self.max_lines = max_lines

    def global_trace(self, frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != PROGRAM_FILE:
            return None
        prev = [frame.f_lineno * -1]

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line":
                line = frame.f_lineno
                self.arcs.add(f"{prev[0]}>{line}")
                prev[0] = line
                self.hits[line] = self.hits.get(line, 0) + 1
                self.lines += 1
                if self.lines > self.max_lines:
                    raise _LineLimit
            elif event == "exception":
                self.arcs.add(f"X:{arg[0].__name__}@{frame.f_lineno}")
            return local

        return local

    def result(self) -> list[str]:
        out = set(self.arcs)
        sides = "<=>"
        for prev, (site, side) in self.bounds:
            out.add(f"B{site}{sides[side]}")
            out.add(f"P{prev[0] + sides[prev[1]] if prev else ''}>{site}{sides[side]}")
        for line, count in self.hits.items():
            out.add(f"L{line}#{count if count < 4 else count.bit_length() + 1}")
        return sorted(out)


def _count_call(fn: Any, args: list[Any], max_cost: int) -> tuple[Any, int, bool]:
    """Call ``fn(*args)`` counting bytecode instructions; (result, count, tampered).
    Past ``max_cost`` instructions the call is stopped (``_LineLimit``)."""
    count = [0]
    if sys.version_info >= (3, 12):
        mon = sys.monitoring
        tool = mon.PROFILER_ID
        mon.use_tool_id(tool, "execbench-cost")

        def on_instruction(code: Any, offset: int) -> None:
            count[0] += 1
            if count[0] > max_cost:
                # events off first: every instruction of the unwinding (the handlers included)
                # would call back and raise again
                mon.set_events(tool, 0)
                raise _LineLimit

        mon.register_callback(tool, mon.events.INSTRUCTION, on_instruction)
        mon.set_events(tool, mon.events.INSTRUCTION)
        try:
            result = fn(*args)
        finally:
            tampered = mon.get_events(tool) != mon.events.INSTRUCTION
            mon.set_events(tool, 0)
            mon.register_callback(tool, mon.events.INSTRUCTION, None)
            mon.free_tool_id(tool)
        return result, count[0], tampered

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            count[0] += 1
            if count[0] > max_cost:
                raise _LineLimit
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        return local

    sys.settrace(global_trace)
    try:
        result = fn(*args)
    finally:
        tampered = sys.gettrace() is not global_trace
        sys.settrace(None)
    return result, count[0], tampered


def _contract_fn(contract: str, entry_fn: Any, namespace: dict[str, Any]) -> Any:
    """``contract`` (``assert`` lines) as a function taking the entry's parameters."""
    code = entry_fn.__code__
    params = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    body = "\n".join("    " + line.strip() for line in contract.splitlines() if line.strip()) or "    pass"
    source = f"def __execbench_contract__({', '.join(params)}):\n{body}\n"
    exec(compile(source, "<execbench-contract>", "exec"), namespace)
    return namespace["__execbench_contract__"]


def run_inputs(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``code``, then call ``args["entry"]`` on every input; see the module docstring."""
    entry = args["entry"]
    timeout = float(args.get("timeout", 1.0))
    total = float(args.get("total", 30.0))
    features = bool(args.get("features", False))
    count = bool(args.get("count", False))
    max_lines = int(args.get("max_lines", 200_000))
    groups = args.get("groups")
    target = int(args.get("target", 0))
    max_cost = int(args.get("max_cost", 50_000_000))
    max_out = int(args.get("max_out", _MAX_OUT))
    perm = [int(p) for p in args.get("perm") or ()]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    namespace: dict[str, Any] = {"__name__": "__execbench_plus__", CMP_HELPER: record_cmp}
    sink = io.StringIO()
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            signal.setitimer(signal.ITIMER_REAL, max(timeout, 3.0))
            exec(compile_program(code, PROGRAM_FILE, features), namespace)
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - the program's failure is data
        signal.setitimer(signal.ITIMER_REAL, 0)
        return {"load_error": f"{type(exc).__name__}: {exc}"[:500], "results": []}
    fn = namespace.get(entry)
    if not callable(fn):
        return {"load_error": f"no function {entry!r}", "results": []}
    contract = _contract_fn(args["contract"], fn, namespace) if args.get("contract") else None
    results: list[dict[str, Any]] = []
    import time

    started = time.monotonic()
    finished: set[Any] = set()
    for i, text in enumerate(args["inputs"]):
        if time.monotonic() - started > total:
            results.append({"status": "timeout", "error": "total time limit"})
            break
        group = groups[i] if groups else None
        if group is not None and group in finished:
            results.append({"status": "skipped"})
            continue
        row = _one(fn, text, contract, timeout, features, count, max_lines, max_cost, sink, max_out)
        if perm and row.get("status") == "ok" and row.get("out") is not None:
            varies = _order_varies(fn, text, perm, row["out"], timeout, sink)
            if varies:
                row["perm_varies"] = varies
        results.append(row)
        if group is not None and (row.get("status") != "ok" or row.get("cost", 0) >= target):
            finished.add(group)
        sink.seek(0)
        sink.truncate()
    return {"load_error": None, "results": results}


def _one(
    fn: Any,
    text: str,
    contract: Any,
    timeout: float,
    features: bool,
    count: bool,
    max_lines: int,
    max_cost: int,
    sink: Any,
    max_out: int = _MAX_OUT,
) -> dict[str, Any]:
    try:
        call_args = ast.literal_eval(text)
        if not isinstance(call_args, list):
            raise ValueError("not a list")
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return {"status": "invalid", "error": "argument text"}
    if contract is not None:
        try:
            contract(*call_args)
        except BaseException as exc:  # noqa: BLE001
            return {"status": "invalid", "error": f"contract: {type(exc).__name__}"}
    tracer = _Features(max_lines) if features else None
    row: dict[str, Any] = {}
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                if count:
                    out, cost, tampered = _count_call(fn, call_args, max_cost)
                    row["cost"] = cost
                    if tampered:
                        row["tampered"] = True
                elif tracer is not None:
                    BOUNDS[0], BOUNDS[1], BOUNDS[2] = tracer.bounds, None, MAX_BOUNDS
                    sys.settrace(tracer.global_trace)
                    try:
                        out = fn(*call_args)
                    finally:
                        sys.settrace(None)
                        BOUNDS[0] = None
                else:
                    out = fn(*call_args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        return {"status": "timeout"}
    except _LineLimit:
        return {"status": "limit"}
    except RecursionError:
        row.update(status="error", error="RecursionError")
    except BaseException as exc:  # noqa: BLE001 - the program's failure is data
        row.update(status="error", error=type(exc).__name__)
    else:
        text_out, kind = _encode(out, max_out)
        row.update(status="ok", out=text_out)
        if kind:
            row["kind"] = kind
    if tracer is not None:
        row["features"] = tracer.result()
    return row


def _close(a: Any, b: Any, depth: int = 0) -> bool:
    """Equal, floats within a relative 1e-9 (a float sum in another order differs in the last
    bits: that is rounding, not a second right answer)."""
    if depth > 50:
        return False
    if type(a) is float or type(b) is float:
        if type(a) not in (int, float) or type(b) not in (int, float):
            return False
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if type(a) is not type(b):
        return False
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_close(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_close(a[k], b[k], depth + 1) for k in a)
    return bool(a == b)


_REORDERS = ("reverse", "rotate", "swap", "sort", "sort-down")


def _reorder(seq: list[Any], how: str) -> list[Any]:
    """``sort``/``sort-down`` put equal-valued groups in another order than the input's, which
    reversing or rotating may not (HumanEval/20: two zero gaps, 3.5s found before 2.5s both
    ways); elements that do not compare are left as they are."""
    if how == "reverse":
        return seq[::-1]
    if how == "rotate":
        return seq[1:] + seq[:1]
    if how == "swap":
        return [seq[1], seq[0], *seq[2:]]
    try:
        return sorted(seq, key=_sort_key, reverse=how == "sort-down")
    except TypeError:
        return seq


def _sort_key(value: Any) -> Any:
    return value if type(value) in (int, float, str, bool) else repr(value)


def _order_varies(fn: Any, text: str, positions: list[int], out: str, timeout: float, sink: Any) -> list[int]:
    """Positions whose sequence, reordered (:data:`_REORDERS`), changes the answer (or makes the call fail): the input's answer depends on an
    order the task (by its seeds) ignores."""
    varies = []
    expected = ast.literal_eval(out)
    for pos in positions:
        for how in _REORDERS:
            call_args = ast.literal_eval(text)
            if pos >= len(call_args) or type(call_args[pos]) not in (list, tuple) or len(call_args[pos]) < 2:
                break
            call_args[pos] = type(call_args[pos])(_reorder(list(call_args[pos]), how))
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                    try:
                        other = fn(*call_args)
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                same = _close(_as_plain_dict(other), expected)
            except BaseException:  # noqa: BLE001 - a failure on the reordered input is a difference
                same = False
            if not same:
                varies.append(pos)
                break
    return varies


def record_calls(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``code``, then the test code ``args["test"]`` with ``args["entry"]`` wrapped, calling
    ``check(entry)`` unless the test calls ``check`` itself; the wrapper records the argument
    lists (literal text, plain data only, outermost calls only, at most ``limit`` distinct)
    and answers with the real function. A failing test is fine: what was recorded counts."""
    entry = args["entry"]
    limit = int(args.get("limit", 50))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    namespace: dict[str, Any] = {"__name__": "__execbench_plus__"}
    calls: list[str] = []
    sink = io.StringIO()
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            signal.setitimer(signal.ITIMER_REAL, float(args.get("timeout", 10.0)))
            try:
                exec(compile(code, PROGRAM_FILE, "exec"), namespace)
                fn = namespace.get(entry)
                if not callable(fn):
                    return {"calls": [], "error": f"no function {entry!r}"}
                active = [False]

                def wrapper(*call_args: Any, **kwargs: Any) -> Any:
                    if not active[0] and not kwargs and len(calls) < limit:
                        text, _ = _encode(list(call_args))
                        if text is not None and text not in calls:
                            calls.append(text)
                    if active[0]:
                        return fn(*call_args, **kwargs)
                    active[0] = True
                    try:
                        return fn(*call_args, **kwargs)
                    finally:
                        active[0] = False

                namespace[entry] = wrapper
                exec(compile(args["test"], "<execbench-test>", "exec"), namespace)
                check = namespace.get("check")
                if args.get("call_check") and callable(check):
                    check(wrapper)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - the test's failure is data
        return {"calls": calls, "error": type(exc).__name__}
    return {"calls": calls, "error": None}

"""LDB's block-level trace, computed from ONE execbench trace.

LDB runs a failing call twice: ``python -m trace`` gives the executed lines of the entry
function's first call; then a copy of the program with a ``print(vars())`` statement
inserted before each executed block and after each non-condition block (``return x``
rewritten as ``_ret = x``) gives the values, and the two outputs are walked side by side
into blocks of lines, each followed by ``# name=value\\t...``. execbench builds the same
instrumented text (string operations only, to know where each print statement sits and
whether the copy compiles) and decides from the recorded events of the single traced run
when each inserted statement would have run and which locals it would have printed:

- a statement inserted before statement ``X`` of a body runs when ``X`` is reached from
  outside ``X`` (not on a loop's back edge, not on a multi-line statement's later lines);
- one inserted after the last statement ``P`` of a body runs when ``P`` completes and control
  leaves it normally (not by ``return``/``raise``, nor ``break``/``continue`` out of it); after
  a rewritten ``return`` it runs when the return does, with ``_ret`` bound to the value;
- locals are listed in ``vars()`` order for the running interpreter (the order of the
  instrumented function's local variables; see ``LOCALS_SNAPSHOT``), names starting with
  ``__`` left out, each as ``str()``.

Where LDB's rewrite changes what the program computes (a rewritten ``return`` no longer
returns: a helper then hands ``None`` to its caller, a loop goes on, the test's expression
gets ``None``), no recorded event can say what LDB's copy prints: there (and only there,
:func:`rewrite_matters`) the instrumented copy is run for real in the sandbox, as LDB runs it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any

from execbench import _pyast
from execbench.repair.ldbblocks import LdbBlock, ldb_blocks
from execbench.repair.ldbrewrite import RunProgram, parse_value_run, rewrite_matters
from execbench.trace import Trace

__all__ = [
    "ldb_block_trace",
    "window_lines",
    "instrumented_text",
    "value_text",
    "ADDRESS_PLACEHOLDER",
]

#: PEP 667 (3.13+): ``vars()`` in a function returns a fresh snapshot of the bound locals in
#: the code's local-variable order. Up to 3.12 it fills the frame's one ``f_locals`` dict,
#: where a name keeps the place it first got. LDB's value run prints ``vars()``, so the
#: order it shows is the running interpreter's.
LOCALS_SNAPSHOT = sys.version_info[:2] >= (3, 13)

#: What stands for a memory address in ``str()`` of a function (see :func:`value_text`).
ADDRESS_PLACEHOLDER = "0x" + "0" * 12

_PAYLOAD = "__var_list = vars();print(f'Value_{kind}:{line}|' + '|'.join([(x + '=' + _str(__var_list[x])) for x in __var_list if not x.startswith('__')]));"


@dataclass(frozen=True)
class _Payload:
    kind: str  # Before | After
    line: int  # the original line it reports


def window_lines(trace: Trace, entry: str) -> list[int] | None:
    """The lines LDB's ``python -m trace`` output keeps: the line events after the first call
    of ``entry`` up to its next call (any frame of the program), consecutive repeats dropped;
    None if ``entry`` is never called."""
    started = False
    out: list[int] = []
    for ev in trace.events:
        if ev.kind in ("call", "resume") and ev.func == entry:
            if started:
                break
            started = True
            continue
        if started and ev.kind == "line" and (not out or out[-1] != ev.line):
            out.append(ev.line)
    return out if started else None


def _indent(text: str) -> int:
    return int((len(text) - len(text.lstrip())) / 4)


def instrumented_text(
    program: str, executed: list[tuple[LdbBlock, int]]
) -> tuple[list[str], list[int | _Payload]]:
    """LDB's ``instrument_simple``: the instrumented lines, and for each the original line
    number it came from (or the payload it is)."""
    stmts = program.split("\n")
    origin: list[int | _Payload] = list(range(1, len(stmts) + 1))
    for block, indent in sorted(executed, key=lambda x: x[0].start, reverse=True):
        if not block.multi:
            end = block.end
            after = indent + (1 if stmts[end - 1].lstrip().startswith(("for ", "if ", "while ")) else 0)
            stmts.insert(end, "    " * after + _PAYLOAD.format(kind="After", line=end))
            origin.insert(end, _Payload("After", end))
            if "return " in stmts[end - 1]:
                stmts[end - 1] = stmts[end - 1].replace("return ", "_ret = ")
        stmts.insert(block.start - 1, "    " * indent + _PAYLOAD.format(kind="Before", line=block.start))
        origin.insert(block.start - 1, _Payload("Before", block.start))
    return stmts, origin


@dataclass(frozen=True)
class _Slot:
    before: int | None  # fire on arrival at the original statement starting at this line
    after: int | None  # fire when the original statement starting here completes
    returns: bool  # ``after`` is a rewritten return
    owner: tuple[str, int] = ("", 0)  # (function name, original first line) it runs in


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody", "handlers"):
            seq = getattr(node, name, None)
            if isinstance(seq, list) and seq and isinstance(seq[0], ast.stmt):
                yield seq
        if isinstance(node, ast.Match):
            for case in node.cases:
                yield case.body


def _owners(tree: ast.Module, origin: list[int | _Payload]) -> dict[int, tuple[str, int]]:
    """Instrumented line -> the innermost function around it (name, original first line)."""
    owner: dict[int, tuple[str, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            tag = origin[first - 1]
            key = (node.name, tag if isinstance(tag, int) else 0)
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                old = owner.get(line)
                if old is None or old[1] <= key[1]:
                    owner[line] = key
    return owner


def _slots(tree: ast.Module, origin: list[int | _Payload]) -> dict[int, tuple[_Payload, _Slot]]:
    """Instrumented line of each payload -> (payload, when it runs)."""
    out: dict[int, tuple[_Payload, _Slot]] = {}
    owners = _owners(tree, origin)
    for body in _bodies(tree):
        lines = [s.lineno for s in body]
        for i, st in enumerate(body):
            tag = origin[st.lineno - 1]
            if not isinstance(tag, _Payload) or st.lineno in out:
                continue
            prev = next(
                (body[j] for j in range(i - 1, -1, -1) if not isinstance(origin[lines[j] - 1], _Payload)),
                None,
            )
            nxt = next(
                (body[j] for j in range(i + 1, len(body)) if not isinstance(origin[lines[j] - 1], _Payload)),
                None,
            )
            prev_line = origin[prev.lineno - 1] if prev is not None else None
            is_ret = (
                prev is not None
                and isinstance(prev, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "_ret" for t in prev.targets)
            )
            who = owners.get(st.lineno, ("", 0))
            if is_ret and isinstance(prev_line, int):
                out[st.lineno] = (tag, _Slot(None, prev_line, True, who))
            elif nxt is not None and isinstance(origin[nxt.lineno - 1], int):
                out[st.lineno] = (tag, _Slot(origin[nxt.lineno - 1], None, False, who))  # type: ignore[arg-type]
            elif isinstance(prev_line, int):
                out[st.lineno] = (tag, _Slot(None, prev_line, False, who))
    return out


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_objects(const)


def _local_order(code: CodeType) -> list[str]:
    names = list(code.co_varnames)
    names += [c for c in code.co_cellvars if c not in names]
    return names + [f for f in code.co_freevars if f not in names]


def value_text(snap: Any) -> str:
    """``str()`` of a traced value, from its snapshot (strings lose their quotes)."""
    if not isinstance(snap, dict):
        return "?"
    text = str(snap.get("repr", "?"))
    if snap.get("type") == "str" and snap.get("literal", True) and not snap.get("cut"):
        try:
            value = _pyast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        return value if isinstance(value, str) else text
    for name in ("inf", "-inf", "nan"):  # str() of special floats, alone or inside containers
        text = text.replace(f"float('{name}')", name)
    if snap.get("type") == "function" and text.startswith("<function ") and text.endswith(">"):
        # str() of a function names its memory address, which no other run can know; the
        # snapshot leaves it out. It is shown in CPython's form with a placeholder of an
        # x86-64 address's width, so that LDB's 50 + 50 value cut falls where LDB's does.
        text = text[:-1] + f" at {ADDRESS_PLACEHOLDER}>"
    return text


_str = value_text


class _Emulator:
    """Walks the recorded events and produces the value lines LDB's instrumented run prints."""

    def __init__(
        self,
        trace: Trace,
        tree: ast.Module,
        slots: dict[int, tuple[_Payload, _Slot]],
        orders: dict[tuple[str, int], list[str]],
    ) -> None:
        self.trace = trace
        self.orders = orders
        self.before: dict[tuple[tuple[str, int], int], list[_Payload]] = {}
        self.after: dict[tuple[tuple[str, int], int], list[tuple[_Payload, bool]]] = {}
        for line in sorted(slots):
            payload, slot = slots[line]
            if slot.before is not None:
                self.before.setdefault((slot.owner, slot.before), []).append(payload)
            if slot.after is not None:
                self.after.setdefault((slot.owner, slot.after), []).append((payload, slot.returns))
        self.spans: dict[int, tuple[int, ast.stmt]] = {}
        self.loops: list[tuple[int, int]] = []
        for node in ast.walk(_pyast.parse(trace.source)):
            if isinstance(node, ast.stmt):
                end = node.end_lineno or node.lineno
                old = self.spans.get(node.lineno)
                if old is None or end > old[0]:
                    self.spans[node.lineno] = (end, node)
                if isinstance(node, ast.For | ast.While | ast.AsyncFor):
                    self.loops.append((node.lineno, end))

    def _inside(self, start: int, line: int) -> bool:
        span = self.spans.get(start)
        return span is not None and start < line <= span[0]

    def _left_normally(self, start: int, last_line: int) -> bool:
        """Whether leaving the statement at ``start`` after ``last_line`` was no jump out of it."""
        node = self.spans.get(last_line, (0, None))[1]
        if isinstance(node, ast.Return | ast.Raise):
            return False
        if isinstance(node, ast.Break | ast.Continue):
            loops = [lp for lp in self.loops if lp[0] < last_line <= lp[1]]
            inner = max(loops, default=(0, 0))
            return start <= inner[0]
        return True

    def run(self) -> list[tuple[str, int, str]]:
        out: list[tuple[str, int, str]] = []
        state: dict[int, dict[str, Any]] = {}
        prev: dict[int, int] = {}  # frame -> its previous line
        active: dict[int, list[int]] = {}  # frame -> entered statements with payloads after them
        raised: set[int] = set()  # frames where an exception is propagating
        order: dict[int, list[str]] = {}
        owner: dict[int, tuple[str, int]] = {}
        seen: dict[int, list[str]] = {}  # frame -> key order of its locals dict
        for ev in self.trace.events:
            st = state.setdefault(ev.frame, {})
            for name, snap in (ev.delta or {}).items():
                if snap is None:
                    st.pop(name, None)
                else:
                    st[name] = snap
            if ev.kind == "call":
                owner[ev.frame] = (ev.func, ev.line)
                order[ev.frame] = self.orders.get((ev.func, ev.line), [])
                continue
            if ev.kind == "exception":
                raised.add(ev.frame)
                continue
            if ev.kind not in ("line", "return"):
                continue
            last = prev.get(ev.frame)
            who = owner.get(ev.frame, ("", 0))
            entered = active.setdefault(ev.frame, [])
            abnormal = ev.frame in raised or (ev.kind == "return" and ev.raised)
            raised.discard(ev.frame)
            for start in list(reversed(entered)):
                if ev.kind == "line" and (ev.line == start or self._inside(start, ev.line)):
                    continue
                entered.remove(start)
                for payload, is_ret in self.after.get((who, start), []):
                    if abnormal:
                        continue
                    if is_ret:
                        if ev.kind == "return":
                            out.append(
                                self._line(
                                    payload,
                                    st,
                                    order.get(ev.frame, []),
                                    ev.value,
                                    seen.setdefault(ev.frame, []),
                                )
                            )
                    elif last is not None and self._left_normally(start, last):
                        out.append(
                            self._line(
                                payload, st, order.get(ev.frame, []), None, seen.setdefault(ev.frame, [])
                            )
                        )
            if ev.kind == "line":
                if last is None or (last != ev.line and not self._inside(ev.line, last)):
                    for payload in self.before.get((who, ev.line), []):
                        out.append(
                            self._line(
                                payload, st, order.get(ev.frame, []), None, seen.setdefault(ev.frame, [])
                            )
                        )
                    if (who, ev.line) in self.after and ev.line not in entered:
                        entered.append(ev.line)
                prev[ev.frame] = ev.line
        return out

    def _line(
        self, payload: _Payload, state: dict[str, Any], order: list[str], ret: Any, keys: list[str]
    ) -> tuple[str, int, str]:
        values = dict(state)
        if ret is not None:
            values["_ret"] = ret
        if LOCALS_SNAPSHOT:
            names = [n for n in order if n in values] + [n for n in values if n not in order]
            text = "|".join(f"{n}={_str(values[n])}" for n in names if not n.startswith("__"))
            return payload.kind, payload.line, text.split("\n")[0]
        # vars() fills the frame's one locals dict: names keep the place they first got (in
        # localsplus order among those new at that call); unbound names leave it.
        known = [n for n in keys if n in values]
        fresh = [n for n in order if n in values and n not in known]
        known += fresh + [n for n in values if n not in known and n not in fresh]
        keys[:] = known
        names = known
        text = "|".join(f"{n}={_str(values[n])}" for n in names if not n.startswith("__"))
        return payload.kind, payload.line, text.split("\n")[0]


def _pair(values: list[tuple[str, int, str]], lines: list[int], source: list[str]) -> list[list[str]]:
    """LDB's ``parse_runtime_value_simple``: value lines and trace lines walked side by side."""

    def text(n: int) -> str:
        return source[n - 1] if 0 < n <= len(source) else ""

    blocks: list[list[str]] = []
    blk: list[str] = []
    idx = 0
    known = set(lines)
    for i, (kind, lineno, raw) in enumerate(values):
        if lineno not in known:
            continue
        shown = raw.replace("|", "\t")
        shown = shown if len(shown) < 100 else shown[:50] + "..." + shown[-50:]
        while idx < len(lines) and lines[idx] != lineno:
            blk.append(text(lines[idx]))
            idx += 1
        if idx == len(lines):
            break
        if kind == "Before":
            blk.append("    " * _indent(text(lines[idx])) + "# " + shown)
            if i + 1 == len(values):
                break
            if values[i + 1][0] == "Before":
                blk.append(text(lines[idx]))
                idx += 1
        else:
            blk.append(text(lines[idx]))
            blk.append("    " * _indent(text(lines[idx])) + "# " + shown)
            blocks.append(blk)
            blk = []
            idx += 1
    return blocks


def _first_call_failed(trace: Trace, entry: str) -> bool:
    """Whether the first call of ``entry`` did not return normally. LDB's value run stops at
    the program's own first failing ``assert`` (a rewritten ``return`` hands back ``None``), so
    an error after the first call has returned does not reach LDB's check."""
    frame = None
    for ev in trace.events:
        if frame is None and ev.kind == "call" and ev.func == entry:
            frame = ev.frame
        elif frame is not None and ev.frame == frame and ev.kind == "return":
            return ev.raised
    return True


def ldb_block_trace(
    trace: Trace, program: str, entry: str, run: RunProgram | None = None
) -> list[list[str]] | str:
    """LDB's block trace of ``trace`` (the run of ``program`` + the failing call), or LDB's
    failure string. When LDB's ``return`` rewrite changes what its value run computes
    (:func:`rewrite_matters`) and ``run`` is given, the instrumented copy is run for real
    (in the sandbox, as LDB runs it) and its printed values are used."""
    try:
        blocks = ldb_blocks(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"*execution fail*{exc}"
    lines = window_lines(trace, entry)
    if lines is None:
        return "*parse fail*"
    source = trace.source.split("\n")
    executed: list[tuple[LdbBlock, int]] = []
    for line in lines:
        for block in blocks:
            if block.start == line and all(b is not block for b, _ in executed):
                executed.append((block, _indent(source[line - 1] if line <= len(source) else "")))
    stmts, origin = instrumented_text(program, executed)
    try:
        tree = _pyast.parse("\n".join(stmts))
        code = compile(tree, "<instrumented>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"*execution fail*{exc}"
    original = program.split("\n")
    rewritten = {
        b.last.lineno  # type: ignore[attr-defined]
        for b, _ in executed
        if not b.multi and isinstance(b.last, ast.Return) and "return " in original[b.end - 1]
    }
    if run is not None and rewritten and rewrite_matters(trace, program, entry, rewritten):
        ran = parse_value_run(*run("\n".join(stmts)))
        return ran if isinstance(ran, str) else _pair(ran, lines, source)
    exc_info = trace.exception
    if exc_info is not None and exc_info.type != "AssertionError" and _first_call_failed(trace, entry):
        return f"*execution fail*{exc_info.type}: {exc_info.message}"
    back = {i + 1: o for i, o in enumerate(origin) if isinstance(o, int)}
    orders: dict[tuple[str, int], list[str]] = {}
    for co in _code_objects(code):
        first = back.get(co.co_firstlineno)
        if first is not None:
            orders.setdefault((co.co_name, first), _local_order(co))
    values = _Emulator(trace, tree, _slots(tree, origin), orders).run()
    return _pair(values, lines, source)

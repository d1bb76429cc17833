"""Basic blocks of each function (AST-based, like LDB's) and the trace seen block by block.

A block is a run of statements that always execute together: it ends at a branch
(``if``/``while``/``for``/``match`` header, ``return``/``raise``/``break``/``continue``) and a
new one starts at every jump target (loop header, arm of a branch, handler, the statement
after a compound one). ``with`` headers do not branch and stay in their block; a nested
``def``/``class`` statement is one statement of its block (its body has its own blocks).
LDB debugs a failing run block by block with the intermediate state at each block's end;
``block_runs`` gives exactly that: each executed block instance with the state after it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from execbench import _pyast
from execbench.trace.facts import frame_steps
from execbench.trace.snapshot import Snapshot
from execbench.trace.types import Trace

__all__ = ["Block", "BlockRun", "blocks", "block_runs"]

_BRANCH_END = (ast.Return, ast.Raise, ast.Break, ast.Continue)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Block:
    """One basic block of one function."""

    func: str
    """The function's name (``<module>`` for the module body)."""
    func_line: int
    """First line of the function (its first decorator, as ``co_firstlineno``)."""
    index: int
    """Position of the block in the function (0-based, source order)."""
    lines: tuple[int, ...]


@dataclass(frozen=True)
class BlockRun:
    """One execution of a block in one frame, with the frame's locals after it."""

    block: Block
    frame: int
    first_step: int
    last_step: int
    state: dict[str, Snapshot]


class _Partition:
    def __init__(self) -> None:
        self.blocks: list[list[int]] = []
        self.current: list[int] = []

    def close(self) -> None:
        if self.current:
            self.blocks.append(self.current)
        self.current = []

    def add(self, first: int, last: int) -> None:
        self.current.extend(range(first, last + 1))

    def stmts(self, body: list[ast.stmt]) -> None:
        for st in body:
            self.stmt(st)

    def stmt(self, st: ast.stmt) -> None:
        end = st.end_lineno or st.lineno
        if isinstance(st, ast.If):
            self.add(st.lineno, st.test.end_lineno or st.lineno)
            self.close()
            self._arms(st.body, st.orelse)
        elif isinstance(st, (ast.While, ast.For, ast.AsyncFor)):
            self.close()
            head_end = (st.test if isinstance(st, ast.While) else st.iter).end_lineno or st.lineno
            self.add(st.lineno, head_end)
            self.close()
            self._arms(st.body, st.orelse)
        elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            self.close()
            self.add(st.lineno, st.lineno)
            self.stmts(st.body)  # type: ignore[attr-defined]
            self.close()
            for handler in st.handlers:  # type: ignore[attr-defined]
                self.add(handler.lineno, handler.type.end_lineno if handler.type else handler.lineno)
                self.stmts(handler.body)
                self.close()
            self._arms(st.orelse, st.finalbody)  # type: ignore[attr-defined]
        elif isinstance(st, ast.Match):
            self.add(st.lineno, st.subject.end_lineno or st.lineno)
            self.close()
            for case in st.cases:
                self.add(case.pattern.lineno, case.pattern.end_lineno or case.pattern.lineno)
                self.stmts(case.body)
                self.close()
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            self.add(st.lineno, st.items[-1].context_expr.end_lineno or st.lineno)
            self.stmts(st.body)
        elif isinstance(st, (*_FUNCS, ast.ClassDef)):
            first = min([d.lineno for d in st.decorator_list] + [st.lineno])
            self.add(first, st.lineno)
        else:
            self.add(st.lineno, end)
            if isinstance(st, _BRANCH_END):
                self.close()

    def _arms(self, *arms: list[ast.stmt]) -> None:
        for arm in arms:
            self.stmts(arm)
            self.close()


def blocks(code: str) -> list[Block]:
    """Basic blocks of every function (and the module body) of ``code``, in source order."""
    tree = _pyast.parse(code)
    out: list[Block] = []
    funcs: list[tuple[str, int, list[ast.stmt]]] = [("<module>", 1, tree.body)]
    for node in ast.walk(tree):
        if isinstance(node, _FUNCS):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            funcs.append((node.name, first, node.body))
    for name, first, body in funcs:
        part = _Partition()
        part.stmts(body)
        part.close()
        for i, lines in enumerate(part.blocks):
            out.append(Block(name, first, i, tuple(sorted(set(lines)))))
    return out


def block_runs(trace: Trace, code: str | None = None) -> list[BlockRun]:
    """Each executed block instance (per frame, in step order) with the state after it."""
    by_func: dict[tuple[str, int], dict[int, Block]] = {}
    for block in blocks(code if code is not None else trace.source):
        table = by_func.setdefault((block.func, block.func_line), {})
        for line in block.lines:
            table.setdefault(line, block)
    frame_func: dict[int, tuple[str, int]] = {}
    for ev in trace.events:
        if ev.kind == "call" and ev.frame not in frame_func:
            frame_func[ev.frame] = (ev.func, 1 if ev.func == "<module>" else ev.line)
    spans: list[tuple[Block, int, int, int]] = []
    for frame, steps in frame_steps(trace).items():
        table = by_func.get(frame_func.get(frame, ("", 0)))
        if table is None:
            continue
        current: Block | None = None
        first = prev_step = -1
        prev_line = 0
        for s in steps:
            line = trace.lines[s]
            block = table.get(line)
            if block is None:
                continue
            if current is None or block is not current or (line == block.lines[0] and prev_line > line):
                if current is not None:
                    spans.append((current, frame, first, prev_step))
                current, first = block, s
            prev_step, prev_line = s, line
        if current is not None:
            spans.append((current, frame, first, prev_step))
    wanted = {span[3] for span in spans}
    after = _states_after(trace, wanted)
    runs = [BlockRun(b, f, first, last, after[last]) for b, f, first, last in spans]
    runs.sort(key=lambda r: r.first_step)
    return runs


def _states_after(trace: Trace, wanted: set[int]) -> dict[int, dict[str, Snapshot]]:
    """Locals after each wanted step, in one pass over the events."""
    frames: dict[int, dict[str, Snapshot]] = {}
    out: dict[int, dict[str, Snapshot]] = {}
    for ev in trace.events:
        state = frames.setdefault(ev.frame, {})
        for name, snap in (ev.delta or {}).items():
            if snap is None:
                state.pop(name, None)
            else:
                state[name] = snap
        if ev.kind == "line" and ev.step in wanted:
            result = dict(state)
            for name, snap in trace.changes[ev.step].items():
                if snap is None:
                    result.pop(name, None)
                else:
                    result[name] = snap
            out[ev.step] = result
    return out

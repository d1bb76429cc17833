"""Human views of a trace, in execution order: the colored listing, rationale text, viewer rows.

Every text view of a trace is built from one list of :class:`Row` (``execution_rows``) so
that the terminal listing (``execbench trace``), the training rationales (``export
--with-rationale``) and the trace viewer read the same way: **a line, then the calls it
makes, then the state after it** (``→ n = 5``). Printing a line's resulting state before
the calls that produce it would give the result away before the reasoning, and the call's
arguments would contradict the state shown above them.

Long loops drown the interesting part of a trace, so the views show the first and last
``keep`` iterations of every loop run and one row saying how many were left out
(``compress_loops``). Nothing here changes the trace; it only chooses what to print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from execbench.trace.facts import frame_steps, loops
from execbench.trace.types import Trace

if TYPE_CHECKING:  # rich is imported by render_trace only: every sandbox worker imports
    from rich.console import Console  # this module (rationales), and rich is 1.6 MB of its heap

__all__ = ["Elided", "Row", "compress_loops", "execution_rows", "plain_rows", "render_trace", "state_text"]


@dataclass(frozen=True)
class Elided:
    """Steps ``first..last`` (inclusive) left out: middle iterations of a loop."""

    line: int
    first: int
    last: int
    iterations: int


def compress_loops(trace: Trace, keep: int = 2) -> list[Elided]:
    """Ranges of steps to hide so that each loop run shows only its first/last ``keep``
    iterations (outermost loops first; ranges never overlap)."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    per_frame = frame_steps(trace)
    hidden: list[Elided] = []
    for run in loops(trace):
        if run.iterations <= 2 * keep + 1:
            continue
        steps = per_frame[run.frame]
        headers = [s for s in steps if s >= run.start_step and trace.lines[s] == run.line]
        headers = headers[: run.iterations + 1]
        if len(headers) <= 2 * keep + 1:
            continue
        first = headers[keep]
        last = headers[len(headers) - keep - 1] - 1
        if last < first or any(h.first <= first <= h.last or first <= h.first <= last for h in hidden):
            continue
        hidden.append(Elided(run.line, first, last, len(headers) - 2 * keep - 1))
    hidden.sort(key=lambda h: h.first)
    return hidden


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a text view of a trace, in execution order.

    ``kind``: ``line`` (a line about to run; ``after`` holds the state it produced when
    nothing happened in between), ``after`` (the state a line produced, printed after the
    calls the line made), ``call``, ``return``, ``unwind`` (a frame left by an exception),
    ``yield``, ``resume``, ``exception`` (raised or passing through), ``caught`` (the frame
    goes on in a handler), ``stdout`` and ``elided`` (loop iterations not shown).
    """

    kind: str
    depth: int
    step: int
    """The step the row belongs to: for ``line``/``after`` the line's step, else the
    number of steps before it (the step a click in the viewer goes to)."""
    line: int
    text: str
    after: str = ""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def state_text(delta: Mapping[str, object] | None) -> str:
    """``n = 5, xs = [1, 2]`` (values shortened; a deleted name reads ``del name``)."""
    parts = []
    for name, snap in (delta or {}).items():
        parts.append(f"del {name}" if snap is None else f"{name} = {_short(snap['repr'])}")  # type: ignore[index]
    return ", ".join(parts)


def _args_text(delta: Mapping[str, object] | None) -> str:
    return ", ".join(
        f"{name}={_short(snap['repr']) if snap else ''}"  # type: ignore[index]
        for name, snap in (delta or {}).items()
    )


def _elided_at(step: int, kind: str, hidden: list[Elided], start: int) -> tuple[Elided | None, int]:
    """The elided range holding this event (ranges are sorted and visited in order)."""
    i = start
    while i < len(hidden) and hidden[i].last < step:
        i += 1
    if i < len(hidden):
        h = hidden[i]
        if (kind == "line" and h.first <= step <= h.last) or (kind != "line" and h.first < step <= h.last):
            return h, i
    return None, i


def execution_rows(trace: Trace, *, keep: int | None = 2) -> list[Row]:
    """The rows of the trace in execution order (``keep=None``: no loop compression).

    A line's state-after row is emitted when its frame reaches its next line or returns,
    i.e. after every call the line made; it is folded into the line's own row when nothing
    was printed in between.
    """
    source = trace.source.splitlines()
    hidden = compress_loops(trace, keep) if keep is not None and trace.events else []
    rows: list[Row] = []
    pending: dict[int, int] = {}  # frame -> index in rows of its open line row
    raised_in: dict[int, int] = {}  # frame -> index of its last exception row (not yet caught)
    caught_at: dict[int, int] = {}  # frame -> index of a "caught" row a later unwind may retract
    announced: set[int] = set()
    cursor = 0
    for ev in trace.events:
        if ev.stdout:
            for out_line in ev.stdout.rstrip("\n").split("\n"):
                rows.append(Row("stdout", ev.depth, ev.step, ev.line, out_line))
        if ev.kind in ("line", "return") and ev.frame in pending:
            at = pending.pop(ev.frame)
            changes = trace.changes[rows[at].step] if rows[at].step < len(trace.changes) else {}
            text = state_text(changes)
            if text:
                if at == len(rows) - 1:
                    old = rows[at]
                    rows[at] = Row(old.kind, old.depth, old.step, old.line, old.text, text)
                else:
                    rows.append(Row("after", rows[at].depth, rows[at].step, rows[at].line, text))
        elided, cursor = _elided_at(ev.step, ev.kind, hidden, cursor)
        if elided is not None:
            if elided.first not in announced:
                announced.add(elided.first)
                rows.append(
                    Row(
                        "elided",
                        ev.depth,
                        elided.first,
                        elided.line,
                        f"{elided.iterations} iterations of the loop at line {elided.line} not shown "
                        f"(steps {elided.first}-{elided.last})",
                    )
                )
            continue
        if ev.kind == "line":
            if ev.frame in raised_in:
                exc_row = rows[raised_in.pop(ev.frame)]
                caught_at[ev.frame] = len(rows)
                exc_type = exc_row.text.split(":", 1)[0]
                rows.append(
                    Row("caught", ev.depth, ev.step, ev.line, f"{exc_type} caught, handler at line {ev.line}")
                )
            text = source[ev.line - 1].strip() if 0 < ev.line <= len(source) else ""
            pending[ev.frame] = len(rows)
            rows.append(Row("line", ev.depth, ev.step, ev.line, text))
        elif ev.kind == "call":
            rows.append(Row("call", ev.depth, ev.step, ev.line, f"{ev.func}({_args_text(ev.delta)})"))
        elif ev.kind == "resume":
            rows.append(Row("resume", ev.depth, ev.step, ev.line, ev.func))
        elif ev.kind == "yield":
            rows.append(Row("yield", ev.depth, ev.step, ev.line, ev.value["repr"] if ev.value else "None"))
        elif ev.kind == "return":
            raised_in.pop(ev.frame, None)
            if ev.raised:
                retract = caught_at.pop(ev.frame, None)
                if retract is not None:  # a finally block ran, the exception went on
                    old = rows[retract]
                    rows[retract] = Row(
                        old.kind,
                        old.depth,
                        old.step,
                        old.line,
                        old.text.split(" ", 1)[0] + " still raised, finally block at line " + str(old.line),
                    )
                rows.append(Row("unwind", ev.depth, ev.step, ev.line, f"{ev.func} left by the exception"))
            else:
                caught_at.pop(ev.frame, None)
                rows.append(
                    Row("return", ev.depth, ev.step, ev.line, ev.value["repr"] if ev.value else "None")
                )
        elif ev.kind == "exception":
            value = ev.value or {}
            caught_at.pop(ev.frame, None)
            raised_in[ev.frame] = len(rows)
            rows.append(
                Row(
                    "exception",
                    ev.depth,
                    ev.step,
                    ev.line,
                    f"{value.get('type')}: {_short(str(value.get('message')))}",
                )
            )
    return rows


_PLAIN = {
    "after": "→ {text}",
    "call": "call {text}",
    "return": "return {text}",
    "unwind": "{text}",
    "yield": "yield {text}",
    "resume": "resume {text}",
    "exception": "raises {text} (line {line})",
    "caught": "{text}",
    "stdout": "stdout | {text}",
    "elided": "... {text}",
}


def plain_rows(rows: list[Row], *, skip_entry_call: bool = False) -> list[str]:
    """The rows as plain text, indented by depth: the rationale format, also the viewer's."""
    out = []
    for row in rows:
        if skip_entry_call and row.kind == "call" and row.depth == 0:
            continue
        if row.kind == "line":
            text = f"line {row.line}: {row.text}" + (f"  → {row.after}" if row.after else "")
        else:
            text = _PLAIN[row.kind].format(text=row.text, line=row.line)
        out.append("  " * row.depth + text)
    return out


#: How render_trace prints each kind of row but ``line`` (and the elision marks), after
#: the row's indent; ``text`` is escaped for rich markup.
_RICH = {
    "after": "     [green]→ {text}[/green]",
    "call": "[bold blue]-> call {text}[/bold blue]",
    "resume": "[blue]-> resume {text}[/blue]",
    "yield": "[magenta]<- yield {text}[/magenta]",
    "return": "[magenta]<- return {text}[/magenta]",
    "unwind": "[red]<- {text}[/red]",
    "exception": "[red]!! {text} (line {line})[/red]",
    "caught": "[red]   {text}[/red]",
    "stdout": "[yellow]  stdout | {text}[/yellow]",
}


def render_trace(trace: Trace, console: Console | None = None, *, keep: int = 2) -> None:
    """Print the trace in execution order: each line, the calls it makes (indented by
    depth), then the state after it (``→ n = 5``); stdout, returns and exceptions where
    they happen; loops compressed to their first/last iterations."""
    from rich.console import Console
    from rich.markup import escape

    console = console or Console(soft_wrap=True)
    for row in execution_rows(trace, keep=keep):
        pad = "  " * row.depth
        text = escape(row.text)
        if row.kind == "line":
            tail = f"  [green]→ {escape(row.after)}[/green]" if row.after else ""
            console.print(f"{pad}[cyan]{row.line:>4}[/cyan] {text}{tail}")
        elif row.kind in _RICH:
            console.print(pad + _RICH[row.kind].format(text=text, line=row.line))
        else:
            console.print(f"[dim]{pad}     ... {text}[/dim]")
    _render_end(console, trace)


def _render_end(console: Console, trace: Trace) -> None:
    from rich.markup import escape

    console.print(f"[bold]steps:[/bold] {trace.steps}")
    if trace.return_value is not None:
        console.print(f"[bold]return:[/bold] {escape(trace.return_value['repr'])}")
    if trace.exception is not None:
        exc = trace.exception
        console.print(
            f"[bold red]exception ({exc.phase}):[/bold red] {escape(exc.type)}: "
            f"{escape(exc.message)}" + (f" at line {exc.line}" if exc.line else "")
        )
    if trace.cut is not None:
        console.print(
            f"[bold yellow]cut:[/bold yellow] stopped at the {trace.cut.reason} limit "
            f"({trace.cut.limit}) after {trace.cut.step} steps"
        )

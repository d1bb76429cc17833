"""Human views of a trace: the colored step-by-step listing and loop compression.

Long loops drown the interesting part of a trace, so the listing shows the first and last
``keep`` iterations of every loop run and one line saying how many were left out
(``compress_loops``). Nothing here changes the trace; it only chooses what to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from execbench.trace.facts import frame_steps, loops
from execbench.trace.types import Event, Trace

__all__ = ["Elided", "compress_loops", "render_trace"]


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


def _hidden_step(step: int, kind: str, hidden: list[Elided]) -> Elided | None:
    for h in hidden:
        if (kind == "line" and h.first <= step <= h.last) or (kind != "line" and h.first < step <= h.last):
            return h
    return None


def _changes_text(delta: dict[str, object]) -> str:
    parts = []
    for name, snap in delta.items():
        text = "<deleted>" if snap is None else snap["repr"]  # type: ignore[index]
        if len(text) > 80:
            text = text[:77] + "..."
        parts.append(f"{name}={text}")
    return ", ".join(parts)


def render_trace(trace: Trace, console: Console | None = None, *, keep: int = 2) -> None:
    """Print the trace step by step: line number, source line, changed variables, calls and
    returns indented by depth, stdout; loops compressed to their first/last iterations."""
    console = console or Console(soft_wrap=True)
    source_lines = trace.source.splitlines()
    hidden = compress_loops(trace, keep) if trace.events else []
    shown_elision: set[int] = set()
    for ev in trace.events:
        elided = _hidden_step(ev.step, ev.kind, hidden)
        if elided is not None:
            if elided.first not in shown_elision:
                shown_elision.add(elided.first)
                console.print(
                    f"[dim]{'  ' * ev.depth}     ... {elided.iterations} iterations of the loop "
                    f"at line {elided.line} not shown (steps {elided.first}-{elided.last})[/dim]"
                )
            continue
        _render_event(console, trace, ev, source_lines)
    _render_end(console, trace)


def _render_event(console: Console, trace: Trace, ev: Event, source_lines: list[str]) -> None:
    pad = "  " * ev.depth
    if ev.stdout:
        for out_line in ev.stdout.rstrip("\n").splitlines():
            console.print(f"{pad}[yellow]  stdout | {escape(out_line)}[/yellow]")
    if ev.kind == "line":
        text = source_lines[ev.line - 1].strip() if 0 < ev.line <= len(source_lines) else ""
        changes = trace.changes[ev.step] if ev.step < len(trace.changes) else {}
        tail = f"  [green]# {escape(_changes_text(dict(changes)))}[/green]" if changes else ""
        console.print(f"{pad}[cyan]{ev.line:>4}[/cyan] {escape(text)}{tail}")
    elif ev.kind == "call":
        args = _changes_text(dict(ev.delta or {}))
        console.print(f"{pad}[bold blue]-> call {escape(ev.func)}({escape(args)})[/bold blue]")
    elif ev.kind == "resume":
        console.print(f"{pad}[blue]-> resume {escape(ev.func)}[/blue]")
    elif ev.kind == "yield":
        console.print(f"{pad}[magenta]<- yield {escape(ev.value['repr'] if ev.value else '')}[/magenta]")
    elif ev.kind == "return":
        if ev.raised:
            console.print(f"{pad}[red]<- {escape(ev.func)} left by the exception[/red]")
        else:
            console.print(
                f"{pad}[magenta]<- return {escape(ev.value['repr'] if ev.value else 'None')}[/magenta]"
            )
    elif ev.kind == "exception":
        value = ev.value or {}
        console.print(
            f"{pad}[red]!! {escape(str(value.get('type')))}: {escape(str(value.get('message')))}"
            f" (line {ev.line})[/red]"
        )


def _render_end(console: Console, trace: Trace) -> None:
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

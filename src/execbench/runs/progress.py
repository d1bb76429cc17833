"""Progress of a run: what the engine reports, and two ways of showing it.

A run against a local model server is slow, and a bar that says "8/15 0.0/s" for five
minutes looks hung. So the engine reports every sign of life it has -- tokens as they
stream, requests in flight, retries, errors, hints -- and the views show a rate over the
*recent* past (a sliding window), so the ETA follows what the server does now rather than
an average that includes the cached start. ``RichProgress`` draws a bar on a terminal;
``PlainProgress`` prints one line every ``interval`` seconds (CI logs, ``tee``), and one at
the end.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["ProgressSink", "Throughput", "RichProgress", "PlainProgress", "status_line"]

#: Seconds of history behind the rates and the ETA.
WINDOW_S = 60.0


class ProgressSink:
    """Receives progress; the CLI renders it, tests and --quiet ignore it."""

    def phase(self, text: str) -> None:
        """A step before the bar starts (building the suite can take a while)."""

    def note(self, text: str) -> None:
        """A one-line warning or hint (an unlisted model, lowered concurrency)."""

    def start(self, total: int, done: int, correct: int) -> None:
        """``total`` samples in the run, ``done`` already scored (``correct`` of them)."""

    def generated(self, count: int) -> None:
        """``count`` more responses are available (cache hits or fresh generations)."""

    def request(self, event: str, value: object = None) -> None:
        """A model request event: ``start``/``end`` (in flight), ``tokens`` (n streamed),
        ``retry`` (reason), ``error`` (a failed request, retried on the next run)."""

    def scored(self, count: int, correct: int) -> None:
        """``count`` more samples got a verdict, ``correct`` of them right."""

    def stop(self) -> None:
        """The run is over (finished, failed or interrupted)."""


class Throughput:
    """Counts with a sliding-window rate: the state both views render."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.total = self.done = self.correct = 0
        self.in_flight = self.retries = self.errors = self.tokens = 0
        self._scored: deque[tuple[float, int]] = deque()
        self._tokens: deque[tuple[float, int]] = deque()
        self.t0 = clock()

    def _trim(self, events: deque[tuple[float, int]], now: float) -> None:
        while events and events[0][0] < now - WINDOW_S:
            events.popleft()

    def _rate(self, events: deque[tuple[float, int]]) -> float:
        now = self.clock()
        self._trim(events, now)
        span = min(WINDOW_S, max(now - self.t0, 1e-9))
        return sum(n for _, n in events) / span

    def add_scored(self, count: int, correct: int) -> None:
        self.done += count
        self.correct += correct
        self._scored.append((self.clock(), count))

    def add_tokens(self, count: int) -> None:
        self.tokens += count
        self._tokens.append((self.clock(), count))

    def request(self, event: str, value: object = None) -> None:
        if event == "start":
            self.in_flight += 1
        elif event == "end":
            self.in_flight = max(0, self.in_flight - 1)
        elif event == "tokens" and isinstance(value, int):
            self.add_tokens(value)
        elif event == "retry":
            self.retries += 1
        elif event == "error":
            self.errors += 1

    def samples_per_s(self) -> float:
        return self._rate(self._scored)

    def tokens_per_s(self) -> float:
        return self._rate(self._tokens)

    def eta_s(self) -> float | None:
        rate = self.samples_per_s()
        left = self.total - self.done
        return None if rate <= 0 or left < 0 else left / rate


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def status_line(t: Throughput) -> str:
    """``12/40 scored · 3.1 tok/s · 0.05 samples/s · 2 in flight · 1 retry · 0 errors · acc 41.7% · ETA 0:09:20``"""
    acc = f"acc {100 * t.correct / t.done:.1f}%" if t.done else "acc -"
    return (
        f"{t.done}/{t.total} scored · {t.tokens_per_s():.1f} tok/s · {t.samples_per_s():.2f} samples/s · "
        f"{t.in_flight} in flight · {t.retries} retr{'y' if t.retries == 1 else 'ies'} · "
        f"{t.errors} error{'' if t.errors == 1 else 's'} · {acc} · ETA {_clock(t.eta_s())}"
    )


class RichProgress(ProgressSink):
    """A bar on a terminal with the status line beside it."""

    def __init__(self, console: Console | None = None, label: str = "eval") -> None:
        self._console = console or Console(stderr=True)
        self._label = label
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.state = Throughput()

    def phase(self, text: str) -> None:
        self._console.print(f"[dim]{text}[/dim]")

    def note(self, text: str) -> None:
        self._console.print(f"[yellow]execbench: {text}[/yellow]", highlight=False)

    def start(self, total: int, done: int, correct: int) -> None:
        self.state.total, self.state.done, self.state.correct = total, done, correct
        self.state.t0 = self.state.clock()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=self._console,
            transient=False,
            refresh_per_second=2,
        )
        self._progress.start()
        self._task = self._progress.add_task(self._label, total=total, completed=done, status="")

    def _refresh(self) -> None:
        if self._progress is not None and self._task is not None:
            line = status_line(self.state).split(" · ", 1)[1]
            self._progress.update(self._task, completed=self.state.done, status=line)

    def request(self, event: str, value: object = None) -> None:
        self.state.request(event, value)
        self._refresh()

    def scored(self, count: int, correct: int) -> None:
        self.state.add_scored(count, correct)
        self._refresh()

    def stop(self) -> None:
        if self._progress is not None:
            self._refresh()
            self._progress.stop()
            self._progress = None


class PlainProgress(ProgressSink):
    """One plain line every ``interval`` seconds (and at the end): for logs and pipes."""

    def __init__(self, stream: IO[str], interval: float = 10.0, label: str = "eval") -> None:
        self._stream = stream
        self._interval = interval
        self._label = label
        self._last = 0.0
        self._started = False
        self.state = Throughput()

    def _print(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def phase(self, text: str) -> None:
        self._print(f"execbench: {text}")

    def note(self, text: str) -> None:
        self._print(f"execbench: {text}")

    def start(self, total: int, done: int, correct: int) -> None:
        self.state.total, self.state.done, self.state.correct = total, done, correct
        self.state.t0 = self._last = self.state.clock()
        self._started = True
        self._print(f"{self._label}: {status_line(self.state)}")

    def _tick(self) -> None:
        now = self.state.clock()
        if self._started and now - self._last >= self._interval:
            self._last = now
            self._print(f"{self._label}: {status_line(self.state)}")

    def request(self, event: str, value: object = None) -> None:
        self.state.request(event, value)
        self._tick()

    def scored(self, count: int, correct: int) -> None:
        self.state.add_scored(count, correct)
        self._tick()

    def stop(self) -> None:
        if self._started:
            self._print(f"{self._label}: {status_line(self.state)}")
            self._started = False

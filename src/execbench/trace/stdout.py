"""The traced program's stdout, collected so each event can carry what was written before it."""

from __future__ import annotations

import io

__all__ = ["StdoutCapture"]


class StdoutCapture(io.TextIOBase):
    """Collects the program's stdout so each event can carry what was written before it."""

    def __init__(self, limit: int, pending: list[str] | None = None) -> None:
        self.pending: list[str] = pending if pending is not None else []
        self.total: list[str] = []
        self.size = 0
        self.limit = limit

    def write(self, text: str) -> int:  # type: ignore[override]
        if type(text) is not str:
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.size < self.limit:
            kept = text[: self.limit - self.size]
            self.pending.append(kept)
            self.total.append(kept)
            self.size += len(kept)
        return len(text)

    def writable(self) -> bool:
        return True

    def take(self) -> str | None:
        if not self.pending:
            return None
        text = "".join(self.pending)
        self.pending.clear()
        return text

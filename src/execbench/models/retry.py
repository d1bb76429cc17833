"""When to retry a model request and how long to wait: pure functions, no I/O.

Full jitter (a uniform wait in ``[0, min(cap, base * 2**attempt)]``) spreads clients that
failed together so they do not come back together; a server's ``Retry-After`` (seconds or
an HTTP-date) overrides it, but never beyond ``cap`` so a run cannot hang on a bad header.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RetryPolicy", "RETRY_STATUSES", "parse_retry_after", "backoff_delay"]

#: Statuses worth retrying: rate limits, and server-side failures that are often transient.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    """Retries after the first attempt (so ``max_retries + 1`` attempts at most)."""
    base: float = 0.5
    """Seconds; the jitter window doubles with every attempt starting from this."""
    cap: float = 60.0
    """Largest wait in seconds, also for ``Retry-After``."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header, or None if absent/unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def backoff_delay(
    attempt: int, policy: RetryPolicy, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
    if retry_after is not None:
        return min(retry_after, policy.cap)
    window = min(policy.cap, policy.base * (2**attempt))
    return (rng or random).uniform(0.0, window)

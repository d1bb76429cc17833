from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from execbench.models.retry import RetryPolicy, backoff_delay, parse_retry_after

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0.25", 0.25), (" 7 ", 7.0), ("-5", 0.0), ("Thu, 01 Jan 2026 12:00:10 GMT", 10.0),
     ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0), (None, None), ("", None), ("soon", None)],
)  # fmt: skip
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_full_jitter_stays_in_the_doubling_window() -> None:
    policy = RetryPolicy(base=0.5, cap=3.0)
    rng = random.Random(0)
    for attempt, window in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 3.0), (10, 3.0)]:
        delays = [backoff_delay(attempt, policy, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= window for d in delays)
        assert max(delays) > window * 0.8  # spread over the window, not a constant


def test_retry_after_overrides_jitter_but_not_the_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    assert backoff_delay(0, policy, retry_after=2.5) == 2.5
    assert backoff_delay(0, policy, retry_after=3600.0) == 4.0

"""The rows of the store, decoded: plain frozen dataclasses, and a run's effective status.

Why apart from :mod:`execbench.runs.store`: readers (``runs show``, the report, comparisons)
need the records without the queries, and these types are the store's public vocabulary.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CachedResponse", "ResultRow", "RunRecord", "effective_status"]


@dataclass(frozen=True)
class RunRecord:
    """A row of ``runs``, decoded."""

    run_id: str
    config_hash: str
    config: dict[str, Any]
    model: str
    suite: str
    status: str
    created_at: float
    updated_at: float
    execbench_version: str
    python_version: str
    environment: dict[str, Any]
    isolation: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    n_tasks: int = 0
    n_samples: int = 1
    summary: dict[str, Any] | None = None
    pid: int | None = None
    """The process running it (while ``status`` is running)."""
    host: str | None = None


@dataclass(frozen=True)
class CachedResponse:
    """A stored generation: what the model said and what it cost."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class ResultRow:
    """A row of ``results``: one sample of one task, scored."""

    task_id: str
    sample: int
    kind: str
    prediction: str
    extracted: str | None
    correct: bool
    score: float
    skipped: bool
    status: str | None
    details: dict[str, Any]
    cache_key: str | None = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective_status(record: RunRecord) -> str:
    """The run's status, with ``stale`` for a run marked running whose process is gone
    (killed with ``kill -9``, or its machine rebooted): rerunning its command resumes it."""
    if record.status != "running" or not record.pid or record.host != socket.gethostname():
        return record.status
    return record.status if _alive(record.pid) else "stale"

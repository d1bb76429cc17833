"""The values that cross the models boundary: what to ask a model, and what came back.

A backend answers one sample of one prompt at a time (``GenRequest`` -> ``Generation``)
so that the runs layer can cache, resume and extend runs per sample index. Failures of
a single request that are not the user's configuration (a refused prompt, an over-long
context) come back as data in ``Generation.error``; only a backend that cannot work at
all raises (``UserError`` for configuration, ``BackendError`` for an unreachable server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # the runtime never needs Task: models stays a leaf that imports nothing heavy
    from execbench.tasks.types import Task

__all__ = ["GenParams", "GenRequest", "Generation", "Backend", "BackendError"]


@dataclass(frozen=True)
class GenParams:
    """Sampling parameters; all of them are part of the response cache key."""

    temperature: float = 0.0
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    """Stop sequences; backends also cut client-side so every server behaves the same."""
    seed: int | None = None
    """Sent to servers that accept it (best-effort determinism); HTTP backends send
    ``seed + sample`` so that the samples of one prompt are not all the same."""
    top_p: float | None = None


@dataclass(frozen=True)
class GenRequest:
    """One sample of one task's prompt."""

    task_id: str
    prompt: str
    sample: int
    """Sample index (0-based); replay backends answer the sample-th recorded answer."""
    params: GenParams
    task: Task | None = None
    """The task itself, for backends that need more than the prompt (replay, baselines)."""
    # -- repair (issue #12): a multi-message chat; chat backends send it instead of ``prompt``.
    messages: tuple[tuple[str, str], ...] | None = None
    """(role, content) pairs of a conversation; ``prompt`` is then its canonical JSON (the
    cache key's text). Backends without chat use ``prompt``."""


@dataclass(frozen=True)
class Generation:
    """What a backend produced for one request."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    raw: dict[str, Any] | None = None
    """The provider's response (and retry bookkeeping), for audit; JSON-able."""
    error: str | None = None
    """Why there is no usable text (e.g. "no replay answer", "HTTP 400: ..."); None when fine."""
    finish_reason: str | None = None
    """Why generation ended, as the server says: ``stop`` (a stop sequence or the end of
    the answer), ``length`` (``max_tokens`` reached)...; None when unknown."""
    system_fingerprint: str | None = None
    """The server's fingerprint of its weights and configuration, where it gives one."""
    transient: bool = False
    """With ``error``: the failure is the server's (an HTTP error, an over-long context),
    not the model's answer, so it is not stored as a verdict and a rerun asks again."""


@runtime_checkable
class Backend(Protocol):
    """A source of generations: an LLM server, a file of recorded answers, a baseline."""

    name: str
    """Stable name, e.g. ``"openai:gpt-4o-mini"``; part of the cache key."""

    def info(self) -> dict[str, Any]:
        """Static description stored with the run: model, base_url, kind, versions, pricing."""
        ...

    async def generate(self, req: GenRequest) -> Generation:
        """Answer one sample."""
        ...

    async def aclose(self) -> None:
        """Release connections; the backend is not used afterwards."""
        ...


class BackendError(Exception):
    """The backend could not answer at all (server unreachable or failing after retries).

    Not a ``UserError`` because the configuration may be right and the server down; the
    runs layer reports it as one line and keeps what was already generated.
    """

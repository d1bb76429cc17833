"""Asking the model: one conversation request at a time, cached in the store.

A :class:`ChatRequest` is a whole conversation (``(role, content)`` pairs). Backends are
the ``models`` registry's; the request goes out as a ``GenRequest`` whose ``messages`` carry
the conversation (chat backends send it; others get the last user message as ``prompt``)
and whose cache key hashes the conversation, so a rerun asks only what was not answered.

``replay:FILE`` with an LDB results file is served by :class:`LdbReplay`: the k-th fix of a
task is answered with the k-th program after the seed in that task's ``implementations``
(the explanations LDB asked for were not recorded: they are answered with ``""``).

Kill safety: a request's intent is committed before it is sent and its answer the moment it
arrives (``storage.record_intent``), so a resume asks only the requests that had no stored
answer -- those in flight at the kill -- and counts them in ``resent``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execbench.models.cache import cache_key
from execbench.models.types import Backend, GenParams, GenRequest
from execbench.repair.storage import drop_intent, record_intent

__all__ = ["ChatRequest", "Reply", "Chat", "LdbReplay", "is_ldb_results", "conversation_text"]


@dataclass(frozen=True)
class ChatRequest:
    task_id: str
    step: str
    """What is asked: ``debug``, ``fix``, ``generate``, ``decompose``, ``unittests``."""
    iteration: int
    """1-based repair iteration (0: the seed)."""
    messages: tuple[tuple[str, str], ...]
    stop: tuple[str, ...] = ()
    sample: int = 0
    """Sample index of the same conversation (``resample`` asks one conversation again)."""


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    error: str | None = None
    cache_key: str | None = None
    seconds: float = 0.0


def conversation_text(messages: tuple[tuple[str, str], ...]) -> str:
    """The canonical text of a conversation (the cache key's ``prompt``)."""
    return json.dumps([list(m) for m in messages], ensure_ascii=False, separators=(",", ":"))


def is_ldb_results(path: Path) -> bool:
    """Whether ``path`` is a JSONL file whose first row has LDB's ``implementations``."""
    try:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
        row = json.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(row, dict) and isinstance(row.get("implementations"), list)


class LdbReplay:
    """Answers repair requests from an LDB results file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"replay:{path}"
        self.programs: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                impls = row.get("implementations")
                if isinstance(row.get("task_id"), str) and isinstance(impls, list):
                    self.programs.setdefault(row["task_id"], [str(x) for x in impls])

    def answer(self, req: ChatRequest) -> Reply:
        programs = self.programs.get(req.task_id, [])
        if req.step == "fix" or req.step == "generate":
            index = req.iteration if req.step == "fix" else req.sample
            if 0 <= index < len(programs):
                return Reply(f"```python\n{programs[index]}\n```")
            return Reply("", error="no replay answer")
        return Reply("")


class Chat:
    """Sends requests to a backend (or a replay), through the store's response cache."""

    def __init__(
        self,
        source: Backend | LdbReplay,
        store: Any,
        params: GenParams,
        run_id: str = "",
    ) -> None:
        self.source = source
        self.store = store
        self.params = params
        self.run_id = run_id
        self.made = 0
        """Requests sent to the backend by this process (cache hits not counted)."""
        self.resent = 0
        """Of those, requests an earlier process had sent (or was about to send) and was
        stopped before storing the answer: the only requests a resume asks again."""

    @property
    def name(self) -> str:
        return str(self.source.name)

    def info(self) -> Mapping[str, Any]:
        if isinstance(self.source, LdbReplay):
            return {"backend": "replay", "kind": "ldb-results", "path": str(self.source.path)}
        return self.source.info()

    async def ask(self, req: ChatRequest) -> Reply:
        if isinstance(self.source, LdbReplay):
            return self.source.answer(req)
        params = GenParams(
            temperature=self.params.temperature,
            max_tokens=self.params.max_tokens,
            stop=req.stop,
            seed=self.params.seed,
            top_p=self.params.top_p,
        )
        prompt = conversation_text(req.messages)
        key = cache_key(self.source.name, dict(self.source.info()), prompt, params, req.sample)
        hit = self.store.get_responses([key]).get(key)
        if hit is not None:
            return Reply(hit.text, hit.prompt_tokens or 0, hit.completion_tokens or 0, True, None, key)
        last_user = next((c for r, c in reversed(req.messages) if r == "user"), "")
        if record_intent(self.store, key, self.run_id, req.task_id, req.step, req.iteration):
            self.resent += 1
        started = time.monotonic()
        gen = await self.source.generate(
            GenRequest(
                task_id=req.task_id, prompt=last_user, sample=req.sample, params=params, messages=req.messages
            )
        )
        self.made += 1
        seconds = time.monotonic() - started
        if gen.error is not None:
            drop_intent(self.store, key)
            return Reply("", error=gen.error, cache_key=key, seconds=seconds)
        from execbench.runs.store import CachedResponse

        self.store.put_response(
            key,
            backend=self.source.name,
            model=str(self.source.info().get("model", self.source.name)),
            sample=req.sample,
            prompt=prompt,
            params={
                "temperature": params.temperature,
                "max_tokens": params.max_tokens,
                "stop": list(params.stop),
            },
            response=CachedResponse(
                gen.text, gen.prompt_tokens, gen.completion_tokens, gen.cost_usd, gen.latency_s
            ),
            raw=gen.raw,
        )
        return Reply(gen.text, gen.prompt_tokens, gen.completion_tokens, False, None, key, seconds)

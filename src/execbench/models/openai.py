"""``openai:<model>``: any OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp,
LM Studio, TGI, OpenRouter, OpenAI), through ``/chat/completions`` or ``/completions``.

One request per sample index (``n=1``) so that each sample is cached and resumed on its
own. Requests stream (Server-Sent Events) and have no total timeout, only an idle one:
a run fails only when the server sends nothing at all for ``timeout`` seconds (see
``http``). A request is re-sent only when the server cannot still be working on it: after
an HTTP error status (429/5xx, with full-jitter backoff honouring ``Retry-After``), a
refused connection, or a connection the server closed. A silent server is never asked
again: the run stops with ``BackendError`` and resumes later.

Queueing is noticed, not fought: when a request waits over a second for its first byte
while the server finishes two or more others, the server is queueing, and the listener
gets one hint naming how many requests the server serves at once and the ``--concurrency``
that matches it (fewer requests in flight lose less work to an interruption; nothing is
abandoned either way, since the idle timeout watches the whole server). Stop sequences are sent (at most 4, the OpenAI limit) *and* applied
client-side (the stream is closed as soon as one appears), because servers differ on
whether they honour or include them. ``seed`` is sent as ``seed + sample`` so that the
samples of one prompt differ and each reproduces. Configuration errors the server reports
(401/403/404) are ``UserError``s at once; other refusals of one request (400/413/422: too
long, filtered) come back as a transient ``Generation.error``: not an answer, retried on
resume. ``check()`` asks ``/models`` what is served before any generation: that is the
model's identity for the cache and the run id (see ``served``).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from execbench import __version__
from execbench.errors import UserError
from execbench.models.http import (
    HttpRequest,
    HttpResponse,
    HttpxTransport,
    Liveness,
    Transport,
    TransportError,
)
from execbench.models.openai_util import (
    Limiter,
    cut_at_stop,
    error_message,
    is_loopback,
    normalise_base_url,
    parse_extra_body,
)
from execbench.models.pricing import PRICES_AS_OF, Price, cost_usd, lookup_price
from execbench.models.retry import RETRY_STATUSES, RetryPolicy, backoff_delay, parse_retry_after
from execbench.models.served import endpoint_identity, served_entry, served_ids, stable_entry
from execbench.models.types import BackendError, Generation, GenRequest

__all__ = ["OpenAIBackend", "make_openai_backend", "parse_extra_body", "DEFAULT_BASE_URL", "cut_at_stop"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Key sent to local servers that ignore authentication (vLLM, Ollama, llama.cpp accept anything).
LOCAL_DUMMY_KEY = "sk-no-key-required"
_MAX_SERVER_STOPS = 4
_CONFIG_STATUSES = {
    401: "check the API key (OPENAI_API_KEY or api_key)",
    403: "check the API key's permissions",
    404: "check the model name and the base URL",
}
#: Queueing evidence: a request waited this long for its first byte ...
_QUEUE_WAIT_S = 1.0
#: ... while the server finished at least this many other requests.
_QUEUE_COMPLETIONS = 2
Listener = Callable[[str, Any], None]


class OpenAIBackend:
    """An OpenAI-compatible HTTP backend; see the module docstring for its behaviour."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        api: str = "chat",
        timeout: float = 120.0,
        max_retries: int = 5,
        concurrency: int = 8,
        system: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        strict_model: bool = False,
        stream: bool = True,
        prices: Mapping[str, Price] | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
        headers: Mapping[str, str] | None = None,
        transport: Transport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if api not in ("chat", "completions"):
            raise UserError(f"api must be 'chat' or 'completions', not '{api}'")
        if concurrency < 1 or max_retries < 0 or timeout <= 0:
            raise UserError("concurrency must be >= 1, max_retries >= 0 and timeout > 0")
        if extra_body is not None and not isinstance(extra_body, Mapping):
            raise UserError("extra_body must be a JSON object")
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = normalise_base_url(base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if not is_loopback(self.base_url):
                raise UserError(
                    f"no API key for {self.base_url}: set OPENAI_API_KEY (or pass api_key), "
                    "or point base_url at a local server"
                )
            key = LOCAL_DUMMY_KEY
        self.api = api
        self.timeout = float(timeout)
        self.concurrency = int(concurrency)
        self.system = system
        self.extra_body = dict(extra_body or {})
        self.strict_model = strict_model
        self.stream = stream
        self.policy = RetryPolicy(max_retries=int(max_retries), base=backoff_base, cap=backoff_cap)
        self._headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        self._price = lookup_price(model, prices)
        self._custom_prices = prices is not None
        self._given_transport = transport
        self._transport: Transport | None = transport
        self._owned: HttpxTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: Limiter | None = None
        self._liveness = Liveness()
        self._rng = rng or random.Random()
        self._send_seed = True
        self._send_stream_options = True
        self._served: dict[str, Any] | None = None
        self._checked = False
        self._active = 0
        self._peak_active = 0
        self._completed = 0
        self._hinted = False
        self.fingerprints: set[str] = set()
        """``system_fingerprint`` values the server reported in this process."""
        self.listener: Listener | None = None
        """Receives ("start"|"end", None), ("tokens", n), ("retry", reason), ("hint", text)."""

    # -- description -------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        price = self._price
        source = "custom table" if self._custom_prices else f"built-in table as of {PRICES_AS_OF}"
        info: dict[str, Any] = {
            "backend": "openai",
            "model": self.model,
            "kind": self.api,
            "system": self.system,
            "extra_body": self.extra_body,
            "base_url": self.base_url,
            "concurrency": self.concurrency,
            "timeout": self.timeout,
            "max_retries": self.policy.max_retries,
            "price_per_mtok": None if price is None else {"input": price[0], "output": price[1]},
            "pricing": f"unknown model price: cost reported as 0 ({source})" if price is None else source,
            "execbench_version": __version__,
            "httpx_version": httpx.__version__,
            "python_version": sys.version.split()[0],
        }
        if self._checked:
            info["served"] = self._served
            if self._served is None:  # a server that lists nothing: its address names it
                info["endpoint"] = endpoint_identity(self.base_url)
        return info

    def _emit(self, event: str, value: Any = None) -> None:
        if self.listener is not None:
            self.listener(event, value)

    # -- plumbing ----------------------------------------------------------------------
    def _bind_loop(self) -> tuple[Transport, Limiter]:
        """Limiter and client belong to one event loop; rebind if used from a new one."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._limiter is None or self._transport is None:
            self._loop = loop
            self._limiter = Limiter(self.concurrency)
            self._liveness = Liveness()
            if self._given_transport is None:
                self._owned = HttpxTransport(max_connections=max(self.concurrency, 1))
                self._transport = self._owned
        assert self._transport is not None
        return self._transport, self._limiter

    async def check(self) -> list[str]:
        """Ask ``/models`` what the server serves; returns warnings (one line each).

        Unreachable servers and (with ``strict_model``) unknown names are ``UserError``s,
        so a run is never created against a configuration that cannot work.
        """
        transport, _ = self._bind_loop()
        url = f"{self.base_url}/models"
        try:
            resp = await transport(HttpRequest("GET", url, self._headers, None, min(self.timeout, 30.0)))
        except TransportError as exc:
            raise UserError(f"cannot reach {self.base_url} ({exc}); is the server running?") from None
        self._checked = True
        if resp.status in (401, 403):
            raise UserError(
                f"{self.name}: {url} answered HTTP {resp.status}: {error_message(resp.body)} "
                f"({_CONFIG_STATUSES[resp.status]})"
            )
        if resp.status != 200:
            return [f"{self.base_url} does not list its models (HTTP {resp.status}); model name not checked"]
        entry = served_entry(resp.body, self.model)
        if entry is not None:
            self._served = stable_entry(entry)
            return []
        ids = served_ids(resp.body)
        if not ids and not self.strict_model:
            return [f"{self.base_url} lists no models; model name not checked"]
        listed = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "") if ids else "nothing"
        message = f"model '{self.model}' is not served by {self.base_url} (it lists: {listed})"
        if self.strict_model:
            raise UserError(message)
        return [message + "; the server may answer with another model (--strict-model makes this an error)"]

    def _body(self, req: GenRequest) -> dict[str, Any]:
        p = req.params
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": p.temperature,
            "max_tokens": p.max_tokens,
            "n": 1,
        }
        if self.api == "chat":
            system = [{"role": "system", "content": self.system}] if self.system else []
            if req.messages:  # repair (issue #12): a whole conversation
                turns = [{"role": role, "content": content} for role, content in req.messages]
            else:
                turns = [{"role": "user", "content": req.prompt}]
            body["messages"] = [*system, *turns]
        else:
            body["prompt"] = f"{self.system}\n\n{req.prompt}" if self.system else req.prompt
        if p.stop:
            body["stop"] = list(p.stop[:_MAX_SERVER_STOPS])
        if p.seed is not None and self._send_seed:
            body["seed"] = p.seed + req.sample  # one seed per sample: samples differ, yet reproduce
        if p.top_p is not None:
            body["top_p"] = p.top_p
        if self.stream:
            body["stream"] = True
            if self._send_stream_options:
                body["stream_options"] = {"include_usage": True}
        body.update(self.extra_body)
        return body

    def _parse(self, resp: HttpResponse, req: GenRequest, latency: float, attempts: int) -> Generation:
        if resp.events is not None:
            return self._parse_stream(resp.events, req, latency, attempts)
        data = resp.body
        raw = {"response": data, "attempts": attempts}
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") if self.api == "chat" else choice.get("text")
        except (TypeError, KeyError, IndexError, AttributeError):
            return Generation(
                "",
                latency_s=latency,
                raw=raw,
                error=f"malformed response: {error_message(data)}",
                transient=True,
            )
        usage = data.get("usage") or {}
        fingerprint = data.get("system_fingerprint")
        if fingerprint:
            self.fingerprints.add(str(fingerprint))
        return self._generation(
            text or "", usage, choice.get("finish_reason"), req, latency, raw, fingerprint, estimated=0
        )

    def _parse_stream(self, events: list[Any], req: GenRequest, latency: float, attempts: int) -> Generation:
        parts: list[str] = []
        finish: str | None = None
        usage: dict[str, Any] = {}
        fingerprint: str | None = None
        chunks = 0
        for event in events:
            if not isinstance(event, dict):
                continue
            if "error" in event:
                raw = {"events": len(events), "error": event["error"], "attempts": attempts}
                message = f"server error mid-stream: {error_message(event)}"
                return Generation("", latency_s=latency, raw=raw, error=message, transient=True)
            usage = event.get("usage") or usage
            fingerprint = event.get("system_fingerprint") or fingerprint
            for choice in event.get("choices") or []:
                if not isinstance(choice, dict):
                    continue
                piece = (
                    (choice.get("delta") or {}).get("content") if self.api == "chat" else choice.get("text")
                )
                if piece:
                    parts.append(str(piece))
                    chunks += 1
                finish = choice.get("finish_reason") or finish
        text = "".join(parts)
        if finish is None and any(s and s in text for s in req.params.stop):
            finish = "stop"  # we closed the stream at a stop sequence the server did not honour
        if fingerprint:
            self.fingerprints.add(str(fingerprint))
        raw = {"stream": True, "events": len(events), "finish_reason": finish, "attempts": attempts}
        if fingerprint:
            raw["system_fingerprint"] = fingerprint
        return self._generation(text, usage, finish, req, latency, raw, fingerprint, estimated=chunks)

    def _generation(
        self,
        text: str,
        usage: dict[str, Any],
        finish: Any,
        req: GenRequest,
        latency: float,
        raw: dict[str, Any],
        fingerprint: Any,
        *,
        estimated: int,
    ) -> Generation:
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        if not usage and estimated:
            completion_tokens = estimated  # servers stream about one token per event
            raw["usage_estimated"] = True
        return Generation(
            text=cut_at_stop(text, req.params.stop),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd(self._price, prompt_tokens, completion_tokens),
            latency_s=latency,
            raw=raw,
            finish_reason=None if finish is None else str(finish),
            system_fingerprint=None if fingerprint is None else str(fingerprint),
        )

    def _on_event(self, req: GenRequest, state: dict[str, Any]) -> Callable[[Any], bool]:
        """Count tokens as they stream, notice when the stream starts, stop at a stop sequence."""

        def handle(event: Any) -> bool:
            if not state["started"]:
                state["started"] = True
                self._active += 1
                self._peak_active = max(self._peak_active, self._active)
                self._queue_hint(time.monotonic() - state["sent"], self._completed - state["completed"])
            pieces = []
            for choice in (event.get("choices") or []) if isinstance(event, dict) else []:
                if isinstance(choice, dict):
                    delta = choice.get("delta") or {}
                    pieces.append(delta.get("content") if self.api == "chat" else choice.get("text"))
            new = "".join(p for p in pieces if isinstance(p, str))
            if new:
                self._emit("tokens", 1)
                state["text"] += new
                tail = state["text"][-(len(new) + max((len(s) for s in req.params.stop), default=0)) :]
                return any(s and s in tail for s in req.params.stop)
            return False

        return handle

    def _queue_hint(self, waited: float, finished_meanwhile: int) -> None:
        if self._hinted or waited < _QUEUE_WAIT_S or finished_meanwhile < _QUEUE_COMPLETIONS:
            return
        self._hinted = True
        self._emit(
            "hint",
            f"the server queues requests: it generates about {self._peak_active} at a time "
            f"(--concurrency {self._peak_active + 1} would keep it as busy with less work in flight)",
        )

    # -- the protocol ------------------------------------------------------------------
    async def generate(self, req: GenRequest) -> Generation:
        transport, limiter = self._bind_loop()
        url = f"{self.base_url}/{'chat/completions' if self.api == 'chat' else 'completions'}"
        async with limiter:
            self._emit("start")
            try:
                return await self._attempts(transport, limiter, url, req)
            finally:
                self._emit("end")

    async def _attempts(
        self, transport: Transport, limiter: Limiter, url: str, req: GenRequest
    ) -> Generation:
        attempt = 0
        while True:
            body = self._body(req)
            started = time.monotonic()
            retry_after: float | None = None
            state: dict[str, Any] = {
                "started": False,
                "text": "",
                "sent": time.monotonic(),
                "completed": self._completed,
            }
            request = HttpRequest(
                "POST",
                url,
                self._headers,
                body,
                self.timeout,
                stream=self.stream,
                on_event=self._on_event(req, state),
                liveness=self._liveness,
            )
            try:
                resp = await transport(request)
            except TransportError as exc:
                if exc.kind == "timeout":
                    # The server may still be working on it: asking again would double its load.
                    raise BackendError(
                        f"{self.name}: {self.base_url} sent nothing for {self.timeout:g}s "
                        "(raise --timeout for a slower server)"
                    ) from None
                failure = str(exc)
            else:
                latency = time.monotonic() - started
                if resp.status == 200:
                    self._completed += 1
                    return self._parse(resp, req, latency, attempt + 1)
                message = error_message(resp.body)
                if resp.status in _CONFIG_STATUSES:
                    raise UserError(
                        f"{self.name}: {self.base_url} answered HTTP {resp.status}: {message} "
                        f"({_CONFIG_STATUSES[resp.status]})"
                    )
                if resp.status in (400, 422) and "seed" in body and "seed" in message.lower():
                    self._send_seed = False  # this server rejects `seed`: stop sending it
                    continue
                if resp.status in (400, 422) and "stream_options" in body and "stream_options" in message:
                    self._send_stream_options = False
                    continue
                if resp.status not in RETRY_STATUSES:
                    raw = {"response": resp.body, "attempts": attempt + 1, "status": resp.status}
                    return Generation(
                        "", latency_s=latency, raw=raw, error=f"HTTP {resp.status}: {message}", transient=True
                    )
                failure = f"HTTP {resp.status}: {message}"
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
            finally:
                if state["started"]:
                    self._active -= 1
            if attempt >= self.policy.max_retries:
                raise BackendError(f"{self.name}: {url} failed after {attempt + 1} attempt(s): {failure}")
            self._emit("retry", failure)
            await asyncio.sleep(backoff_delay(attempt, self.policy, retry_after, self._rng))
            attempt += 1

    async def aclose(self) -> None:
        # Connections made in another (finished) event loop cannot be closed from this one;
        # they went with their loop.
        if self._owned is not None and self._loop is asyncio.get_running_loop():
            await self._owned.aclose()
        self._owned = None
        self._transport = self._given_transport
        self._limiter = None
        self._loop = None


def make_openai_backend(model: str, **options: Any) -> OpenAIBackend:
    """Registry factory; ``None`` options mean "default" so CLIs can pass flags through."""
    given = {k: v for k, v in options.items() if v is not None}
    try:
        return OpenAIBackend(model, **given)
    except TypeError as exc:
        raise UserError(
            f"openai backend: {exc} (options: base_url, api_key, api, timeout, max_retries, "
            "concurrency, system, extra_body, strict_model, stream, prices, backoff_base, backoff_cap, headers)"
        ) from None

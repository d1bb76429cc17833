"""``openai:<model>``: any OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp,
LM Studio, TGI, OpenRouter, OpenAI), through ``/chat/completions`` or ``/completions``.

One request per sample index (``n=1``) so that each sample is cached and resumed on its
own. Requests are bounded by a semaphore shared by all calls to the backend, retried with
full-jitter exponential backoff on 429/5xx/timeouts/dropped connections (honouring
``Retry-After``), and accounted (tokens from ``usage``, cost from ``pricing``, latency of
the successful attempt). Stop sequences are sent (at most 4, the OpenAI limit) *and*
applied client-side, because servers differ on whether they include the stop text.
``seed`` is sent as ``seed + sample`` so that the samples of one prompt differ (a shared
seed would make all n samples identical) and each reproduces. A slot of the semaphore is
held through the backoff waits too: a server that says "slow down" gets fewer requests.
Configuration errors the server reports (401/403/404) are ``UserError``s at once; a server
still failing after the retries raises ``BackendError``; other refusals of one request
(400/413/422: too long, filtered) come back as ``Generation.error``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import sys
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from execbench import __version__
from execbench.errors import UserError
from execbench.models.http import HttpRequest, HttpResponse, HttpxTransport, Transport, TransportError
from execbench.models.pricing import PRICES_AS_OF, Price, cost_usd, lookup_price
from execbench.models.retry import RETRY_STATUSES, RetryPolicy, backoff_delay, parse_retry_after
from execbench.models.types import BackendError, Generation, GenRequest

__all__ = ["OpenAIBackend", "make_openai_backend", "DEFAULT_BASE_URL", "cut_at_stop"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Key sent to local servers that ignore authentication (vLLM, Ollama, llama.cpp accept anything).
LOCAL_DUMMY_KEY = "sk-no-key-required"
_MAX_SERVER_STOPS = 4
_CONFIG_STATUSES = {
    401: "check the API key (OPENAI_API_KEY or api_key)",
    403: "check the API key's permissions",
    404: "check the model name and the base URL",
}


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """``text`` up to (not including) the earliest stop sequence."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if 0 <= i < cut:
                cut = i
    return text[:cut]


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _normalise_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"base URL '{url}' is not an http(s) URL; use e.g. http://localhost:8000/v1")
    url = url.rstrip("/")
    # vLLM/Ollama users often give the server root; every OpenAI-compatible server serves /v1.
    return url + "/v1" if parts.path in ("", "/") else url


def _error_message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body.get("message", body)))
        if isinstance(err, dict):
            err = err.get("message", err)
        body = err
    return " ".join(str(body).split())[:300] or "(empty body)"


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
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = _normalise_base_url(base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if not _is_loopback(self.base_url):
                raise UserError(
                    f"no API key for {self.base_url}: set OPENAI_API_KEY (or pass api_key), "
                    "or point base_url at a local server"
                )
            key = LOCAL_DUMMY_KEY
        self.api = api
        self.timeout = float(timeout)
        self.concurrency = int(concurrency)
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
        self._sem: asyncio.Semaphore | None = None
        self._rng = rng or random.Random()
        self._send_seed = True

    # -- description -------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        price = self._price
        source = "custom table" if self._custom_prices else f"built-in table as of {PRICES_AS_OF}"
        return {
            "backend": "openai",
            "model": self.model,
            "base_url": self.base_url,
            "kind": self.api,
            "concurrency": self.concurrency,
            "timeout": self.timeout,
            "max_retries": self.policy.max_retries,
            "price_per_mtok": None if price is None else {"input": price[0], "output": price[1]},
            "pricing": f"unknown model price: cost reported as 0 ({source})" if price is None else source,
            "execbench_version": __version__,
            "httpx_version": httpx.__version__,
            "python_version": sys.version.split()[0],
        }

    # -- plumbing ----------------------------------------------------------------------
    def _bind_loop(self) -> tuple[Transport, asyncio.Semaphore]:
        """Semaphore and client belong to one event loop; rebind if used from a new one."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._sem is None or self._transport is None:
            self._loop = loop
            self._sem = asyncio.Semaphore(self.concurrency)
            if self._given_transport is None:
                self._owned = HttpxTransport(max_connections=max(self.concurrency, 1))
                self._transport = self._owned
        assert self._transport is not None
        return self._transport, self._sem

    def _body(self, req: GenRequest) -> dict[str, Any]:
        p = req.params
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": p.temperature,
            "max_tokens": p.max_tokens,
            "n": 1,
        }
        if self.api == "chat" and req.messages:  # repair (issue #12): a whole conversation
            body["messages"] = [{"role": role, "content": content} for role, content in req.messages]
        elif self.api == "chat":
            body["messages"] = [{"role": "user", "content": req.prompt}]
        else:
            body["prompt"] = req.prompt
        if p.stop:
            body["stop"] = list(p.stop[:_MAX_SERVER_STOPS])
        if p.seed is not None and self._send_seed:
            body["seed"] = p.seed + req.sample  # one seed per sample: samples differ, yet reproduce
        if p.top_p is not None:
            body["top_p"] = p.top_p
        return body

    def _parse(self, resp: HttpResponse, req: GenRequest, latency: float, attempts: int) -> Generation:
        data = resp.body
        raw = {"response": data, "attempts": attempts}
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") if self.api == "chat" else choice.get("text")
        except (TypeError, KeyError, IndexError, AttributeError):
            return Generation(
                "", latency_s=latency, raw=raw, error=f"malformed response: {_error_message(data)}"
            )
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        return Generation(
            text=cut_at_stop(text or "", req.params.stop),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd(self._price, prompt_tokens, completion_tokens),
            latency_s=latency,
            raw=raw,
        )

    # -- the protocol ------------------------------------------------------------------
    async def generate(self, req: GenRequest) -> Generation:
        transport, sem = self._bind_loop()
        url = f"{self.base_url}/{'chat/completions' if self.api == 'chat' else 'completions'}"
        async with sem:
            attempt = 0
            while True:
                body = self._body(req)
                started = time.monotonic()
                retry_after: float | None = None
                try:
                    resp = await transport(HttpRequest("POST", url, self._headers, body, self.timeout))
                except TransportError as exc:
                    failure = str(exc)
                else:
                    latency = time.monotonic() - started
                    if resp.status == 200:
                        return self._parse(resp, req, latency, attempt + 1)
                    message = _error_message(resp.body)
                    if resp.status in _CONFIG_STATUSES:
                        raise UserError(
                            f"{self.name}: {self.base_url} answered HTTP {resp.status}: {message} "
                            f"({_CONFIG_STATUSES[resp.status]})"
                        )
                    if resp.status in (400, 422) and "seed" in body and "seed" in message.lower():
                        self._send_seed = False  # this server rejects `seed`: stop sending it
                        continue
                    if resp.status not in RETRY_STATUSES:
                        raw = {"response": resp.body, "attempts": attempt + 1}
                        return Generation(
                            "", latency_s=latency, raw=raw, error=f"HTTP {resp.status}: {message}"
                        )
                    failure = f"HTTP {resp.status}: {message}"
                    retry_after = parse_retry_after(resp.headers.get("retry-after"))
                if attempt >= self.policy.max_retries:
                    raise BackendError(f"{self.name}: {url} failed after {attempt + 1} attempt(s): {failure}")
                await asyncio.sleep(backoff_delay(attempt, self.policy, retry_after, self._rng))
                attempt += 1

    async def aclose(self) -> None:
        # Connections made in another (finished) event loop cannot be closed from this one;
        # they went with their loop.
        if self._owned is not None and self._loop is asyncio.get_running_loop():
            await self._owned.aclose()
        self._owned = None
        self._transport = self._given_transport
        self._sem = None
        self._loop = None


def make_openai_backend(model: str, **options: Any) -> OpenAIBackend:
    """Registry factory; ``None`` options mean "default" so CLIs can pass flags through."""
    given = {k: v for k, v in options.items() if v is not None}
    try:
        return OpenAIBackend(model, **given)
    except TypeError as exc:
        raise UserError(
            f"openai backend: {exc} (options: base_url, api_key, api, timeout, max_retries, "
            "concurrency, prices, backoff_base, backoff_cap, headers)"
        ) from None

"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, deterministic answers.

It serves ``/v1/chat/completions``, ``/v1/completions`` (plain JSON, or Server-Sent Events
one word at a time when the body asks ``stream``), ``/v1/models`` and ``/stats``.
Answers are a function of the prompt: the first rule ``(substring, answer)`` whose
substring occurs in the prompt, else a canned ``[ANSWER] ... [/ANSWER]`` picked by a
sha256 of the prompt. Failures are injected deterministically, either by completion
request number (``plan={1: "429", 2: "drop"}``) or by a seeded probability
(``fail_rate``): ``"429"`` (with ``Retry-After``), ``"500"``, ``"slow"`` (sleeps past
the client's timeout, then answers), ``"drop"`` (closes the socket without a response).

In-process::

    with FakeOpenAI(plan={1: "500"}) as server:
        server.base_url  # http://127.0.0.1:<port>/v1
        server.completions, server.max_in_flight, server.bodies

As a process (so a test can SIGKILL its client while the server lives on)::

    python tests/fakes/fake_openai.py --port-file F [--fail-rate 0.2] [--seed 0] [--plan 1:429,3:drop]

It only listens on loopback and shuts itself down after ``max_lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["FakeOpenAI", "CANNED_ANSWERS", "FAILURES", "canned_answer", "main"]

CANNED_ANSWERS: tuple[str, ...] = (
    "[ANSWER] 0 [/ANSWER]",
    "[ANSWER] 'abc' [/ANSWER]",
    "[ANSWER] [1, 2, 3] [/ANSWER]",
    "[ANSWER] True [/ANSWER]",
    "[ANSWER] None [/ANSWER]",
)
FAILURES = ("429", "500", "slow", "drop")


def canned_answer(prompt: str) -> str:
    """The answer the fake gives to ``prompt`` when no rule matches (stable across processes)."""
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    return CANNED_ANSWERS[digest[0] % len(CANNED_ANSWERS)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: avoid 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence per-request logs
        return

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        fake = self.server.fake
        fake._count(self.path)
        if self.path == "/stats":
            self._send(200, fake.stats())
        elif self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path not in ("/v1/chat/completions", "/v1/completions"):
            fake._count(self.path)
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        number = fake._count(self.path, completion=True)
        fake._wait_if_held(number)
        if fake.api_key is not None and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._send(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "body is not JSON"}})
            return
        fake._record(body)
        if fake.models and body.get("model") not in fake.models:
            self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist"}})
            return
        if fake.reject_seed and "seed" in body:
            self._send(400, {"error": {"message": "Unrecognized request argument supplied: seed"}})
            return
        failure = fake._failure_for(number)
        if failure == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if failure == "429":
            self._send(
                429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": str(fake.retry_after)}
            )
            return
        if failure == "500":
            self._send(500, {"error": {"message": "internal error (injected)"}})
            return
        if fake.serial:
            with fake._serial_lock:  # a server that generates one answer at a time
                self._answer(body, failure)
        else:
            self._answer(body, failure)

    def _answer(self, body: dict[str, Any], failure: str | None) -> None:
        fake = self.server.fake
        fake._enter()
        try:
            time.sleep(fake.slow_s if failure == "slow" else fake.delay)
            response = fake._respond(self.path, body)
            if body.get("stream"):
                self._stream(response, body)
            else:
                self._send(200, response)
        finally:
            fake._leave()

    def _stream(self, response: dict[str, Any], body: dict[str, Any]) -> None:
        """The response as Server-Sent Events: one event per word, usage last when asked."""
        fake = self.server.fake
        chat = self.path.endswith("/chat/completions")
        choice = response["choices"][0]
        text = choice["message"]["content"] if chat else choice["text"]
        pieces = [p for p in _words(text)] or [""]
        base = {k: response[k] for k in ("id", "created", "model", "system_fingerprint")}
        events: list[bytes] = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            delta: dict[str, Any] = {"index": 0, "finish_reason": choice["finish_reason"] if last else None}
            if chat:
                delta["delta"] = {"content": piece}
            else:
                delta["text"] = piece
            kind = "chat.completion.chunk" if chat else "text_completion"
            events.append(f"data: {json.dumps({**base, 'object': kind, 'choices': [delta]})}\n\n".encode())
        if (body.get("stream_options") or {}).get("include_usage") and fake.stream_usage:
            events.append(
                f"data: {json.dumps({**base, 'choices': [], 'usage': response['usage']})}\n\n".encode()
            )
        events.append(b"data: [DONE]\n\n")
        # A known length keeps the connection alive between streams (as chunked encoding would).
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(sum(map(len, events))))
        self.end_headers()
        try:
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
                if fake.trickle:
                    time.sleep(fake.trickle)
        except (BrokenPipeError, ConnectionResetError):
            with fake._lock:
                fake.abandoned += 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 drops bursts of concurrent connects
    fake: FakeOpenAI


class FakeOpenAI:
    """The fake server; start() / stop() or use it as a context manager."""

    def __init__(
        self,
        *,
        rules: list[tuple[str, str]] | Callable[[str], str | None] | None = None,
        plan: Mapping[int, str] | None = None,
        fail_rate: float = 0.0,
        failures: tuple[str, ...] = ("429", "500", "drop"),
        seed: int = 0,
        retry_after: float = 0.05,
        slow_s: float = 5.0,
        delay: float = 0.0,
        api_key: str | None = None,
        models: tuple[str, ...] = (),
        reject_seed: bool = False,
        max_lifetime: float = 600.0,
        port: int = 0,
        trickle: float = 0.0,
        stream_usage: bool = True,
        serial: bool = False,
    ) -> None:
        for f in list((plan or {}).values()) + list(failures):
            if f not in FAILURES:
                raise ValueError(f"unknown failure {f!r}; use one of {FAILURES}")
        self.rules = rules or []
        self.plan = dict(plan or {})
        self.fail_rate = fail_rate
        self.failures = failures
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.delay = delay
        self.api_key = api_key
        self.models = models
        self.reject_seed = reject_seed
        self.max_lifetime = max_lifetime
        self.trickle = trickle
        """Seconds between streamed words (a slow but working server)."""
        self.stream_usage = stream_usage
        self.serial = serial
        """Answer one request at a time, queueing the others (like llama.cpp with one slot)."""
        self._serial_lock = threading.Lock()
        self.hold_after: int | None = None
        """Completion requests past this number wait until :meth:`release` (see :meth:`hold`)."""
        self._released = threading.Event()
        self.abandoned = 0
        """Streams the client closed before the end."""
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.by_path: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.completions = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.cancel()
        if self._thread is not None:  # shutdown() would wait forever for a loop never started
            self._httpd.shutdown()
            self._thread = None
        self._httpd.server_close()

    def serve_until_stopped(self) -> None:
        """Block until the lifetime ends (process mode)."""
        self.start()
        assert self._thread is not None
        self._thread.join()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hold(self, more: int) -> None:
        """Answer ``more`` further completion requests, then keep the next ones waiting until
        :meth:`release`: a client run cannot finish meanwhile, so a test can interrupt it
        mid-run on any machine, however fast."""
        with self._lock:
            self._released.clear()
            self.hold_after = self.completions + more

    def release(self) -> None:
        """Let held and later requests through."""
        with self._lock:
            self.hold_after = None
            self._released.set()

    # -- bookkeeping (called from handler threads) -------------------------------------
    def _wait_if_held(self, number: int) -> None:
        held = self.hold_after
        if held is not None and number > held:
            self._released.wait(self.max_lifetime)

    def _count(self, path: str, completion: bool = False) -> int:
        with self._lock:
            self.by_path[path] += 1
            if completion:
                self.completions += 1
            return self.completions

    def _record(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.bodies.append(body)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _failure_for(self, number: int) -> str | None:
        with self._lock:
            failure = self.plan.get(number)
            if failure is None and self.fail_rate > 0 and self._rng.random() < self.fail_rate:
                failure = self._rng.choice(self.failures)
            if failure is not None:
                self.injected[failure] += 1
            return failure

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": sum(self.by_path.values()),
                "completions": self.completions,
                "by_path": dict(self.by_path),
                "injected": dict(self.injected),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "abandoned": self.abandoned,
            }

    # -- answers -----------------------------------------------------------------------
    def answer_for(self, prompt: str) -> str:
        if callable(self.rules):
            found = self.rules(prompt)
            if found is not None:
                return found
        else:
            for needle, answer in self.rules:
                if needle in prompt:
                    return answer
        return canned_answer(prompt)

    def _respond(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        chat = path.endswith("/chat/completions")
        if chat:
            prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        else:
            prompt = str(body.get("prompt", ""))
        text = self.answer_for(prompt)
        finish = "stop"
        stops = body.get("stop") or []
        for s in [stops] if isinstance(stops, str) else stops:
            if s and s in text:
                text, finish = text[: text.index(s)], "stop"
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        return {
            "id": f"fake-{self.completions}",
            "object": "chat.completion" if chat else "text_completion",
            "created": 0,
            "model": body.get("model", ""),
            "system_fingerprint": "fake",
            "choices": [choice],
            "usage": usage,
        }


def _words(text: str) -> list[str]:
    """``text`` cut after each run of spaces, so the pieces join back to it exactly."""
    pieces: list[str] = []
    current = ""
    for ch in text:
        if current and ch != " " and current.endswith(" "):
            pieces.append(current)
            current = ""
        current += ch
    if current:
        pieces.append(current)
    return pieces


def _parse_plan(text: str) -> dict[int, str]:
    plan: dict[int, str] = {}
    for item in filter(None, text.split(",")):
        number, _, failure = item.partition(":")
        plan[int(number)] = failure
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server for tests (loopback only).")
    parser.add_argument("--port-file", type=Path, required=True, help="write the port here once listening")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--failures", default="429,500,drop", help="kinds drawn by --fail-rate")
    parser.add_argument("--plan", default="", help="e.g. 1:429,2:drop (by completion request number)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--trickle", type=float, default=0.0, help="seconds between streamed words")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--max-lifetime", type=float, default=600.0)
    args = parser.parse_args(argv)
    fake = FakeOpenAI(
        plan=_parse_plan(args.plan),
        fail_rate=args.fail_rate,
        seed=args.seed,
        failures=tuple(filter(None, args.failures.split(","))),
        retry_after=args.retry_after,
        slow_s=args.slow,
        delay=args.delay,
        trickle=args.trickle,
        api_key=args.api_key,
        max_lifetime=args.max_lifetime,
        port=args.port,
    )
    tmp = args.port_file.with_name(args.port_file.name + f".{os.getpid()}.tmp")
    tmp.write_text(str(fake.port))
    tmp.replace(args.port_file)  # atomic: readers never see a half-written port
    fake.serve_until_stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main())

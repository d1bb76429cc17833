"""Streaming requests: idle (not total) timeouts, queueing servers, stop sequences, identity."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from fakes.fake_openai import FakeOpenAI

from execbench.errors import UserError
from execbench.models import GenParams, GenRequest, get_backend
from execbench.models.http import Liveness, parse_sse_line

Start = Callable[..., FakeOpenAI]
FAST = {"backoff_base": 0.01, "backoff_cap": 1.0}


def req(prompt: str = "p", sample: int = 0, **params: Any) -> GenRequest:
    return GenRequest("t/0", prompt, sample, GenParams(**params))


def run(backend: Any, *requests: GenRequest) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return list(await asyncio.gather(*(backend.generate(r) for r in requests)))
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_a_slow_but_working_server_is_never_abandoned(fake_server: Start) -> None:
    # 8 words, 0.15 s apart: 1.2 s in all, far beyond the 0.4 s idle timeout
    server = fake_server(rules=[("", "one two three four five six seven eight")], trickle=0.15)
    backend = get_backend("openai:m", base_url=server.base_url, timeout=0.4, **FAST)
    (gen,) = run(backend, req())
    assert gen.text == "one two three four five six seven eight"
    assert gen.finish_reason == "stop" and gen.raw["stream"] is True
    assert server.completions == 1 and server.bodies[0]["stream"] is True


def test_a_queueing_server_keeps_every_request_and_gets_a_hint(fake_server: Start) -> None:
    # One answer at a time, each 0.5 s: the last of 5 waits 2 s in the queue with a 0.4 s
    # idle timeout -- the server is visibly busy, so nothing is abandoned or re-sent.
    server = fake_server(rules=[("", "a b c d e")], trickle=0.1, serial=True)
    backend = get_backend("openai:m", base_url=server.base_url, timeout=0.4, concurrency=5, **FAST)
    events: list[tuple[str, Any]] = []
    backend.listener = lambda event, value: events.append((event, value))
    gens = run(backend, *(req(f"p{i}") for i in range(5)))
    assert [g.text for g in gens] == ["a b c d e"] * 5
    assert server.completions == 5  # each sent once
    hints = [v for e, v in events if e == "hint"]
    # one at a time (the next stream may start before the last one's end is read: 2)
    assert len(hints) == 1 and re.search(r"queues requests.*--concurrency [23] ", hints[0])
    assert sum(v for e, v in events if e == "tokens") == 25
    assert [e for e, _ in events].count("start") == 5 == [e for e, _ in events].count("end")


def test_stop_sequence_the_server_ignores_ends_the_stream(fake_server: Start) -> None:
    # The fake honours `stop` only when it sees it; strip it from the body to play a server that does not.
    server = fake_server(rules=[("", "3 [/ANSWER] and then a lot more words follow here")], trickle=0.05)
    backend = get_backend("openai:m", base_url=server.base_url, extra_body={"stop": None}, **FAST)
    (gen,) = run(backend, req(stop=("[/ANSWER]",)))
    assert gen.text == "3 " and gen.finish_reason == "stop"
    assert gen.completion_tokens < 10


def test_usage_is_estimated_when_the_stream_has_none(fake_server: Start) -> None:
    server = fake_server(rules=[("", "x y z")], stream_usage=False)
    (gen,) = run(get_backend("openai:m", base_url=server.base_url, **FAST), req())
    assert gen.completion_tokens == 3 and gen.raw["usage_estimated"] is True


def test_system_prompt_and_extra_body(fake_server: Start) -> None:
    server = fake_server(rules=[("", "ok")])
    chat = get_backend("openai:m", base_url=server.base_url, system="be brief", extra_body={"min_p": 0.1})
    run(chat, req("q"))
    body = server.bodies[-1]
    assert body["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "q"}]
    assert body["min_p"] == 0.1
    plain = get_backend("openai:m", base_url=server.base_url, api="completions", system="be brief")
    run(plain, req("q"))
    assert server.bodies[-1]["prompt"] == "be brief\n\nq"


def test_check_reads_the_served_model_as_identity(fake_server: Start) -> None:
    server = fake_server(models=("m",))
    a = get_backend("openai:m", base_url=server.base_url.replace("127.0.0.1", "localhost"))
    b = get_backend("openai:m", base_url=server.base_url + "/")
    assert asyncio.run(a.check()) == [] and asyncio.run(b.check()) == []
    assert a.info()["served"] == {"id": "m"}
    from execbench.models import model_identity

    assert model_identity(a.name, a.info()) == model_identity(b.name, b.info())


def test_unlisted_model_warns_or_fails_when_strict(fake_server: Start) -> None:
    server = fake_server(models=("served-one",))
    warnings = asyncio.run(get_backend("openai:other", base_url=server.base_url).check())
    assert len(warnings) == 1 and "'other' is not served" in warnings[0] and "served-one" in warnings[0]
    with pytest.raises(UserError, match="not served"):
        asyncio.run(get_backend("openai:other", base_url=server.base_url, strict_model=True).check())


def test_unreachable_server_and_bad_ports_are_one_line_user_errors() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UserError, match="cannot reach .* is the server running"):
        asyncio.run(get_backend("openai:m", base_url=f"http://127.0.0.1:{port}/v1").check())
    for url in ("http://127.0.0.1:99999/v1", "http://127.0.0.1:port/v1"):
        with pytest.raises(UserError, match="invalid port"):
            get_backend("openai:m", base_url=url)


def test_sse_lines_and_liveness() -> None:
    assert parse_sse_line('data: {"a": 1}') == (True, {"a": 1})
    assert parse_sse_line("data: [DONE]") == (True, None)
    assert parse_sse_line(": keep-alive") == (False, None)
    assert parse_sse_line("data: {oops")[1]["error"]["message"].startswith("undecodable")
    now = [0.0]
    live = Liveness(clock=lambda: now[0])
    now[0] = 50.0
    live.begin()  # silence while nothing was asked does not count
    assert live.silent_for() == 0.0
    now[0] = 53.0
    live.begin()  # a second request does not reset the clock
    assert live.silent_for() == 3.0
    live.touch()
    assert live.silent_for() == 0.0

"""The OpenAI-compatible backend against a real HTTP fake server (tests/fakes/fake_openai.py)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from fakes.fake_openai import FakeOpenAI, canned_answer

from execbench.errors import UserError
from execbench.models import BackendError, GenParams, GenRequest, get_backend
from execbench.models.http import HttpRequest, HttpResponse
from execbench.models.openai import OpenAIBackend, cut_at_stop

Start = Callable[..., FakeOpenAI]
FAST = {"backoff_base": 0.01, "backoff_cap": 1.0}


def req(prompt: str = "what is f(1)?", sample: int = 0, **params: Any) -> GenRequest:
    return GenRequest("t/0", prompt, sample, GenParams(**params))


def run(backend: Any, *requests: GenRequest) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return list(await asyncio.gather(*(backend.generate(r) for r in requests)))
        finally:
            await backend.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("api", ["chat", "completions"])
def test_success_with_usage_cost_and_latency(fake_server: Start, api: str) -> None:
    server = fake_server(rules=[("f(1)", "[ANSWER] 42 [/ANSWER]")])
    backend = get_backend("openai:gpt-4o-mini", base_url=server.base_url, api=api, **FAST)
    (gen,) = run(backend, req())
    assert gen.error is None
    assert gen.text == "[ANSWER] 42 [/ANSWER]"
    assert (gen.prompt_tokens, gen.completion_tokens) == (3, 3)  # the fake counts words
    assert gen.cost_usd == pytest.approx((3 * 0.15 + 3 * 0.60) / 1e6)
    assert gen.latency_s > 0
    assert gen.raw is not None and gen.raw["attempts"] == 1
    body = server.bodies[0]
    assert body["model"] == "gpt-4o-mini" and body["n"] == 1
    if api == "chat":
        assert body["messages"] == [{"role": "user", "content": "what is f(1)?"}]
        assert server.by_path["/v1/chat/completions"] == 1
    else:
        assert body["prompt"] == "what is f(1)?"
        assert server.by_path["/v1/completions"] == 1


def test_unmatched_prompts_get_the_deterministic_canned_answer(fake_server: Start) -> None:
    server = fake_server()
    backend = get_backend("openai:m", base_url=server.base_url, **FAST)
    gens = run(backend, req("p1"), req("p2"), req("p1", sample=1))
    assert [g.text for g in gens] == [canned_answer("p1"), canned_answer("p2"), canned_answer("p1")]


def test_stop_seed_and_top_p_are_passed_through(fake_server: Start) -> None:
    server = fake_server(rules=[("", "[ANSWER] 1 [/ANSWER] then chatter")])
    backend = get_backend("openai:m", base_url=server.base_url, **FAST)
    stops = ("a", "b", "c", "d", "then")  # the fifth is applied client-side only
    (gen,) = run(backend, req(temperature=0.7, max_tokens=9, seed=11, top_p=0.5, stop=stops, sample=2))
    body = server.bodies[0]
    assert (
        body["seed"] == 13 and body["top_p"] == 0.5 and body["temperature"] == 0.7 and body["max_tokens"] == 9
    )
    assert body["stop"] == ["a", "b", "c", "d"]
    assert gen.text == "[ANSWER] 1 [/ANSWER] "
    assert cut_at_stop("xay", ("y", "a")) == "x"


def test_defaults_send_no_seed_stop_or_top_p(fake_server: Start) -> None:
    server = fake_server()
    run(get_backend("openai:m", base_url=server.base_url, **FAST), req())
    assert not {"seed", "stop", "top_p"} & set(server.bodies[0])


def test_server_rejecting_seed_is_asked_again_without_it(fake_server: Start) -> None:
    server = fake_server(reject_seed=True, rules=[("", "ok")])
    backend = get_backend("openai:m", base_url=server.base_url, **FAST)
    gens = run(backend, req(seed=1), req(seed=1))
    assert [g.text for g in gens] == ["ok", "ok"]
    assert "seed" in server.bodies[0] and "seed" not in server.bodies[-1]


@pytest.mark.parametrize("failures", [["429"], ["500"], ["drop"], ["429", "500", "drop"]])
def test_retries_then_success(fake_server: Start, failures: list[str]) -> None:
    server = fake_server(plan=dict(enumerate(failures, 1)), rules=[("", "fine")])
    backend = get_backend("openai:m", base_url=server.base_url, **FAST)
    (gen,) = run(backend, req())
    assert gen.text == "fine" and gen.error is None
    assert gen.raw is not None and gen.raw["attempts"] == len(failures) + 1
    assert server.completions == len(failures) + 1
    assert sum(server.injected.values()) == len(failures)


def test_a_silent_server_is_given_up_and_not_asked_again(fake_server: Start) -> None:
    server = fake_server(plan={1: "slow"}, slow_s=2.0, rules=[("", "late but fine")])
    backend = get_backend("openai:m", base_url=server.base_url, timeout=0.3, **FAST)
    with pytest.raises(BackendError, match="sent nothing for 0.3s"):
        run(backend, req())
    assert server.completions == 1  # it may still be working on it: never re-sent


def test_retry_after_is_honoured(fake_server: Start) -> None:
    server = fake_server(plan={1: "429"}, retry_after=0.4)
    backend = get_backend("openai:m", base_url=server.base_url, backoff_base=0.001, backoff_cap=5.0)
    started = time.monotonic()
    (gen,) = run(backend, req())
    elapsed = time.monotonic() - started
    assert gen.error is None
    assert 0.4 <= elapsed < 3.0


def test_retry_after_is_bounded_by_the_cap(fake_server: Start) -> None:
    server = fake_server(plan={1: "429"}, retry_after=30)
    backend = get_backend("openai:m", base_url=server.base_url, backoff_base=0.001, backoff_cap=0.1)
    started = time.monotonic()
    (gen,) = run(backend, req())
    assert gen.error is None and time.monotonic() - started < 2.0


@pytest.mark.parametrize("limit", [1, 3])
def test_concurrency_is_bounded(fake_server: Start, limit: int) -> None:
    server = fake_server(delay=0.05)
    backend = get_backend("openai:m", base_url=server.base_url, concurrency=limit, **FAST)
    gens = run(backend, *(req(f"p{i}") for i in range(12)))
    assert all(g.error is None for g in gens)
    assert server.completions == 12
    assert 1 <= server.max_in_flight <= limit


def test_wrong_key_is_a_user_error_at_once(fake_server: Start) -> None:
    server = fake_server(api_key="right")
    backend = get_backend("openai:m", base_url=server.base_url, api_key="wrong", **FAST)
    with pytest.raises(UserError, match="401.*Incorrect API key"):
        run(backend, req())
    assert server.completions == 1  # no retries


def test_unknown_model_is_a_user_error(fake_server: Start) -> None:
    server = fake_server(models=("known",))
    with pytest.raises(UserError, match="404.*does not exist"):
        run(get_backend("openai:unknown", base_url=server.base_url, **FAST), req())


def test_persistent_server_errors_raise_backend_error(fake_server: Start) -> None:
    server = fake_server(plan={i: "500" for i in range(1, 10)})
    backend = get_backend("openai:m", base_url=server.base_url, max_retries=2, **FAST)
    with pytest.raises(BackendError, match="3 attempt"):
        run(backend, req())
    assert server.completions == 3


def test_unreachable_server_raises_backend_error_quickly() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = get_backend("openai:m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2, **FAST)
    started = time.monotonic()
    with pytest.raises(BackendError, match="connect"):
        run(backend, req())
    assert time.monotonic() - started < 5.0


def test_api_key_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        get_backend("openai:gpt-4o")
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        get_backend("openai:gpt-4o", base_url="https://openrouter.ai/api/v1")
    for local in ("http://localhost:8000/v1", "http://127.0.0.1:11434/v1", "http://[::1]:8080/v1"):
        assert get_backend("openai:llama", base_url=local).info()["base_url"] == local
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://example.org/v1/")
    assert get_backend("openai:gpt-4o").info()["base_url"] == "https://example.org/v1"


def test_options_are_validated() -> None:
    local = "http://localhost:1/v1"
    with pytest.raises(UserError, match="chat"):
        get_backend("openai:m", base_url=local, api="embeddings")
    with pytest.raises(UserError, match="concurrency"):
        get_backend("openai:m", base_url=local, concurrency=0)
    with pytest.raises(UserError, match="options"):
        get_backend("openai:m", base_url=local, colour="red")
    with pytest.raises(UserError, match="http"):
        get_backend("openai:m", base_url="localhost:8000")
    # a server root gets /v1; None options mean "default", as a CLI passes them
    backend = get_backend("openai:m", base_url="http://localhost:8000", timeout=None, api=None)
    assert backend.info()["base_url"] == "http://localhost:8000/v1" and backend.info()["kind"] == "chat"


def test_info_and_pricing() -> None:
    local = "http://localhost:1/v1"
    known = get_backend("openai:openai/gpt-4o-mini-2024-07-18", base_url=local).info()
    assert known["price_per_mtok"] == {"input": 0.15, "output": 0.60}
    assert known["kind"] == "chat" and known["model"] == "openai/gpt-4o-mini-2024-07-18"
    unknown = get_backend("openai:qwen2.5-coder-7b", base_url=local).info()
    assert unknown["price_per_mtok"] is None and "unknown" in unknown["pricing"]
    custom = get_backend("openai:qwen2.5-coder-7b", base_url=local, prices={"qwen": (1.0, 2.0)}).info()
    assert custom["price_per_mtok"] == {"input": 1.0, "output": 2.0}


# -- through the transport seam, no sockets ---------------------------------------------
def backend_with(responses: list[HttpResponse]) -> tuple[OpenAIBackend, list[HttpRequest]]:
    seen: list[HttpRequest] = []

    async def transport(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return responses[len(seen) - 1]

    return OpenAIBackend("m", base_url="http://localhost:1/v1", transport=transport, **FAST), seen  # type: ignore[arg-type]


def test_request_refused_by_the_server_is_data_not_a_crash() -> None:
    backend, seen = backend_with([HttpResponse(400, {}, {"error": {"message": "context too long"}})])
    (gen,) = run(backend, req())
    assert gen.text == "" and gen.error == "HTTP 400: context too long"
    assert len(seen) == 1 and seen[0].headers["Authorization"].startswith("Bearer ")


def test_malformed_response_is_data() -> None:
    backend, _ = backend_with([HttpResponse(200, {}, "<html>gateway</html>")])
    (gen,) = run(backend, req())
    assert gen.error is not None and gen.error.startswith("malformed response")


def test_missing_usage_and_null_content() -> None:
    body = {"choices": [{"message": {"role": "assistant", "content": None}}]}
    backend, _ = backend_with([HttpResponse(200, {}, body)])
    (gen,) = run(backend, req())
    assert (gen.text, gen.prompt_tokens, gen.completion_tokens, gen.cost_usd, gen.error) == (
        "",
        0,
        0,
        0.0,
        None,
    )


def test_http_date_retry_after_through_the_seam() -> None:
    ok = {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}
    backend, seen = backend_with(
        [
            HttpResponse(503, {"retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"}, "busy"),
            HttpResponse(200, {}, ok),
        ]
    )
    (gen,) = run(backend, req())
    assert gen.text == "x" and len(seen) == 2


def test_backend_works_across_event_loops(fake_server: Start) -> None:
    server = fake_server(rules=[("", "ok")])
    backend = get_backend("openai:m", base_url=server.base_url, **FAST)
    assert asyncio.run(backend.generate(req())).text == "ok"
    assert asyncio.run(backend.generate(req())).text == "ok"
    asyncio.run(backend.aclose())

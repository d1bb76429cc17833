"""Fixtures for the model backend tests: a fake OpenAI-compatible server per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes.fake_openai import FakeOpenAI


@pytest.fixture
def fake_server() -> Iterator[Callable[..., FakeOpenAI]]:
    """``fake_server(**options)`` starts a server that is stopped when the test ends."""
    started: list[FakeOpenAI] = []

    def start(**options: Any) -> FakeOpenAI:
        options.setdefault("max_lifetime", 120.0)
        server = FakeOpenAI(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()

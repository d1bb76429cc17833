"""Dataset resolution: explicit path, cache, one download; offline is a clear UserError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from execbench.datasets import cache
from execbench.datasets.cache import Source, cache_dir, resolve
from execbench.errors import UserError

SOURCE = Source(name="Demo", url="https://example.invalid/demo.jsonl", filename="demo.jsonl", flag="--data")


def test_cache_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXECBENCH_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("EXECBENCH_CACHE")
    assert cache_dir() == Path.home() / ".cache" / "execbench"


def test_explicit_path_wins_and_cache_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXECBENCH_CACHE", str(tmp_path))
    assert resolve(SOURCE, tmp_path / "mine.jsonl") == tmp_path / "mine.jsonl"
    (tmp_path / "demo.jsonl").write_text("{}\n")

    def no_network(*_a: Any, **_k: Any) -> None:
        raise AssertionError("must not download when cached")

    monkeypatch.setattr(httpx, "get", no_network)
    assert resolve(SOURCE) == tmp_path / "demo.jsonl"


def test_first_use_downloads_into_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "sub"
    monkeypatch.setenv("EXECBENCH_CACHE", str(target))
    calls: list[str] = []

    def fake_get(url: str, **_kwargs: Any) -> httpx.Response:
        calls.append(url)
        return httpx.Response(200, content=b'{"id": 1}\n', request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", fake_get)
    path = resolve(SOURCE)
    assert path == target / "demo.jsonl" and path.read_bytes() == b'{"id": 1}\n'
    assert calls == [SOURCE.url]
    assert [p.name for p in target.iterdir()] == ["demo.jsonl"]  # no temp file left behind
    resolve(SOURCE)
    assert len(calls) == 1


@pytest.mark.parametrize("failure", ["connect", "status"])
def test_offline_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failure: str) -> None:
    monkeypatch.setenv("EXECBENCH_CACHE", str(tmp_path))

    def fake_get(url: str, **_kwargs: Any) -> httpx.Response:
        request = httpx.Request("GET", url)
        if failure == "connect":
            raise httpx.ConnectError("no route to host", request=request)
        return httpx.Response(404, request=request)

    monkeypatch.setattr(httpx, "get", fake_get)
    with pytest.raises(UserError) as info:
        resolve(SOURCE)
    message = str(info.value)
    assert "\n" not in message
    for part in ("Demo", SOURCE.url, "--data", "EXECBENCH_CACHE", str(tmp_path / "demo.jsonl")):
        assert part in message
    assert not (tmp_path / "demo.jsonl").exists()
    assert cache.__all__ == ["Source", "cache_dir", "resolve"]

"""The fake server itself: process mode, stats, lifetime, deterministic failure injection."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fakes.fake_openai import FakeOpenAI

FAKE = Path(__file__).resolve().parents[1] / "fakes" / "fake_openai.py"


def wait_for_port(port_file: Path, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if port_file.exists():
            return int(port_file.read_text())
        assert proc.poll() is None, "fake server exited early"
        time.sleep(0.02)
    raise AssertionError("fake server did not write its port")


def test_process_mode_serves_and_counts(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, str(FAKE), "--port-file", str(port_file), "--plan", "1:500", "--max-lifetime", "60"]
    )
    try:
        port = wait_for_port(port_file, proc)
        base = f"http://127.0.0.1:{port}"
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        assert httpx.post(f"{base}/v1/chat/completions", json=body).status_code == 500
        ok = httpx.post(f"{base}/v1/completions", json={"model": "m", "prompt": "hi"})
        assert ok.status_code == 200 and ok.json()["choices"][0]["text"].startswith("[ANSWER]")
        assert [m["id"] for m in httpx.get(f"{base}/v1/models").json()["data"]] == []
        stats = httpx.get(f"{base}/stats").json()
        assert stats["completions"] == 2 and stats["injected"] == {"500": 1}
        assert stats["by_path"]["/v1/models"] == 1
    finally:
        proc.kill()
        proc.wait()


def test_process_stops_by_itself_after_its_lifetime(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, str(FAKE), "--port-file", str(port_file), "--max-lifetime", "0.5"]
    )
    try:
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()


def test_seeded_fail_rate_is_reproducible() -> None:
    def injected(seed: int) -> list[str | None]:
        fake = FakeOpenAI(fail_rate=0.5, seed=seed)
        try:
            return [fake._failure_for(i) for i in range(1, 41)]
        finally:
            fake.stop()

    first = injected(7)
    assert first == injected(7)
    assert first != injected(8)
    assert 5 < sum(f is not None for f in first) < 35


def test_listens_on_loopback_only_and_rejects_unknown_failures() -> None:
    with FakeOpenAI() as fake:
        assert fake._httpd.server_address[0] == "127.0.0.1"
        assert httpx.get(f"http://127.0.0.1:{fake.port}/nope").status_code == 404
    with pytest.raises(ValueError):
        FakeOpenAI(plan={1: "explode"})

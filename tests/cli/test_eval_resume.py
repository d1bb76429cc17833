"""``execbench eval`` against a fake OpenAI-compatible server that fails on purpose, killed with
SIGKILL at random moments and resumed: one verdict per task and sample, the same summary as an
uninterrupted run, and a final rerun that makes no HTTP request at all."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(
        fail_rate=0.08,
        failures=("429", "500", "slow", "drop"),
        slow_s=0.3,
        seed=7,
        retry_after=0.01,
        max_lifetime=300,
    )
    fake.start()
    yield fake
    fake.stop()


def _cmd(base_url: str, store: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "execbench",
        "eval",
        "--suite",
        "builtin",
        "--model",
        "openai:fake-model",
        "--base-url",
        base_url,
        "--store",
        str(store),
        "--concurrency",
        "8",
        "--quiet",
        "--json",
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _run(cmd: list[str], timeout: float = 240) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_killed_runs_resume_to_the_same_result(server: FakeOpenAI, tmp_path: Path) -> None:
    reference = _run(_cmd(server.base_url, tmp_path / "reference.sqlite"))
    assert reference["status"] == "complete"
    assert reference["n_scored"] == reference["n_tasks"] > 0
    assert server.stats()["injected"], "the server should have injected failures"

    store = tmp_path / "killed.sqlite"
    rng = random.Random(1234)
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            _cmd(server.base_url, store),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
            cwd=ROOT,
            start_new_session=True,
        )
        time.sleep(rng.uniform(1.0, 4.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its sandbox workers, no chance to clean up
            kills += 1
        proc.wait()
    assert kills >= 2, "the run finished before it could be killed twice; kill earlier"

    resumed = _run(_cmd(server.base_url, store))
    assert resumed["run_id"] == reference["run_id"]
    assert resumed["status"] == "complete"
    assert resumed["metrics"] == reference["metrics"]
    assert resumed["by_construct"] == reference["by_construct"]
    with sqlite3.connect(store) as conn:
        total, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT task_id || '#' || sample) FROM results WHERE run_id = ?",
            (resumed["run_id"],),
        ).fetchone()
        responses = conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        keys = conn.execute("SELECT COUNT(DISTINCT cache_key) FROM results").fetchone()[0]
    assert total == distinct == resumed["n_tasks"]
    assert responses == keys  # every stored response is used once; none stored twice

    before = server.stats()["completions"]
    third = _run(_cmd(server.base_url, store))
    assert server.stats()["completions"] == before, "a finished run must be answered from the store"
    assert third["requests"] == 0 and third["metrics"] == reference["metrics"]

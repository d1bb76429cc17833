"""``execbench eval`` against a fake OpenAI-compatible server that fails on purpose, stopped with
Ctrl-C and killed with SIGKILL at random moments, then resumed: one verdict per task and sample,
the same summary as an uninterrupted run, and a final rerun that makes no HTTP request at all."""

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

from execbench.runs.suites import load_suite
from execbench.tasks import write_tasks

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


@pytest.fixture(scope="module")
def builtin_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 1200 tasks of the built-in suite as a task file, built once for the kill test
    (so that each killed invocation spends its time generating, not rebuilding the suite)."""
    path = tmp_path_factory.mktemp("suite") / "builtin-head.jsonl"
    write_tasks(load_suite("builtin", limit=1200), path)
    return path


def _cmd(base_url: str, store: Path, *, suite: str = "builtin") -> list[str]:
    return [
        *(sys.executable, "-m", "execbench", "eval", "--suite", suite, "--model", "openai:fake-model"),
        *("--base-url", base_url, "--store", str(store), "--concurrency", "16", "--quiet", "--json"),
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _run(cmd: list[str], timeout: float = 600) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _stored(store: Path) -> int:
    """Verdicts committed so far (0 while the store does not exist yet)."""
    if not store.exists():
        return 0
    try:
        conn = sqlite3.connect(store, timeout=5)  # read-write: a read-only one can fail on WAL files
        try:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # no results table yet, or locked past the timeout
        return 0


def _wait_for(proc: subprocess.Popen[str], store: Path, verdicts: int) -> None:
    """Until the run has stored ``verdicts`` verdicts (or ended, or a minute passed)."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and _stored(store) < verdicts and time.monotonic() < deadline:
        time.sleep(0.05)


def test_full_builtin_eval_completes(server: FakeOpenAI, tmp_path: Path) -> None:
    out = _run(_cmd(server.base_url, tmp_path / "full.sqlite"))
    assert out["status"] == "complete" and out["failures"] == 0
    assert out["n_scored"] == out["n_tasks"] == out["requests"] > 1000
    assert set(out["metrics"]) >= {"output", "input", "coverage", "state", "path"}
    assert out["by_construct"], "the built-in suite reports per construct"
    assert server.stats()["injected"], "the server should have injected failures"


def test_killed_runs_resume_to_the_same_result(
    server: FakeOpenAI, tmp_path: Path, builtin_head: Path
) -> None:
    suite = str(builtin_head)
    reference = _run(_cmd(server.base_url, tmp_path / "reference.sqlite", suite=suite))
    assert reference["status"] == "complete" and reference["n_scored"] == 1200

    store = tmp_path / "killed.sqlite"
    cmd = _cmd(server.base_url, store, suite=suite)
    rng = random.Random(1234)

    # First a Ctrl-C mid-run: a clean stop that says how to resume. The server answers a
    # random number of requests and then holds the rest, so the run cannot end before the
    # signal (on a fast, idle machine it otherwise could); the answered ones get verdicts.
    server.hold(rng.randint(20, 200))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT
    )
    try:
        _wait_for(proc, store, 1)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert _stored(store) > 0, "no verdict stored within a minute"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        server.release()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "resume with: execbench eval --suite" in err
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"

    # Then SIGKILLs: the CLI and its sandbox workers, no chance to clean up. The server holds
    # requests again, so each run is still going when it is killed.
    for attempt in range(2):
        server.hold(rng.randint(20, 300))
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            if attempt == 0:
                time.sleep(rng.uniform(0.3, 2.0))  # somewhere in start-up or the first requests
            else:
                _wait_for(proc, store, _stored(store) + 1)  # mid-generation, verdicts stored
            assert proc.poll() is None, "the run ended before it could be killed"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            server.release()
    assert 0 < _stored(store) < 1200

    resumed = _run(_cmd(server.base_url, store, suite=suite))
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
    assert total == distinct == resumed["n_tasks"] == 1200
    assert responses == keys  # every stored response is used; none stored twice

    before = server.stats()["completions"]
    third = _run(_cmd(server.base_url, store, suite=suite))
    assert server.stats()["completions"] == before, "a finished run must be answered from the store"
    assert third["requests"] == 0 and third["metrics"] == reference["metrics"]

"""End to end against a real model server: llama.cpp (``llama-cpp-python[server]``) serving
Gemma-3-270M through the completions API, started on 127.0.0.1 by a fixture.

``scripts/bootstrap`` installs the server into its own environment (``.venv-llama``, pinned
by ``requirements-llama.lock``); the tests are skipped, saying so, only when that
environment is missing. Each test is bounded to a few tasks and small ``max_tokens``.
Requests are counted in the server's access log.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LLAMA_PYTHON = Path(os.environ.get("EXECBENCH_LLAMA_PYTHON") or ROOT / ".venv-llama" / "bin" / "python")
LAUNCHER = Path(__file__).with_name("llama_server.py")
MODEL = "openai:gemma-3-270m"
SHARED = ROOT.parent / "shared" / "data"


class LlamaServer:
    """One llama.cpp server process, its URL and its access log."""

    def __init__(self, tmp: Path) -> None:
        self.log = tmp / "server.log"
        port_file = tmp / "port"
        self._log_fh = self.log.open("w")
        self.proc = subprocess.Popen(
            [str(LLAMA_PYTHON), str(LAUNCHER), "--port-file", str(port_file)],
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"llama server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        self.base_url = f"http://127.0.0.1:{int(port_file.read_text())}/v1"
        while True:  # ready when it answers /v1/models
            try:
                if httpx.get(f"{self.base_url}/models", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"llama server not ready: {self.log.read_text()[-2000:]}")
            time.sleep(0.3)

    def completions(self) -> int:
        """Completion requests the server has received, from its access log."""
        return sum('"POST /v1/completions' in line for line in self.log.read_text().splitlines())

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_fh.close()


def _require_llama() -> None:
    if not LLAMA_PYTHON.exists():
        pytest.skip(f"llama.cpp server not installed ({LLAMA_PYTHON} missing; run scripts/bootstrap)")
    probe = subprocess.run(
        [str(LLAMA_PYTHON), "-c", "import llama_cpp.server.app, uvicorn"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"llama.cpp server cannot be imported: {probe.stderr.strip().splitlines()[-1:]}")


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    _require_llama()
    server = LlamaServer(tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _eval_cmd(base_url: str, store: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "execbench", "eval", "--model", MODEL, "--base-url", base_url,
        "--api", "completions", "--store", str(store), "--strict-model", *args,
    ]  # fmt: skip


def _run(cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)


def _export(store: Path, run_id: str) -> list[dict]:  # type: ignore[type-arg]
    proc = _run(
        [sys.executable, "-m", "execbench", "export", run_id, "--format", "jsonl", "--store", str(store)]
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _crux() -> Path:
    data = SHARED / "cruxeval" / "cruxeval.jsonl"
    if not data.exists():
        pytest.skip(f"shared data not found at {data}")
    return data


def test_cruxeval_o_with_stops_then_a_rerun_without_requests(llama: LlamaServer, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    cmd = _eval_cmd(
        llama.base_url, store, "--suite", f"cruxeval-o:{_crux()}", "--limit", "3", "--max-tokens", "64"
    )
    before = llama.completions()
    first = _run([*cmd, "--json"])
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["status"] == "complete" and summary["requests"] == 3
    assert llama.completions() - before == 3
    assert set(summary["extraction"]["output"]) == {"cruxeval", "strict"}
    rows = _export(store, summary["run_id"])
    assert len(rows) == 3
    stopped = [r for r in rows if r["finish_reason"] == "stop"]
    # the stop sequence [/ANSWER] ends answers long before max_tokens
    assert stopped and all(r["completion_tokens"] < 32 and "[/ANSWER]" not in r["response"] for r in stopped)
    assert all(r["prompt"] and r["gold"] is not None and r["verdict"] in ("correct", "wrong") for r in rows)
    # the same command again: everything from the store, no request reaches the server
    seen = llama.completions()
    again = _run(cmd)
    assert again.returncode == 0, again.stderr
    assert llama.completions() == seen
    assert "model requests this time: 0" in again.stdout
    assert "CRUXEval-compatible" in again.stdout and "strict extraction" in again.stdout
    # another spelling of the same server is the same run and the same cache
    local = _run([*_eval_cmd(llama.base_url.replace("127.0.0.1", "localhost"), store), *cmd[-6:]])
    assert local.returncode == 0, local.stderr
    assert llama.completions() == seen and "model requests this time: 0" in local.stdout


def test_humaneval_codegen(llama: LlamaServer, tmp_path: Path) -> None:
    data = SHARED / "humaneval" / "HumanEval.jsonl.gz"
    if not data.exists():
        pytest.skip(f"shared data not found at {data}")
    store = tmp_path / "s.sqlite"
    proc = _run([*_eval_cmd(llama.base_url, store, "--suite", f"humaneval:{data}", "--limit", "2"),
                 "--max-tokens", "96", "--json"])  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] == "complete" and summary["tasks_per_kind"] == {"codegen": 2}
    rows = _export(store, summary["run_id"])
    assert all(r["completion_tokens"] <= 96 and r["finish_reason"] in ("stop", "length") for r in rows)


def test_trace_kinds_sampled(llama: LlamaServer, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    proc = _run(_eval_cmd(llama.base_url, store, "--suite", "builtin", "--kinds", "next-line,coverage",
                          "--sample", "4", "--seed", "1", "--max-tokens", "16", "--json"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["n_tasks"] == 4 and set(summary["tasks_per_kind"]) <= {"next-line", "coverage"}
    assert summary["partial"] is True and summary["tokens"]["completion_tokens"] > 0


def _responses(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_kill_9_then_resume_sends_only_what_is_missing(llama: LlamaServer, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    cmd = _eval_cmd(llama.base_url, store, "--suite", f"cruxeval-o:{_crux()}", "--limit", "6",
                    "--max-tokens", "48", "--concurrency", "2", "--quiet")  # fmt: skip
    before = llama.completions()
    proc = subprocess.Popen(cmd, env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _responses(store) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = _responses(store)
    assert 2 <= kept < 6
    listed = _run([sys.executable, "-m", "execbench", "runs", "list", "--json", "--store", str(store)])
    assert json.loads(listed.stdout)[0]["status"] == "stale"
    time.sleep(1.0)  # let the server finish what the killed client had in flight
    sent_before_resume = llama.completions()
    resumed = _run([*cmd[:-1], "--json"])
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "complete" and summary["n_scored"] == 6
    # only the missing answers were asked for: none that was stored is sent again
    assert llama.completions() - sent_before_resume == 6 - kept == summary["requests"]
    assert llama.completions() - before <= 6 + 2  # at most the 2 in flight at the kill were lost
    with sqlite3.connect(store) as conn:
        pairs = conn.execute("SELECT task_id, sample FROM results").fetchall()
    assert len(pairs) == len(set(pairs)) == 6


def test_a_server_killed_mid_run_is_one_line_and_keeps_results(tmp_path: Path) -> None:
    _require_llama()
    server = LlamaServer(tmp_path)
    store = tmp_path / "s.sqlite"
    try:
        cmd = _eval_cmd(server.base_url, store, "--suite", f"cruxeval-o:{_crux()}", "--limit", "6",
                        "--max-tokens", "48", "--concurrency", "1", "--max-retries", "1", "--quiet")  # fmt: skip
        proc = subprocess.Popen(
            cmd, env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 300
        while _responses(store) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        server.kill()
        _out, err = proc.communicate(timeout=300)
    finally:
        server.stop()
    assert proc.returncode == 1
    assert err.count("\n") == 1 and err.startswith("execbench: error: model backend failed"), err
    with sqlite3.connect(store) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert kept >= 1

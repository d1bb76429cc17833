"""How the report and the viewer hold up at scale, measured in headless chromium.

- a report of two runs of 50,000 tasks each (synthetic store written through the Store API):
  build time, page ready time, filter / search / drill-down times as the browser reports them;
- a 100,000-step trace in the viewer: open time and the time of each stepping action.

Prints one JSON line. Needs Debian's chromium and playwright (scripts/bootstrap installs both).

    .venv/bin/python bench/report_scale.py [--tasks 50000] [--steps 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "report"))

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def main() -> None:
    from playwright.sync_api import sync_playwright
    from report_helpers import synthetic_store

    from execbench.report import build_report, write_assets
    from execbench.report.pages import viewer_page
    from execbench.report.traces import write_trace
    from execbench.trace import TraceLimits, trace_call

    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=50_000)
    ap.add_argument("--steps", type=int, default=100_000)
    opts = ap.parse_args()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ids = synthetic_store(root / "s.sqlite", opts.tasks, runs=2)
        t0 = time.perf_counter()
        build_report(ids, root / "site", store_path=root / "s.sqlite")
        out["report_build_s"] = round(time.perf_counter() - t0, 2)
        code = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
        trace = trace_call(code, "f", str(opts.steps // 2), limits=TraceLimits(max_steps=opts.steps + 10))
        t0 = time.perf_counter()
        write_assets(root / "v")
        write_trace(root / "v" / "traces", 0, trace)
        (root / "v" / "viewer.html").write_text(viewer_page())
        out["viewer_write_s"] = round(time.perf_counter() - t0, 2)
        out["trace_steps"] = trace.steps
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                str(root / "profile"), executable_path="/usr/bin/chromium", headless=True, args=ARGS
            )
            page = ctx.new_page()
            page.goto((root / "site" / "index.html").as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            out["report_ready_ms"] = page.evaluate("EBReport.readyMs")
            page.select_option("#f-kind", "output")
            out["filter_kind_ms"] = page.evaluate("EBReport.lastFilterMs")
            page.fill("#f-search", "syn/4")
            out["search_ms"] = page.evaluate("EBReport.lastFilterMs")
            page.fill("#f-search", "")
            page.select_option("#f-kind", "")
            page.check("#f-disagree")
            out["disagree_ms"] = page.evaluate("EBReport.lastFilterMs")
            out["disagree_shown"] = int(page.inner_text("#f-count").split()[0])
            t = page.evaluate("performance.now()")
            page.click("#t-inner .trow >> nth=0")
            page.wait_for_selector("#drill[data-task]")
            out["drilldown_ms"] = page.evaluate("performance.now()") - t
            page.goto((root / "v" / "viewer.html").as_uri() + "#t=0")
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            out["viewer_ready_ms"] = page.evaluate("EBViewer.readyMs")
            for key, name in (("j", "step_ms"), ("ArrowDown", "step_over_ms"), ("k", "step_back_ms")):
                page.keyboard.press(key)
                out[name] = page.evaluate("EBViewer.lastActionMs")
            page.click("#src-4 button")
            page.keyboard.press("n")
            out["next_hit_ms"] = page.evaluate("EBViewer.lastActionMs")
            page.evaluate(f"EBViewer.go({trace.steps - 1})")
            out["jump_to_last_ms"] = page.evaluate("EBViewer.lastActionMs")
            page.keyboard.press("p")
            out["prev_hit_ms"] = page.evaluate("EBViewer.lastActionMs")
            ctx.close()
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}))


if __name__ == "__main__":
    main()

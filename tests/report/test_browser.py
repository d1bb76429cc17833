"""The report and the trace viewer in a real browser (Debian chromium via Playwright, headless).

One browser for the module (``browser_context``); every page records console errors and any
request that is not a local file.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from report_helpers import Built, Watched, run_cli, screenshot_dir

from execbench.report import write_assets
from execbench.report.pages import viewer_page
from execbench.report.traces import write_trace
from execbench.trace import load_trace, state_at, trace_call
from execbench.trace.render import execution_rows, plain_rows
from execbench.trace.schema import TraceWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trace"))

from test_render_order import PROGRAMS  # noqa: E402

pytestmark = pytest.mark.timeout(900)


def _open(w: Watched, url: str) -> None:
    w.page.goto(url)
    w.page.wait_for_selector("body[data-ready='1']", timeout=60_000)


def _non_blank(w: Watched, png: bytes) -> float:
    """Share of sampled pixels that differ from the most common color (decoded by the browser)."""
    data = "data:image/png;base64," + base64.b64encode(png).decode()
    return float(
        w.page.evaluate(
            """async (src) => {
              const img = new Image(); img.src = src; await img.decode();
              const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
              const g = c.getContext('2d'); g.drawImage(img, 0, 0);
              const d = g.getImageData(0, 0, c.width, c.height).data; const counts = new Map(); let n = 0;
              for (let i = 0; i < d.length; i += 4 * 7) { const k = (d[i] << 16) | (d[i+1] << 8) | d[i+2];
                counts.set(k, (counts.get(k) || 0) + 1); n++; }
              return 1 - Math.max(...counts.values()) / n; }""",
            data,
        )
    )


def _leaderboard_matches(w: Watched, built: Built, capsys: pytest.CaptureFixture[str]) -> int:
    shown = json.loads(run_cli(capsys, "runs", "show", built.run_id, "--store", str(built.store), "--json"))
    metrics = shown["summary"]["metrics"]
    cells = w.page.eval_on_selector_all(
        f"#leaderboard tr[data-run='{built.run_id}'] td[data-kind]",
        "els => els.map(e => [e.dataset.kind, e.dataset.value, e.dataset.ciLow, e.dataset.ciHigh, e.textContent])",
    )
    assert {c[0] for c in cells} == set(metrics)
    for kind, value, low, high, text in cells:
        m = metrics[kind]["pass@1"]
        assert (float(value), float(low), float(high)) == (m["value"], m["ci_low"], m["ci_high"])
        assert text == f"{m['value']:.2f} [{m['ci_low']:.2f}, {m['ci_high']:.2f}]"
    return len(cells)


def test_builtin_report_loads_clean_and_matches_runs_show(
    watched: Watched, builtin_report: Built, capsys: pytest.CaptureFixture[str], tmp_path_factory: Any
) -> None:
    _open(watched, (builtin_report.site / "index.html").as_uri())
    assert _leaderboard_matches(watched, builtin_report, capsys) >= 10
    # the builtin suite's size is the interpreter's (its line events differ by version, README)
    n = json.loads(
        run_cli(capsys, "runs", "show", builtin_report.run_id, "--store", str(builtin_report.store), "--json")
    )["n_tasks"]
    assert n > 6000 and watched.page.inner_text("#f-count") == f"{n} of {n} tasks"
    assert watched.page.locator("svg[role=img]").count() >= 7  # kinds, heat map, five trace features
    shots = screenshot_dir(tmp_path_factory)
    png = watched.page.screenshot(path=str(shots / "leaderboard.png"))
    assert _non_blank(watched, png) > 0.02
    # filters: kind + verdict + search narrow the list; the count says how far
    watched.page.select_option("#f-kind", "output")
    n_output = int(watched.page.inner_text("#f-count").split()[0])
    watched.page.select_option("#f-verdict", "c0")
    n_right = int(watched.page.inner_text("#f-count").split()[0])
    assert 0 < n_right < n_output < 6305
    watched.page.fill("#f-search", "recursion/")
    assert all(
        "recursion/" in t
        for t in watched.page.eval_on_selector_all("#t-inner .trow", "els => els.map(e => e.dataset.task)")
    )
    # drill-down: prompt, raw answer, extracted answer, truth, verdict, trace link
    watched.page.fill("#f-search", "")
    watched.page.select_option("#f-verdict", "")
    watched.page.click("#t-inner .trow >> nth=0")
    watched.page.wait_for_selector("#drill[data-task]")
    text = watched.page.inner_text("#drill")
    for part in (
        "Ground truth",
        "Prompt (direct)",
        "Raw answer (sample 0)",
        "Extracted answer",
        "status",
    ):
        assert part in text
    assert re.search(r"#1 baseline:floor: (right|wrong|skipped) \(status ", text)
    png = watched.page.locator("#drill").screenshot(path=str(shots / "drilldown.png"))
    assert _non_blank(watched, png) > 0.02
    href = watched.page.get_attribute("#d-trace", "href")
    assert href and href.startswith("viewer.html#t=")
    _open(watched, (builtin_report.site / "viewer.html").as_uri() + href[len("viewer.html") :])
    watched.page.keyboard.press("j")
    png = watched.page.screenshot(path=str(shots / "viewer.png"))
    assert _non_blank(watched, png) > 0.02
    assert watched.clean(), (watched.errors, watched.remote)


def test_cruxeval_replay_report_loads_clean(
    watched: Watched, cruxeval_report: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    _open(watched, (cruxeval_report.site / "index.html").as_uri())
    assert _leaderboard_matches(watched, cruxeval_report, capsys) == 1
    assert watched.page.inner_text("#f-count") == "800 of 800 tasks"
    watched.page.fill("#f-search", "sample_12/")
    watched.page.click("#t-inner .trow >> nth=0")
    watched.page.wait_for_selector("#drill[data-task='cruxeval/sample_12/output']")
    assert "open the trace in the viewer" in watched.page.inner_text("#drill")
    watched.page.click("#d-trace")
    watched.page.wait_for_selector("body[data-ready='1']")
    assert watched.page.inner_text("#v-pos").startswith("step 0 / ")
    assert watched.clean(), (watched.errors, watched.remote)


def _viewer_site(folder: Path, traces: list[Any]) -> Path:
    write_assets(folder)
    for i, t in enumerate(traces):
        write_trace(folder / "traces", i, t, title=f"t{i}")
    (folder / "viewer.html").write_text(viewer_page(), encoding="utf-8")
    return folder / "viewer.html"


def test_viewer_rows_are_the_execution_order_goldens(watched: Watched, tmp_path: Path) -> None:
    names = sorted(PROGRAMS)
    traces = [trace_call(*PROGRAMS[n]) for n in names]
    page = _viewer_site(tmp_path, traces)
    for i, trace in enumerate(traces):
        _open(watched, page.as_uri() + f"#t={i}")
        shown = watched.page.eval_on_selector_all("#v-rows-inner .vrow", "els => els.map(e => e.textContent)")
        assert shown == plain_rows(execution_rows(trace, keep=None)), names[i]
        watched.page.goto("about:blank")
    assert watched.clean(), watched.errors


_STEPPER = """def scale(v, k):
    w = v * k
    return w

def f(xs, k):
    out = []
    total = 0
    for x in xs:
        y = scale(x, k)
        out.append(y)
        total += y
    del y
    return total, out
"""


def _known_trace(tmp_path: Path) -> Any:
    """A trace written to a file and read back: the values the test expects are the file's."""
    t = trace_call(_STEPPER, "f", "[1, 2, 3], 10")
    path = tmp_path / "known.jsonl.gz"
    writer = TraceWriter(path, t.source, t.entry, t.call)
    for raw in t.raw:
        writer(raw)
    writer.close(t)
    return load_trace(path)


def _vars(w: Watched) -> dict[str, str]:
    rows = w.page.eval_on_selector_all(
        "#v-vars-body tr", "els => els.map(e => [e.dataset.name, e.querySelector('td.val').textContent])"
    )
    return dict(rows)


def _at(w: Watched) -> int:
    return int(re.match(r"step (\d+)", w.page.inner_text("#v-pos")).group(1))  # type: ignore[union-attr]


def test_keyboard_stepping_shows_the_trace_files_lines_and_values(watched: Watched, tmp_path: Path) -> None:
    trace = _known_trace(tmp_path)
    _open(watched, _viewer_site(tmp_path / "site", [trace]).as_uri() + "#t=0")
    page = watched.page
    for step in range(trace.steps):
        if step:
            page.keyboard.press("ArrowRight" if step % 2 else "j")
        assert _at(watched) == step
        assert int(page.get_attribute("#v-line", "data-line")) == trace.lines[step]
        assert _vars(watched) == {k: v["repr"] for k, v in state_at(trace, step).items()}
        assert page.locator("#v-source li.current").get_attribute("data-line") == str(trace.lines[step])
    for step in range(trace.steps - 2, trace.steps - 6, -1):
        page.keyboard.press("k" if step % 2 else "ArrowLeft")
        assert _at(watched) == step
        assert _vars(watched) == {k: v["repr"] for k, v in state_at(trace, step).items()}
    # g: go to a step by number, from the keyboard only
    page.keyboard.press("g")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    assert _at(watched) == 7
    assert watched.clean(), watched.errors


def test_breakpoints_and_step_over_land_on_the_right_steps(watched: Watched, tmp_path: Path) -> None:
    trace = _known_trace(tmp_path)
    lines, depth = trace.lines, [0] * trace.steps
    frames = trace.step_frames
    for s in range(trace.steps):
        depth[s] = 0 if frames[s] == frames[0] else 1
    _open(watched, _viewer_site(tmp_path / "site", [trace]).as_uri() + "#t=0")
    page = watched.page
    page.click("#src-10 button")  # breakpoint on `out.append(y)` by mouse...
    hits = [s for s, line in enumerate(lines) if line == 10]
    page.keyboard.press("n")
    assert _at(watched) == hits[0]
    page.keyboard.press("n")
    assert _at(watched) == hits[1]
    page.keyboard.press("p")
    assert _at(watched) == hits[0]
    page.keyboard.press("b")  # ...and off again from the keyboard (the current line is 10)
    page.keyboard.press("n")
    assert _at(watched) == hits[0] and "No later step" in page.inner_text("#v-status")
    # step over the call on line 9: from its step to the next step of the same frame
    call_step = next(s for s, line in enumerate(lines) if line == 9)
    page.keyboard.press("g")
    page.keyboard.type(str(call_step))
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    assert _at(watched) == call_step + 3 and lines[call_step + 3] == 10  # scale's two lines skipped
    # step out of scale: from inside the callee to the caller's next line
    page.keyboard.press("g")
    page.keyboard.type(str(call_step + 1))
    page.keyboard.press("Enter")
    assert depth[call_step + 1] == 1
    page.keyboard.press("ArrowUp")
    assert _at(watched) == call_step + 3
    # history and the call stack at a step inside the call
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#v-stack").splitlines()[0].startswith("scale — line 3")
    assert page.inner_text("#v-stack").splitlines()[1].startswith("f — line 9")
    assert watched.clean(), watched.errors


def test_a_100k_step_trace_opens_and_steps_quickly(watched: Watched, tmp_path: Path) -> None:
    code = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    trace = trace_call(code, "f", "50000")
    assert trace.steps >= 100_000 and trace.cut is None
    page = _viewer_site(tmp_path, [trace])
    _open(watched, page.as_uri() + "#t=0")
    opened = watched.page.evaluate("EBViewer.readyMs")
    fold = watched.page.locator("#v-rows-inner .vrow.fold")
    assert fold.count() == 1 and "iterations of the loop at line 3 folded" in fold.inner_text()
    before = watched.page.evaluate("EBViewer.visible.length")
    fold.locator("button").click()  # expand: every iteration's rows are listed
    assert watched.page.evaluate("EBViewer.visible.length") > before + 99_000
    timings = {"open": opened}
    for key in ("j", "j", "ArrowDown", "k"):
        watched.page.keyboard.press(key)
        timings[key] = watched.page.evaluate("EBViewer.lastActionMs")
    watched.page.click("#src-4 button")
    watched.page.keyboard.press("n")
    timings["next hit"] = watched.page.evaluate("EBViewer.lastActionMs")
    watched.page.keyboard.press("g")
    watched.page.keyboard.type(str(trace.steps - 1))
    watched.page.keyboard.press("Enter")
    timings["go to last"] = watched.page.evaluate("EBViewer.lastActionMs")
    assert _at(watched) == trace.steps - 1
    watched.page.keyboard.press("p")
    timings["prev hit"] = watched.page.evaluate("EBViewer.lastActionMs")
    assert _at(watched) == trace.steps - 2 - 1  # last `t += i` (then the loop's exit check, return)
    print("viewer timings (ms):", json.dumps({k: round(v, 1) for k, v in timings.items()}))
    # the generous bound: under a second per action, as the browser measures it
    assert all(v < 1000 for k, v in timings.items() if k != "open"), timings
    assert watched.clean(), watched.errors


_CONTRAST = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || ["0", "0", "0", "0"]).map(Number);
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  const bad = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || el.closest("svg") || el.closest(".sr-only")) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden") continue;
    const a = lum(rgb(cs.color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize), large = size >= 24 || (size >= 18.66 && parseInt(cs.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push([el.tagName, el.className, node.textContent.slice(0, 30), ratio.toFixed(2)]);
  }
  return bad; }"""

_CONTROLS = {
    "button",
    "textbox",
    "searchbox",
    "combobox",
    "checkbox",
    "spinbutton",
    "listbox",
    "link",
    "option",
    "image",
}


def _accessibility_problems(w: Watched) -> list[Any]:
    """Controls and images without an accessible name (Chromium's accessibility tree) and
    text below WCAG AA contrast."""
    cdp = w.page.context.new_cdp_session(w.page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    unnamed = [
        n["role"]["value"]
        for n in nodes
        if not n.get("ignored")
        and n.get("role", {}).get("value") in _CONTROLS
        and not str(n.get("name", {}).get("value") or "").strip()
    ]
    roles = {n.get("role", {}).get("value") for n in nodes}
    assert {"button", "combobox", "listbox"} & roles or "spinbutton" in roles  # the tree was really read
    return unnamed + w.page.evaluate(_CONTRAST)


def test_accessibility_keyboard_labels_contrast(
    watched: Watched, builtin_report: Built, tmp_path: Path
) -> None:
    page = watched.page
    _open(watched, (builtin_report.site / "index.html").as_uri())
    assert _accessibility_problems(watched) == []
    # keyboard only: Tab reaches every filter, then the task list; arrows + Enter open a task
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        active = page.evaluate("document.activeElement.id")
        reached.append(active)
        if active == "t-list":
            break
    assert {"f-search", "f-kind", "f-construct", "f-verdict", "f-disagree", "t-list"} <= set(reached), reached
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#drill[data-task]")
    assert page.evaluate("document.activeElement.id") == "drill"
    # the viewer: every control named, contrast, and reachable with Tab
    trace = _known_trace(tmp_path)
    _open(watched, _viewer_site(tmp_path / "site", [trace]).as_uri() + "#t=0")
    page.keyboard.press("j")
    assert _accessibility_problems(watched) == []
    wanted, reached = {"v-back", "v-fwd", "v-over", "v-out", "v-nexthit", "v-goto"}, []
    for _ in range(80):  # Tab cycles through the page (it starts after the current source line)
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        if wanted <= set(reached):
            break
    assert wanted <= set(reached), reached
    assert watched.clean(), watched.errors

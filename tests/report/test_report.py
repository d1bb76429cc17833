"""``execbench report`` / ``view`` without a browser: site contents, viewer data, plots, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from report_helpers import synthetic_store

from execbench.cli import main
from execbench.report import viewer_data
from execbench.report.collect import bin_label, trace_features
from execbench.report.plots import bar_chart, heatmap, line_chart
from execbench.trace import state_at, trace_call
from execbench.trace.schema import TraceWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trace"))

from test_render_order import PROGRAMS  # noqa: E402


def _state_from_data(d: dict[str, Any], step: int) -> dict[str, str]:
    """What the viewer computes: the frame's arguments, then each earlier line's changes."""
    frame = d["frames"][step]
    state = {k: v for k, v in d["args"].get(str(frame), []) if v is not None}
    for t in range(step):
        if d["frames"][t] == frame and d["changes"][t]:
            for k, v in d["changes"][t]:
                if v is None:
                    state.pop(k, None)
                else:
                    state[k] = v
    return state


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_viewer_data_rebuilds_every_steps_state(name: str) -> None:
    trace = trace_call(*PROGRAMS[name])
    d = viewer_data(trace)
    assert d["lines"] == list(trace.lines) and d["steps"] == trace.steps
    for step in range(trace.steps):
        assert _state_from_data(d, step) == {k: v["repr"] for k, v in state_at(trace, step).items()}


def test_viewer_data_marks_exceptions_where_raised_and_caught() -> None:
    trace = trace_call(*PROGRAMS["exc_in_call"])
    marks = viewer_data(trace)["marks"]
    by_line = {trace.lines[int(s)]: m for s, m in marks.items()}
    assert by_line[3] == "raises ValueError: neg"
    assert by_line[8] == "a call on this line raised ValueError: neg"
    assert by_line[9].startswith("caught ValueError")


def test_viewer_data_call_stack_and_stdout() -> None:
    code = "def g(x):\n    print(x)\n    return x\n\ndef f():\n    a = g(1)\n    b = g(2)\n    return a + b\n"
    trace = trace_call(code, "f", "")
    d = viewer_data(trace)
    inner = d["lines"].index(2, d["lines"].index(7))  # print in the second call
    assert d["lines"][d["caller"][inner]] == 7 and d["caller"][d["caller"][inner]] == -1
    assert d["stdout"][: d["out"][inner]] == "1\n"


def test_plots_are_well_formed_svg_with_titles() -> None:
    svgs = [
        bar_chart("t", ["a", "b"], [("r1", [(50.0, 40.0, 60.0), None])], ident="x", ylabel="%"),
        line_chart(
            "t",
            ["1", "2-3"],
            [("r1", [(10.0, 5.0, 20.0), (30.0, 20.0, 40.0)])],
            ident="y",
            ylabel="%",
            xlabel="n",
        ),
        heatmap("t", ["output"], ["loops", "recursion"], [[12.5, None]], ident="z"),
    ]
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "a 50.0% [40.0, 60.0]" in svgs[0] and "output × loops: 12.5%" in svgs[2]


def test_bins_and_trace_features() -> None:
    assert [bin_label(v)[1] for v in (0, 1, 2, 3, 4, 7, 8)] == ["0", "1", "2-3", "2-3", "4-7", "4-7", "8-15"]
    rec = trace_call("def f(n):\n    return 1 if n <= 1 else n * f(n - 1)\n", "f", "4")
    feats = trace_features(rec)
    assert feats["recursion_depth"] == 4 and feats["calls"] == 3 and feats["lines"] == 2
    loop = trace_call(
        "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n", "f", "[1, 2, 3]"
    )
    assert trace_features(loop)["loop_iterations"] == 3 and trace_features(loop)["steps"] == loop.steps


def test_report_of_synthetic_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "runs.sqlite"
    a, b = synthetic_store(store, 60, repair=True, codegen=True)
    site = tmp_path / "site"
    assert main(["report", a, b, "--store", str(store), "--out", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {site / 'index.html'}: 2 run(s), 60 tasks, 10 traces")
    html = (site / "index.html").read_text()
    # every asset is local: no http(s) URL anywhere in the site
    for f in site.rglob("*"):
        if f.is_file():
            assert not re.search(r"(src|href)=[\"']?(https?:)?//", f.read_text()), f
    assert "paired 95% CI" in html and "repair: solved per iteration" in html and "base vs plus" in html
    assert html.count("<svg") >= 9
    assert re.search(
        r'<table id="efficiency">.*model-0</th><td class="num">12</td><td class="num">1.38</td>', html
    )
    detail = (site / "data" / "detail-0.js").read_text()
    found = re.fullmatch(r"EBReport\.detail\(0,JSON\.parse\((.*)\)\);\n", detail, re.S)
    assert found, detail[:80]
    items = json.loads(json.loads(found.group(1)))
    first = items[1]
    assert first["runs"][0]["repair"]["iterations"][1]["diff"] == "-a1\n+b1"
    assert first["trace"] >= 0 and (site / "traces" / f"t{first['trace']}.js").exists()
    assert {"prompt", "truth", "runs", "call"} <= set(first)


def test_report_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "runs.sqlite"
    synthetic_store(store, 3, runs=1)
    assert main(["report", "nope", "--store", str(store), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("execbench: error: ") and err.count("\n") == 1
    (tmp_path / "file").write_text("x")
    assert main(["report", "synthetic0", "--store", str(store), "--out", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_view_serves_a_trace_file_on_localhost(tmp_path: Path) -> None:
    t = trace_call(*PROGRAMS["nested"])
    path = tmp_path / "t.jsonl.gz"
    writer = TraceWriter(path, t.source, t.entry, t.call)
    for raw in t.raw:
        writer(raw)
    writer.close(t)
    proc = subprocess.Popen(
        [sys.executable, "-m", "execbench", "view", str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/viewer\.html#t=0", line)
        assert url, line
        base = f"http://127.0.0.1:{url.group(1)}/"
        assert "Stepping controls" in httpx.get(base + "viewer.html").text
        data = httpx.get(base + "traces/t0.js").text
        assert data.startswith("EBViewer.head(JSON.parse(") and '\\"steps\\":6' in data
        assert httpx.get(base + "assets/viewer.js").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_binned_accuracy_intervals() -> None:
    from execbench.report.collect import binned_accuracy

    bins = binned_accuracy([(1, 1.0), (1, 0.0), (2, 1.0), (3, 1.0), (5, 0.5), (6, 1.0)])
    assert [(label, n) for label, n, _ in bins] == [("1", 2), ("2-3", 2), ("4-7", 2)]
    one = bins[0][2]
    assert one["value"] == 50.0 and 9 < one["ci_low"] < 10 and 90 < one["ci_high"] < 91  # Wilson, n = 2
    assert bins[2][2]["value"] == 75.0 and bins[2][2]["ci_low"] <= 75.0 <= bins[2][2]["ci_high"]

"""``build_report``: write the static site of one or more runs into a folder.

Layout: ``index.html`` (leaderboard, comparisons, plots as inline SVG, the task explorer),
``viewer.html`` (the trace viewer, ``#t=<N>``), ``assets/`` (CSS and two scripts, package
data), ``data/`` (task table and drill-down chunks) and ``traces/`` (one viewer data set
per traced call). Every file is local and every link relative: the site opens from the file
system and makes no network request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.report import plots
from execbench.report.collect import (
    FEATURES,
    RunData,
    bin_label,
    binned_accuracy,
    call_key,
    kinds_of,
    load_runs,
    trace_features,
)
from execbench.report.pages import page, viewer_page
from execbench.report.traces import js_call, trace_calls, write_trace
from execbench.runs.compare import compare_runs
from execbench.runs.stats import bootstrap_ci
from execbench.runs.store import Store

__all__ = ["build_report", "ReportInfo", "TASKS_PER_CHUNK", "DETAILS_PER_CHUNK", "write_assets"]

TASKS_PER_CHUNK = 5_000
DETAILS_PER_CHUNK = 200
MAX_COMPARISONS = 15


@dataclass(frozen=True)
class ReportInfo:
    out: Path
    runs: int
    tasks: int
    traces: int
    untraced: int


def write_assets(out: Path) -> None:
    """Copy the CSS and scripts (package data) into ``out/assets``."""
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for name in ("report.css", "report.js", "viewer.js"):
        text = resources.files("execbench.report").joinpath("assets", name).read_text(encoding="utf-8")
        (out / "assets" / name).write_text(text, encoding="utf-8")


def _pct(m: dict[str, float] | None) -> str:
    if not m:
        return '<td class="num">–</td>'
    return (
        f'<td class="num" data-value="{m["value"]!r}" data-ci-low="{m["ci_low"]!r}" data-ci-high="{m["ci_high"]!r}">'
        f'{m["value"]:.2f} <span class="ci">[{m["ci_low"]:.2f}, {m["ci_high"]:.2f}]</span></td>'
    )


def _run_name(i: int, r: RunData) -> str:
    return f"#{i + 1} {r.record.model}"


def _leaderboard(runs: list[RunData], kinds: list[str]) -> str:
    head = "".join(f'<th scope="col">{escape(k)} pass@1 [95% CI]</th>' for k in kinds)
    body = []
    for i, r in enumerate(runs):
        rec = r.record
        metrics = (rec.summary or {}).get("metrics", {})
        cells = "".join(
            _pct(metrics.get(k, {}).get("pass@1")).replace("<td", f'<td data-kind="{escape(k)}"', 1)
            for k in kinds
        )
        body.append(
            f'<tr data-run="{escape(rec.run_id)}"><th scope="row">{escape(_run_name(i, r))}</th>'
            f"<td><code>{escape(rec.run_id)}</code></td><td>{escape(rec.suite)}</td><td>{escape(rec.status)}</td>"
            f'<td class="num">{rec.n_samples}</td><td class="num">{rec.n_tasks}</td>{cells}</tr>'
        )
    return (
        '<div class="table-wrap" role="region" aria-label="Leaderboard table" tabindex="0">'
        '<table id="leaderboard"><caption>pass@1 per kind (percent) with 95% bootstrap intervals, '
        "as stored by the run (<code>execbench runs show RUN --json</code>)</caption>"
        '<thead><tr><th scope="col">run</th><th scope="col">id</th><th scope="col">suite</th>'
        f'<th scope="col">status</th><th scope="col">n</th><th scope="col">tasks</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _comparisons(store: Store, runs: list[RunData]) -> str:
    if len(runs) < 2:
        return "<p>One run: no paired comparison (give two or more runs).</p>"
    out = []
    for (i, a), (j, b) in list(combinations(enumerate(runs), 2))[:MAX_COMPARISONS]:
        cmp = compare_runs(store, a.record.run_id, b.record.run_id)
        rows = []
        for kind, k in cmp["kinds"].items():
            d, mc = k["delta"], k["mcnemar"]
            rows.append(
                f'<tr><th scope="row">{escape(kind)}</th><td class="num">{k["n_tasks"]}</td>'
                f'<td class="num">{k["a"]:.2f}</td><td class="num">{k["b"]:.2f}</td>'
                f'<td class="num" data-value="{d["value"]!r}">{d["value"]:+.2f} '
                f'<span class="ci">[{d["ci_low"]:+.2f}, {d["ci_high"]:+.2f}]</span></td>'
                f'<td class="num">{mc["a_only"]} / {mc["b_only"]}</td><td class="num">{mc["p_value"]:.3g}</td></tr>'
            )
        out.append(
            f'<table class="compare"><caption>{escape(_run_name(i, a))} (A) vs {escape(_run_name(j, b))} (B): '
            f"{len(cmp['disagreements'])} tasks disagree, {cmp['unpaired']} unpaired</caption>"
            '<thead><tr><th scope="col">kind</th><th scope="col">tasks</th><th scope="col">A</th><th scope="col">B</th>'
            '<th scope="col">A − B [paired 95% CI]</th><th scope="col">only A / only B right</th>'
            '<th scope="col">McNemar p</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(out)


def _plots_section(runs: list[RunData], kinds: list[str], features: dict[str, dict[str, int]]) -> str:
    names = [_run_name(i, r) for i, r in enumerate(runs)]
    parts = []

    def point(m: dict[str, float] | None) -> plots.Point:
        return (m["value"], m["ci_low"], m["ci_high"]) if m else None

    series = [
        (
            names[i],
            [point((r.record.summary or {}).get("metrics", {}).get(k, {}).get("pass@1")) for k in kinds],
        )
        for i, r in enumerate(runs)
    ]
    parts.append(
        "<figure>"
        + plots.bar_chart("pass@1 per kind", kinds, series, ident="p-kinds", ylabel="pass@1 (%)")
        + "<figcaption>pass@1 per kind and run; whiskers are 95% bootstrap intervals.</figcaption></figure>"
    )
    # kind x construct heat maps, one per run
    for i, r in enumerate(runs):
        by_c = (r.record.summary or {}).get("by_construct", {})
        if not by_c:
            continue
        constructs = sorted(by_c)
        grid = [[(by_c[c].get(k) or {}).get("pass@1", {}).get("value") for c in constructs] for k in kinds]
        parts.append(
            "<figure>"
            + plots.heatmap(
                f"pass@1 by kind and construct, {names[i]}", kinds, constructs, grid, ident=f"p-heat{i}"
            )
            + f"<figcaption>{escape(names[i])}: pass@1 (%) per kind (rows) and construct (columns); grey: no task."
            "</figcaption></figure>"
        )
    # accuracy vs trace features, all kinds pooled per run
    for key, label in FEATURES:
        per_run = []
        labels: dict[str, int] = {}
        for r in runs:
            pairs = []
            for t in r.tasks:
                f = features.get(t.task_id)
                if f is not None and t.task_id in r.pass1:
                    pairs.append((f[key], r.pass1[t.task_id]))
            bins = binned_accuracy(pairs)
            per_run.append({lab: (n, m) for lab, n, m in bins})
            for lab, _n, _m in bins:
                labels.setdefault(lab, len(labels))
        if not labels:
            continue
        order = sorted(labels, key=lambda lab: bin_label(int(lab.split("-")[0]))[0])
        series = [
            (names[i], [point(pr[lab][1]) if lab in pr else None for lab in order])
            for i, pr in enumerate(per_run)
        ]
        counts = ", ".join(f"{lab}: {per_run[0][lab][0]}" for lab in order if lab in per_run[0])
        parts.append(
            "<figure>"
            + plots.line_chart(
                f"pass@1 vs {label}", order, series, ident=f"p-{key}", ylabel="pass@1 (%)", xlabel=label
            )
            + f"<figcaption>pass@1 (all kinds of tasks about a traced call) by {escape(label)}, power-of-two bins, "
            f"95% intervals (Wilson; bootstrap with several samples). Tasks per bin ({escape(names[0])}): {escape(counts)}.</figcaption></figure>"
        )
    parts.append(_codegen_plot(runs, names))
    parts.append(_efficiency(runs, names))
    parts.append(_repair_plot(runs, names))
    return '<div class="plots">' + "".join(parts) + "</div>"


def _efficiency(runs: list[RunData], names: list[str]) -> str:
    """Mean ``details["efficiency"]`` of the codegen results that measured it, per run."""
    rows = []
    for i, r in enumerate(runs):
        vals = [
            float(row.details["efficiency"])
            for row in r.sample0.values()
            if row.kind == "codegen" and isinstance(row.details.get("efficiency"), int | float)
        ]
        if vals:
            rows.append(
                f'<tr><th scope="row">{escape(names[i])}</th><td class="num">{len(vals)}</td>'
                f'<td class="num">{sum(vals) / len(vals):.3g}</td></tr>'
            )
    if not rows:
        return ""
    return (
        '<table id="efficiency"><caption>Codegen efficiency where measured (mean of the results\' '
        '<code>efficiency</code>)</caption><thead><tr><th scope="col">run</th><th scope="col">results</th>'
        f'<th scope="col">mean</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _codegen_plot(runs: list[RunData], names: list[str]) -> str:
    series = []
    for i, r in enumerate(runs):
        rows = [row for row in r.sample0.values() if row.kind == "codegen"]
        plus = [row for row in rows if isinstance(row.details.get("plus"), bool)]
        if not plus:
            continue
        base_vals = [float(row.correct) for row in plus]
        plus_vals = [float(row.correct and row.details["plus"]) for row in plus]
        b, p = bootstrap_ci(base_vals), bootstrap_ci(plus_vals)
        series.append((names[i], [(b.value, b.ci_low, b.ci_high), (p.value, p.ci_low, p.ci_high)]))
    if not series:
        return ""
    return (
        "<figure>"
        + plots.bar_chart(
            "codegen: base vs plus tests", ["base", "plus"], series, ident="p-plus", ylabel="pass@1 (%)"
        )
        + "<figcaption>Codegen pass@1 on the base tests and on base + plus tests (first sample).</figcaption></figure>"
    )


def _repair_plot(runs: list[RunData], names: list[str]) -> str:
    series = []
    longest = 0
    for i, r in enumerate(runs):
        its = [
            row.details["repair"].get("iterations") or []
            for row in r.sample0.values()
            if isinstance(row.details.get("repair"), dict)
        ]
        if not its:
            continue
        longest = max(longest, max(len(x) for x in its))
        method = next(
            (
                row.details["repair"].get("method")
                for row in r.sample0.values()
                if isinstance(row.details.get("repair"), dict) and row.details["repair"].get("method")
            ),
            None,
        )
        points = []
        for k in range(longest):
            # the program each task holds after iteration k (its last one once it stopped):
            # the last point is the run's own solved count, as LDB's is_solved counts it
            solved = sum(1 for x in its if bool(x[min(k, len(x) - 1)].get("passed")))
            v = 100 * solved / len(its)
            points.append((v, v, v))
        series.append((f"{names[i]} ({method})" if method else names[i], points))
    if not series:
        return ""
    labels = [str(k) for k in range(longest)]
    return (
        "<figure>"
        + plots.line_chart(
            "repair: solved per iteration",
            labels,
            series,
            ident="p-repair",
            ylabel="solved (%)",
            xlabel="iteration",
        )
        + "<figcaption>Share of tasks whose program after each repair iteration passes the hidden "
        "tests, per run and method.</figcaption></figure>"
    )


def _explorer(runs: list[RunData], kinds: list[str], constructs: list[str]) -> str:
    def opts(values: list[str]) -> str:
        return "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)

    verdicts = '<option value="">any</option>' + "".join(
        f'<option value="c{i}">right in {escape(_run_name(i, r))}</option>'
        f'<option value="w{i}">wrong in {escape(_run_name(i, r))}</option>'
        for i, r in enumerate(runs)
    )
    return f"""
<section id="explorer" aria-labelledby="h-tasks"><h2 id="h-tasks">Tasks</h2>
<div class="filters" role="search" aria-label="Filter tasks">
<label for="f-search">Task id contains<input id="f-search" type="search" autocomplete="off"></label>
<label for="f-kind">Kind<select id="f-kind"><option value="">all</option>{opts(kinds)}</select></label>
<label for="f-construct">Construct<select id="f-construct"><option value="">all</option>{opts(constructs)}</select></label>
<label for="f-verdict">Verdict<select id="f-verdict">{verdicts}</select></label>
<label for="f-disagree"><span>Models disagree</span><input id="f-disagree" type="checkbox"></label>
<span id="f-count" role="status" aria-live="polite">loading…</span>
</div>
<div id="t-list" class="vlist" role="listbox" aria-label="Tasks (arrow keys move, Enter opens)" tabindex="0">
<div id="t-inner" class="vlist-inner"></div></div>
<section id="drill" aria-labelledby="d-title" tabindex="-1"><h2 id="d-title">Task details</h2>
<p class="muted">Choose a task above.</p></section>
</section>"""


def _detail_record(task: Any, runs: list[RunData], trace_index: int, why: str) -> dict[str, Any]:
    per_run = []
    for r in runs:
        row = r.sample0.get(task.task_id)
        if row is None:
            per_run.append(None)
            continue
        cot = r.record.config.get("prompt") == "cot"
        per_run.append(
            {
                "prompt": "cot" if cot else "direct",
                "prediction": row.prediction,
                "extracted": row.extracted,
                "correct": row.correct,
                "skipped": row.skipped,
                "status": row.status,
                "pass1": r.pass1.get(task.task_id),
                "details": {k: v for k, v in row.details.items() if k != "repair"},
                "repair": row.details.get("repair") if isinstance(row.details.get("repair"), dict) else None,
            }
        )
    return {
        "id": task.task_id,
        "kind": task.kind,
        "prompt": task.prompt,
        "prompt_cot": task.prompt_cot,
        "truth": task.answer,
        "call": f"{task.meta.get('entry')}({task.meta.get('args', '')})" if task.meta.get("entry") else None,
        "trace": trace_index,
        "why_no_trace": why,
        "runs": per_run,
    }


def build_report(
    refs: list[str],
    out: str | Path,
    *,
    store_path: str | Path | None = None,
    traces: bool = True,
    max_trace_steps: int = 100_000,
    workers: int | None = None,
) -> ReportInfo:
    """Write the report of the runs ``refs`` into ``out``; returns what it holds."""
    if not refs:
        raise UserError("give at least one RUN (see 'execbench runs list')")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder; give --out a folder")
    with Store.open(store_path, create=False) as store:
        runs = load_runs(store, refs)
        comparisons = _comparisons(store, runs)
    tasks: dict[str, Any] = {}
    for r in runs:
        for t in r.tasks:
            tasks.setdefault(t.task_id, t)
    keys: dict[tuple[str, str, str], int] = {}
    for t in tasks.values():
        key = call_key(t)
        if key is not None:
            keys.setdefault(key, len(keys))
    traced = trace_calls(list(keys), max_steps=max_trace_steps, workers=workers) if traces else []
    target.mkdir(parents=True, exist_ok=True)
    write_assets(target)
    features_by_key: dict[int, dict[str, int]] = {}
    for (key, idx), (trace, _why) in zip(keys.items(), traced, strict=False):
        if trace is not None:
            write_trace(target / "traces", idx, trace, title=f"{key[1]}({key[2]})"[:200])
            features_by_key[idx] = trace_features(trace)
    features: dict[str, dict[str, int]] = {}
    task_rows: list[list[Any]] = []
    details: list[dict[str, Any]] = []
    for t in tasks.values():
        key = call_key(t)
        idx = keys[key] if key is not None else -1
        ok = idx >= 0 and idx < len(traced) and traced[idx][0] is not None
        why = ""
        if not ok:
            why = (
                "traces were not built (--no-traces)"
                if key is not None and not traces
                else (
                    traced[idx][1]
                    if key is not None and idx < len(traced)
                    else "this task is not about one traceable call"
                )
            )
        if ok:
            features[t.task_id] = features_by_key[idx]
        verdicts = [(1 if r.first[t.task_id] else 0) if t.task_id in r.first else -1 for r in runs]
        task_rows.append(
            [
                t.task_id,
                t.kind,
                ",".join(map(str, t.meta.get("constructs") or [])),
                idx if ok else -1,
                verdicts,
            ]
        )
        details.append(_detail_record(t, runs, idx if ok else -1, why))
    (target / "data").mkdir(exist_ok=True)
    for k in range(0, len(task_rows), TASKS_PER_CHUNK):
        (target / "data" / f"tasks-{k // TASKS_PER_CHUNK}.js").write_text(
            js_call("EBReport.tasks", k // TASKS_PER_CHUNK, task_rows[k : k + TASKS_PER_CHUNK]),
            encoding="utf-8",
        )
    for k in range(0, len(details), DETAILS_PER_CHUNK):
        (target / "data" / f"detail-{k // DETAILS_PER_CHUNK}.js").write_text(
            js_call("EBReport.detail", k // DETAILS_PER_CHUNK, details[k : k + DETAILS_PER_CHUNK]),
            encoding="utf-8",
        )
    kinds = kinds_of(runs)
    constructs = sorted({str(c) for t in tasks.values() for c in t.meta.get("constructs") or []})
    boot = {
        "runs": [{"id": r.record.run_id, "name": _run_name(i, r)} for i, r in enumerate(runs)],
        "tasks": len(task_rows),
        "taskChunks": -(-len(task_rows) // TASKS_PER_CHUNK),
        "perTaskChunk": TASKS_PER_CHUNK,
        "perDetailChunk": DETAILS_PER_CHUNK,
    }
    run_list = "".join(
        f"<li>{escape(_run_name(i, r))}: <code>{escape(r.record.run_id)}</code> on {escape(r.record.suite)}, "
        f"{r.record.n_tasks} tasks, n = {r.record.n_samples}, prompt {escape(str(r.record.config.get('prompt', 'direct')))}</li>"
        for i, r in enumerate(runs)
    )
    body = (
        '<a class="sr-only" href="#explorer">Skip to the tasks</a>'
        f"<header><h1>execbench report</h1><ul>{run_list}</ul>"
        '<nav class="toc" aria-label="Sections"><a href="#h-lb">Leaderboard</a><a href="#h-cmp">Comparisons</a>'
        '<a href="#h-plots">Plots</a><a href="#h-tasks">Tasks</a></nav></header><main>'
        f'<section aria-labelledby="h-lb"><h2 id="h-lb">Leaderboard</h2>{_leaderboard(runs, kinds)}</section>'
        f'<section aria-labelledby="h-cmp"><h2 id="h-cmp">Paired comparisons</h2>{comparisons}</section>'
        f'<section aria-labelledby="h-plots"><h2 id="h-plots">Plots</h2>{_plots_section(runs, kinds, features)}</section>'
        f"{_explorer(runs, kinds, constructs)}</main>"
    )
    (target / "index.html").write_text(
        page(
            "execbench report",
            body,
            scripts=("assets/report.js",),
            inline=f"EBReport.boot({json.dumps(boot)});",
        ),
        encoding="utf-8",
    )
    (target / "viewer.html").write_text(viewer_page(), encoding="utf-8")
    n_traces = sum(1 for tr, _ in traced if tr is not None)
    return ReportInfo(target, len(runs), len(task_rows), n_traces, len(keys) - n_traces)

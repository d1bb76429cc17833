"""Human-readable views of runs: summary tables, run lists, comparisons, leaderboards, progress.

Pure builders of rich renderables from the JSON-able values the rest of ``runs`` produces,
so the CLI stays a thin "parse, call, print" and the same dicts back ``--json``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from execbench.runs.progress import RichProgress
from execbench.runs.store import RunRecord, effective_status

__all__ = [
    "fmt_ci",
    "summary_view",
    "runs_table",
    "run_view",
    "compare_view",
    "leaderboard_table",
    "RichProgress",
    "when",
    "out_console",
]


def out_console() -> Console:
    """stdout console; when piped (CI logs, files) use a fixed wide layout instead of 80 columns,
    so that the tables stay readable rather than being squeezed into ellipses."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=200)


def when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _short(spec: str) -> str:
    """``replay:/long/path/gen.json`` -> ``replay:gen.json``: tables show names, not paths."""
    head, sep, rest = spec.rpartition(":") if "/" in spec else ("", "", spec)
    if "/" in rest:
        rest = rest.rsplit("/", 1)[1]
    return f"{head}{sep}{rest}"


def fmt_ci(m: dict[str, float] | None, *, ci: bool = True) -> str:
    if not m:
        return "-"
    if not ci:
        return f"{m['value']:.2f}"
    return f"{m['value']:.2f} [{m['ci_low']:.1f}, {m['ci_high']:.1f}]"


def _one(m: dict[str, float] | None) -> str:
    return "-" if not m else f"{m['value']:.1f}"


def _ks(metrics: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    names: list[str] = []
    for per_kind in metrics.values():
        for name in per_kind:
            if name not in names:
                names.append(name)
    passes = sorted((n for n in names if n.startswith("pass@")), key=lambda n: int(n[5:]))
    return passes + [n for n in names if not n.startswith("pass@")]


def summary_view(summary: dict[str, Any]) -> Group:
    """The eval summary: per-kind metrics, per-construct pass@1, and where results went."""
    metrics: dict[str, dict[str, dict[str, float]]] = summary.get("metrics", {})
    title = (
        f"{_short(str(summary.get('model', '?')))} on {_short(str(summary.get('suite', '?')))}"
        f" ({summary.get('prompt', 'direct')} prompt)"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("kind")
    table.add_column("tasks", justify="right")
    names = _ks(metrics)
    for name in names:
        label = f"{name} [95% CI]" if name in ("pass@1", "score") else name
        table.add_column(label, justify="right")
    for kind, per in metrics.items():
        cells = [fmt_ci(per.get(n), ci=n in ("pass@1", "score")) for n in names]
        table.add_row(kind, str(summary.get("tasks_per_kind", {}).get(kind, "")), *cells)
    parts: list[Any] = [table]
    constructs: dict[str, dict[str, dict[str, dict[str, float]]]] = summary.get("by_construct", {})
    if constructs:
        ckinds = [k for k in metrics if any(k in per for per in constructs.values())]
        ctable = Table(
            title="pass@1 by construct and kind (CIs in --json)", title_justify="left", box=box.SIMPLE_HEAD
        )
        ctable.add_column("construct")
        ctable.add_column("tasks", justify="right")
        for kind in ckinds:
            ctable.add_column(kind, justify="right")
        for name, per in constructs.items():
            cells = [_one(per.get(k, {}).get("pass@1")) for k in ckinds]
            ctable.add_row(name, str(summary.get("tasks_per_construct", {}).get(name, "")), *cells)
        parts.append(ctable)
    extraction: dict[str, dict[str, dict[str, float]]] = summary.get("extraction", {})
    if extraction:
        xtable = Table(
            title="pass@1 by answer extraction [95% CI]", title_justify="left", box=box.SIMPLE_HEAD
        )
        xtable.add_column("kind")
        xtable.add_column("CRUXEval-compatible", justify="right")
        xtable.add_column("strict extraction", justify="right")
        for kind, per in extraction.items():
            xtable.add_row(kind, fmt_ci(per.get("cruxeval")), fmt_ci(per.get("strict")))
        parts.append(xtable)
    extra: dict[str, dict[str, float]] = summary.get("kind_metrics", {})
    if extra:
        etable = Table(title="kind-specific metrics", title_justify="left", box=box.SIMPLE_HEAD)
        etable.add_column("kind")
        etable.add_column("metrics")
        for kind, values in extra.items():
            etable.add_row(kind, ", ".join(f"{k} {v:.4g}" for k, v in values.items()))
        parts.append(etable)
    scored, expected = summary.get("n_scored", 0), summary.get("n_tasks", 0) * summary.get("n_samples", 1)
    statuses = ", ".join(f"{k} {v}" for k, v in summary.get("statuses", {}).items())
    lines = [
        f"{summary.get('n_tasks', 0)} tasks x {summary.get('n_samples', 1)} sample(s): {scored}/{expected} scored"
        f" ({summary.get('status', '?')}); checks: {statuses or 'none'}",
        f"model requests this time: {summary.get('requests', 0)}"
        + (f" ({summary['reused']} answers reused from the store)" if summary.get("reused") else "")
        + (
            f"; {summary['failures']} got no answer (counted wrong; last: {summary.get('last_error')})"
            if summary.get("failures")
            else ""
        )
        + (f"; isolation: {summary['isolation']}" if summary.get("isolation") else "")
        + (f"; {summary['seconds']:.1f}s" if "seconds" in summary else ""),
    ]
    tokens = summary.get("tokens")
    if tokens and tokens.get("responses"):
        lines.append(_tokens_line(tokens))
    if summary.get("transient_failures"):
        lines.append(
            f"{summary['transient_failures']} request(s) failed on the server side (not counted; "
            "rerun the same command to retry them)"
        )
    if summary.get("run_id"):
        rid = summary["run_id"]
        lines.append(f"results: run {rid} in {summary.get('store', '?')}")
        lines.append(f"  details: execbench runs show {rid}    export: execbench export {rid} --format csv")
    parts.append(Text("\n".join(lines)))
    return Group(*parts)


def _tokens_line(tokens: dict[str, Any]) -> str:
    line = (
        f"tokens: {tokens['prompt_tokens']} prompt + {tokens['completion_tokens']} completion over "
        f"{tokens['responses']} responses ({tokens['model_seconds']:.1f}s of model time"
    )
    if tokens.get("cost_usd"):
        line += f", ${tokens['cost_usd']:.4f}"
    if tokens.get("hit_max_tokens"):
        line += f"; {tokens['hit_max_tokens']} stopped at max_tokens"
    return line + ")"


def _headline(record: RunRecord) -> str:
    """pass@1 per kind as 'output 34.2 · input 36.0'."""
    metrics = (record.summary or {}).get("metrics", {})
    return " · ".join(f"{k} {m['pass@1']['value']:.1f}" for k, m in metrics.items() if "pass@1" in m) or "-"


def runs_table(records: Sequence[RunRecord]) -> Table:
    table = Table(title="runs", title_justify="left")
    for col in ("run", "created", "model", "suite", "n", "tasks", "status", "pass@1 by kind"):
        table.add_column(col)
    for r in records:
        table.add_row(
            r.run_id,
            when(r.created_at),
            r.model,
            r.suite,
            str(r.n_samples),
            str(r.n_tasks) + (" (part)" if _partial(r) else ""),
            effective_status(r),
            _headline(r),
        )
    return table


def _partial(record: RunRecord) -> bool:
    c = record.config
    return any(c.get(k) is not None for k in ("limit", "sample", "kinds"))


def run_view(record: RunRecord, tokens: dict[str, Any] | None = None) -> Group:
    """``runs show``: configuration, environment, timings, and the summary tables."""
    meta = Table(show_header=False, title=f"run {record.run_id}", title_justify="left")
    meta.add_column("field")
    meta.add_column("value")
    rows = [
        (
            "status",
            effective_status(record)
            + (
                " (its process is gone; rerun its command to resume)"
                if effective_status(record) == "stale"
                else ""
            ),
        ),
        ("model", record.model),
        ("suite", record.suite),
        ("created", when(record.created_at)),
        ("updated", when(record.updated_at)),
        (
            "config",
            ", ".join(
                f"{k}={v}"
                for k, v in record.config.items()
                if k not in ("suite_digest", "model_identity") and v is not None
            ),
        ),
        ("execbench / python", f"{record.execbench_version} / {record.python_version}"),
        ("platform", str(record.environment.get("platform", "?"))),
        ("executor", str(record.environment.get("executor", "?"))),
        ("isolation", record.isolation or "?"),
        ("timings (s)", ", ".join(f"{k} {v:.1f}" for k, v in sorted(record.timings.items()))),
    ]
    if tokens is not None:
        rows.append(
            ("tokens", _tokens_line(tokens) if tokens.get("responses") else "none (no model requests)")
        )
    for k, v in rows:
        meta.add_row(k, v)
    parts: list[Any] = [meta]
    if record.summary:
        parts.append(summary_view(record.summary))
    return Group(*parts)


def compare_view(result: dict[str, Any]) -> Group:
    table = Table(
        title=f"{result['a']['run_id']} ({result['a']['model']}) vs {result['b']['run_id']} "
        f"({result['b']['model']})",
        title_justify="left",
    )
    for col in (
        "kind",
        "paired tasks",
        "A pass@1",
        "B pass@1",
        "delta [95% CI]",
        "A only",
        "B only",
        "McNemar p",
    ):
        table.add_column(col, justify="right" if col != "kind" else "left")
    for kind, k in result["kinds"].items():
        d = k["delta"]
        table.add_row(
            kind,
            str(k["n_tasks"]),
            f"{k['a']:.2f}",
            f"{k['b']:.2f}",
            f"{d['value']:+.2f} [{d['ci_low']:+.1f}, {d['ci_high']:+.1f}]",
            str(k["mcnemar"]["a_only"]),
            str(k["mcnemar"]["b_only"]),
            f"{k['mcnemar']['p_value']:.3g} ({k['mcnemar']['method']})",
        )
    parts: list[Any] = [table]
    disagree = result.get("disagreements", [])
    if disagree:
        dt = Table(title=f"tasks where they disagree (first sample): {len(disagree)}", title_justify="left")
        for col in ("task", "kind", "A", "B"):
            dt.add_column(col)
        shown = disagree[: result.get("show", 20)]
        for item in shown:
            dt.add_row(
                item["task_id"],
                item["kind"],
                "right" if item["a"] else "wrong",
                "right" if item["b"] else "wrong",
            )
        parts.append(dt)
        if len(disagree) > len(shown):
            parts.append(Text(f"... {len(disagree) - len(shown)} more (use --json for all)"))
    if result.get("unpaired"):
        parts.append(Text(f"{result['unpaired']} tasks are in only one run and were left out"))
    return Group(*parts)


def leaderboard_table(rows: Sequence[dict[str, Any]], kinds: Sequence[str]) -> Table:
    table = Table(title="leaderboard (pass@1, %)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    widest = {c: max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in ("model", "suite")}
    for col in ("model", "suite", *kinds, "tasks", "n", "date", "run"):
        if col in widest:  # names are what the table is for: never cut them
            table.add_column(col, no_wrap=True, min_width=min(widest[col], 48))
        else:
            table.add_column(
                col,
                justify="right" if col in kinds or col in ("n", "tasks") else "left",
                overflow="fold",
                no_wrap=col in ("date", "run"),
            )
    for r in rows:
        cells = [_one(r["metrics"].get(k)) for k in kinds]
        tasks = f"{r['tasks']}{' (partial)' if r.get('partial') else ''}{'' if r['status'] == 'complete' else ' ' + r['status']}"
        table.add_row(r["model"], r["suite"], *cells, tasks, str(r["n"]), r["date"], r["run_id"])
    return table

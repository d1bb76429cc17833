"""The ``--plus`` / ``--efficiency`` options of ``score humaneval|mbpp`` (kept apart from score.py).

``add_arguments`` adds the options; ``prepare`` reads the ``--plus`` file before anything
runs; ``apply`` runs after the base verdicts, adds the plus
fields to the result rows and prints base vs plus pass@k, the per-task drops, and the
efficiency table. One code path, called from ``cli/score.py`` in one place.
``add_eval_arguments`` / ``check_eval`` / ``apply_eval`` do the same for ``eval`` (after the
run: the codegen results' ``details`` gain ``plus`` and ``efficiency``, see
:mod:`execbench.plus.evalrun`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from execbench.errors import UserError

__all__ = [
    "add_arguments",
    "add_eval_arguments",
    "apply",
    "apply_eval",
    "check_eval",
    "eval_lines",
    "prepare",
    "wanted",
]


def add_arguments(parser: argparse.ArgumentParser, *, stored: bool = False) -> None:
    """``--plus`` / ``--plus-timeout`` / ``--efficiency``; ``stored``: eval's wording (results in the store)."""
    plus_help = (
        "also judge codegen results on these extra tests (an 'execbench augment' PLUS.jsonl or "
        "EvalPlus's file); stored as details['plus']"
        if stored
        else "extra tests: an 'execbench augment' PLUS.jsonl or EvalPlus's HumanEval+/MBPP+ file"
    )
    efficiency_help = (
        "count bytecode instructions of correct codegen results and of the reference on "
        "performance inputs; stored as details['efficiency']"
        if stored
        else "count bytecode instructions of every correct sample and of the reference on "
        "performance inputs; report efficient@k"
    )
    parser.add_argument("--plus", type=Path, help=plus_help)
    parser.add_argument(
        "--plus-timeout", type=float, default=1.0, help="seconds per extra input (default 1.0)"
    )
    parser.add_argument("--efficiency", action="store_true", help=efficiency_help)


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "plus", None) or getattr(args, "efficiency", False))


def prepare(args: argparse.Namespace, problems: Mapping[str, Any]) -> Any:
    """Check the options and read the ``--plus`` file before anything runs (fail fast)."""
    if not wanted(args):
        return None
    from execbench.plus.plusfile import read_plus

    if not (math.isfinite(args.plus_timeout) and args.plus_timeout > 0):
        raise UserError(f"--plus-timeout must be a positive number of seconds, got {args.plus_timeout}")
    return read_plus(args.plus, problems) if args.plus else None


def apply(
    args: argparse.Namespace,
    problems: Mapping[str, Any],
    samples: Sequence[Any],
    rows: Sequence[dict[str, Any]],
    ks: Sequence[int],
    prelude: str,
    suites: Any,
    *,
    quiet: bool = False,
) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """Judge the extra inputs (and count costs); print the tables unless ``quiet`` (``--json``).

    Returns the result rows with the plus fields and a JSON-able summary for ``--json``."""
    from execbench.plus.execute import open_pool
    from execbench.plus.scoring import ratio_summary, score_plus

    with open_pool(args.workers) as pool:
        report = score_plus(
            problems,
            samples,
            rows,
            suites,
            ks=ks,
            pool=pool,
            prelude=prelude,
            timeout=args.plus_timeout,
            efficiency=args.efficiency,
        )
    eff = report.efficiency
    summary_json: dict[str, Any] = {
        "plus_pass_at_k": report.plus_pass_at_k,
        "plus_caught": len(report.caught),
        "efficient_at_k": eff.efficient_at_k if eff is not None else None,
    }
    if quiet:
        return report.rows, summary_json
    for note in report.notes[:5]:
        print(f"note: {note}")
    if report.plus_pass_at_k is not None:
        print("base vs plus:")
        for key, base in report.base_pass_at_k.items():
            plus = report.plus_pass_at_k.get(key, float("nan"))
            print(f"  {key}: base {100 * base:.2f}%  plus {100 * plus:.2f}%  drop {100 * (base - plus):.2f}")
        print(
            f"  {len(report.caught)} samples pass base but fail the extra tests; {len(report.drops)} tasks dropped"
        )
        for task, b, p in report.drops[:15]:
            print(f"    {task}: {100 * b:.0f}% -> {100 * p:.0f}%")
        if report.caught:
            print("  caught only by the extra tests (input the reference accepts; what went wrong):")
        for c in report.caught[:40]:
            print(f"    {c['task_id']} sample {c['index']}: {c['input'][:80]} -> {c['detail'][:100]}")
    if eff is not None:
        summary = ratio_summary(eff.ratios)
        ks_text = ", ".join(f"{k} = {100 * v:.2f}%" for k, v in eff.efficient_at_k.items())
        print(
            f"efficiency: {ks_text} over {eff.counted} counted correct samples ({eff.no_perf} tasks without performance inputs)"
        )
        if summary:
            print(
                "  cost / reference: median {median:.2f}x, p90 {p90:.2f}x, max {max:.1f}x; "
                "<=1x {le_1x:.0%}, >2x {gt_2x:.0%}, >10x {gt_10x:.0%}".format(**summary)
            )
        for c in eff.costly:
            print(
                f"  {c['task_id']} sample {c['index']}: {c['cost']} instructions, {c['ratio']:.2f}x the reference"
            )
    return report.rows, summary_json


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """``eval --plus PLUS.jsonl`` / ``--efficiency`` (codegen results of humaneval/mbpp suites)."""
    add_arguments(parser, stored=True)


def check_eval(args: argparse.Namespace) -> None:
    """The options' own errors, before the run starts."""
    if not wanted(args):
        return
    if not (math.isfinite(args.plus_timeout) and args.plus_timeout > 0):
        raise UserError(f"--plus-timeout must be a positive number of seconds, got {args.plus_timeout}")
    if args.plus is not None and not args.plus.is_file():
        raise UserError(f"--plus file not found: {args.plus}")


def _run_problems(suite: str, sources: set[str]) -> dict[str, Any]:
    """The dataset problems (with their reference solutions) behind a run's codegen tasks."""
    from execbench.datasets.humaneval import load_humaneval
    from execbench.datasets.mbpp import load_mbpp
    from execbench.runs.suites import split_suite
    from execbench.tasks import SUITES

    _, name, data = split_suite(suite)
    named = SUITES[name][0].split(":", 1)[0] if name is not None else None
    problems: dict[str, Any] = {}
    for source in sorted(sources):
        path = data if source == named else None
        problems.update(load_humaneval(path) if source == "humaneval" else load_mbpp(path))
    return problems


def apply_eval(args: argparse.Namespace, store: Any, run_id: str, suite: str) -> dict[str, Any] | None:
    """Measure the run's codegen results, merge the fields into their details, and return a
    JSON-able summary (``None`` when the options are not given or the run has no codegen)."""
    if not wanted(args):
        return None
    from execbench.plus.evalrun import CodegenResult, measure_codegen
    from execbench.plus.execute import open_pool
    from execbench.plus.plusfile import read_plus

    tasks = {t.task_id: t for t in store.load_tasks(run_id) if t.kind == "codegen"}
    sources = {str(t.meta.get("source")) for t in tasks.values()} & {"humaneval", "mbpp"}
    if not sources:
        return None
    problems = _run_problems(suite, sources)
    suites = read_plus(args.plus, problems) if args.plus else None
    results = [
        CodegenResult(
            key=(row.task_id, row.sample),
            problem=str(tasks[row.task_id].meta.get("problem", "")),
            code=row.extracted,
            correct=row.correct,
        )
        for row in store.load_results(run_id)
        if row.task_id in tasks and not row.skipped
    ]
    with open_pool(args.workers) as pool:
        updates, report = measure_codegen(
            problems, results, suites, efficiency=args.efficiency, pool=pool, timeout=args.plus_timeout
        )
    store.merge_details(run_id, updates)
    summary: dict[str, Any] = {"results": len(results), "updated": len(updates)}
    if report is not None:
        summary["base_pass_at_k"] = report.base_pass_at_k
        summary["plus_pass_at_k"] = report.plus_pass_at_k
        summary["plus_caught"] = len(report.caught)
        if report.efficiency is not None:
            summary["efficient_at_k"] = report.efficiency.efficient_at_k
            summary["efficiency_counted"] = report.efficiency.counted
    return summary


def eval_lines(summary: Mapping[str, Any]) -> list[str]:
    """The summary as a few printed lines (``eval`` without ``--json``)."""
    lines = []
    plus = summary.get("plus_pass_at_k")
    for key, base in (summary.get("base_pass_at_k") or {}).items():
        if plus is not None:
            lines.append(
                f"codegen {key}: base {100 * base:.2f}%  plus {100 * plus.get(key, float('nan')):.2f}% "
                f"({summary.get('plus_caught', 0)} results pass base but fail the extra tests)"
            )
    for key, value in (summary.get("efficient_at_k") or {}).items():
        lines.append(
            f"codegen {key}: {100 * value:.2f}% ({summary.get('efficiency_counted', 0)} correct results counted)"
        )
    lines.append(f"details['plus'/'efficiency'] stored on {summary.get('updated', 0)} codegen results")
    return lines

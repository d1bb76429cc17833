"""The ``--plus`` / ``--efficiency`` options of ``score humaneval|mbpp`` (kept apart from score.py).

``add_arguments`` adds the options; ``prepare`` reads the ``--plus`` file before anything
runs; ``apply`` runs after the base verdicts, adds the plus
fields to the result rows and prints base vs plus pass@k, the per-task drops, and the
efficiency table. One code path, called from ``cli/score.py`` in one place.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from execbench.errors import UserError

__all__ = ["add_arguments", "wanted", "prepare", "apply"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plus",
        type=Path,
        help="extra tests: an 'execbench augment' PLUS.jsonl or EvalPlus's HumanEval+/MBPP+ file",
    )
    parser.add_argument(
        "--plus-timeout", type=float, default=1.0, help="seconds per extra input (default 1.0)"
    )
    parser.add_argument(
        "--efficiency",
        action="store_true",
        help="count bytecode instructions of every correct sample and of the reference on "
        "performance inputs; report efficient@k",
    )


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

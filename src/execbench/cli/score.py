"""``execbench score``: drop-in scorers for published benchmarks (named compatibility modes).

- ``score humaneval`` / ``score mbpp``: openai/human-eval's ``evaluate_functional_correctness``
  (same samples in, same ``<samples>_results.jsonl`` out, same pass@k dict printed);
- ``score cruxeval``: CRUXEval's ``evaluate_generations`` (same generations JSON in, same
  scored JSON out).

Thin: parse, load, call :mod:`execbench.compat`, print. ``score tasks`` comes from
``execbench.cli.score_tasks`` when that module exists.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import math
import sys
from pathlib import Path
from typing import Any

from execbench.cli import _plus
from execbench.cli._common import add_workers_option
from execbench.compat.cruxeval import MODES, score_generations, validate_generations
from execbench.compat.humaneval import FunctionalReport, parse_samples, score_samples
from execbench.compat.ldb import PRELUDES, resolve_prelude
from execbench.compat.passk import parse_ks
from execbench.datasets.cruxeval import load_cruxeval
from execbench.datasets.humaneval import load_humaneval
from execbench.datasets.loading import read_json, read_jsonl
from execbench.datasets.mbpp import load_mbpp
from execbench.errors import UserError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    score = subparsers.add_parser(
        "score",
        help="score model outputs exactly as a published benchmark does",
        description="Score model outputs with a benchmark's own semantics (compatibility modes).",
    )
    score.set_defaults(handler=lambda args: _usage(score))
    sub = score.add_subparsers(dest="benchmark", metavar="BENCHMARK", parser_class=type(score))

    for name, loader_help in (("humaneval", "HumanEval.jsonl(.gz)"), ("mbpp", "LDB-format MBPP probs.jsonl")):
        p = sub.add_parser(
            name,
            help=f"{name} samples, like human-eval's evaluate_functional_correctness",
            description=f"Score {name} samples (JSONL with task_id and completion, or solution).",
        )
        p.add_argument("--samples", required=True, type=Path, help="samples JSONL(.gz)")
        p.add_argument(
            "--problems", type=Path, help=f"problems file ({loader_help}); default: cache/download"
        )
        p.add_argument("--k", default="1,10,100", help="pass@k values, comma-separated (default 1,10,100)")
        p.add_argument("--timeout", type=float, default=3.0, help="seconds per program (default 3.0)")
        p.add_argument("--out", type=Path, help="results JSONL (default: <samples>_results.jsonl)")
        p.add_argument(
            "--prelude",
            help=f"header put before every program: a preset ({', '.join(sorted(PRELUDES))}) or a file",
        )
        _common(p)
        p.add_argument("--json", action="store_true", help="print one JSON summary instead of the text lines")
        _plus.add_arguments(p)
        p.set_defaults(handler=_score_functional, benchmark=name)

    c = sub.add_parser(
        "cruxeval",
        help="CRUXEval generations, like CRUXEval's evaluate_generations",
        description="Score CRUXEval generations ({'sample_0': [str, ...], ...}).",
    )
    c.add_argument("--mode", required=True, choices=MODES, help="input or output prediction")
    c.add_argument("--generations", required=True, type=Path, help="generations JSON")
    c.add_argument("--data", type=Path, help="cruxeval.jsonl (default: cache/download)")
    c.add_argument("--out", required=True, type=Path, help="scored JSON to write")
    c.add_argument("--timeout", type=float, default=3.0, help="seconds per program (default 3.0)")
    _common(c)
    c.set_defaults(handler=_score_cruxeval)

    try:
        score_tasks = importlib.import_module("execbench.cli.score_tasks")
    except ModuleNotFoundError as exc:
        if exc.name != "execbench.cli.score_tasks":
            raise
    else:
        score_tasks.register(sub)


def _common(parser: argparse.ArgumentParser) -> None:
    add_workers_option(parser)
    parser.add_argument(
        "--no-dedupe",
        dest="dedupe",
        action="store_false",
        help="run identical programs every time (default: once, result shared; programs are deterministic)",
    )
    parser.add_argument(
        "--no-static",
        dest="static",
        action="store_false",
        help="run every program, also 'definitions + assert <literal> == <literal>' ones that are "
        "decided from their text by default",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="judge strictly (execbench's semantics: plain-data answers, no __eq__ of the program's "
        "objects, trusted helpers) instead of reproducing the benchmark's own verdicts",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _check_numbers(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UserError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")


def _score_functional(args: argparse.Namespace) -> int:
    ks = parse_ks(args.k)
    _check_numbers(args)
    prelude = resolve_prelude(args.prelude)
    mbpp = args.benchmark == "mbpp"
    rows = read_jsonl(args.samples, what="samples file")  # before any download: fail fast on local errors
    problems = load_mbpp(args.problems) if mbpp else load_humaneval(args.problems)
    samples = parse_samples(rows, problems, str(args.samples))
    plus_suites = _plus.prepare(args, problems)  # --plus / --efficiency: read and checked before any run
    out = args.out if args.out is not None else Path(str(args.samples) + "_results.jsonl")
    report = score_samples(
        problems,
        samples,
        ks=ks,
        timeout=args.timeout,
        prelude=prelude,
        call_check=not mbpp,
        mode=args.benchmark + ("+prelude" if prelude else ""),
        workers=args.workers,
        dedupe=args.dedupe,
        static=args.static,
        strict=args.strict,
    )
    rows = report.rows
    plus_summary: dict[str, Any] = {}
    if _plus.wanted(args):  # --plus / --efficiency: extra verdicts and cost, added to the rows
        if not args.json:
            _print_functional(report, out)
        rows, plus_summary = _plus.apply(
            args, problems, samples, report.rows, ks, prelude, plus_suites, quiet=args.json
        )
    _write(out, "".join(json.dumps(row) + "\n" for row in rows))
    if args.json:
        summary = {
            "mode": report.mode,
            "samples": len(report.rows),
            "passed": report.passed,
            "problems": report.problems,
            "attempted": report.attempted,
            "pass_at_k": report.pass_at_k,
            "strict_changes": report.stats.strict_changes,
            "out": str(out),
            "provenance": dict(report.provenance),
            **plus_summary,
        }
        print(json.dumps(summary))
        return 0
    if plus_summary:
        return 0
    _print_functional(report, out)
    return 0


def _strict_line(stats: Any, strict: bool) -> str:
    """How strict and compat judging differ on this batch (one summary line)."""
    changed = stats.strict_changes
    if strict:
        return f"judging: strict ({changed} verdicts differ from the benchmark's own semantics)"
    tampered = f"; {stats.overridden} harness passes refused (tampering)" if stats.overridden else ""
    return f"judging: compat; strict judging would change {changed} verdicts (--strict){tampered}"


def _print_functional(report: FunctionalReport, out: Path) -> None:
    if report.attempted < report.problems:
        print(
            f"note: {report.problems - report.attempted} of {report.problems} problems have no samples; "
            f"pass@k is over the {report.attempted} attempted",
            file=sys.stderr,
        )
    stats = report.stats
    ks = ", ".join(f"{k} = {100 * v:.2f}%" for k, v in report.pass_at_k.items()) or "no k fits the samples"
    print(
        f"{report.mode}: {report.passed}/{len(report.rows)} samples passed on {report.attempted} problems; "
        f"{ks} ({stats.unique} unique of {stats.executions} programs, {stats.static} decided statically, "
        f"{stats.wall_time:.1f}s, "
        f"isolation {stats.isolation or 'n/a'}); results: {out}"
    )
    print(_strict_line(stats, stats.judging == "strict"))
    print(report.pass_at_k)


def _score_cruxeval(args: argparse.Namespace) -> int:
    _check_numbers(args)
    raw = read_json(args.generations, what="generations file")
    samples = load_cruxeval(args.data)
    generations = validate_generations(raw, samples, str(args.generations))
    report = score_generations(
        samples,
        generations,
        args.mode,
        timeout=args.timeout,
        workers=args.workers,
        dedupe=args.dedupe,
        static=args.static,
        strict=args.strict,
    )
    _write(args.out, json.dumps(report.to_json()))
    missing = len(samples) - len(report.scored)
    if missing:
        print(
            f"note: {missing} of {len(samples)} samples have no generations; pass@k is over "
            f"the {len(report.scored)} scored (CRUXEval itself requires all)",
            file=sys.stderr,
        )
    empty = [key for key, gens in generations.items() if not gens]
    if empty:
        print(
            f"note: {len(empty)} samples (e.g. {empty[0]}) have no generations; CRUXEval's pass@k "
            "counts them as passed (n - c < k), and so does this mode",
            file=sys.stderr,
        )
    stats = report.stats
    skipped = sum(v.skipped for vs in report.verdicts.values() for v in vs)
    print(
        f"cruxeval-{args.mode}: {len(report.scored)} samples, {stats.executions} programs "
        f"({stats.unique} unique, {stats.static} decided statically, {stats.unique - stats.static} run, "
        f"{skipped} skipped), {stats.wall_time:.1f}s, isolation {stats.isolation or 'n/a'}"
    )
    print(_strict_line(stats, args.strict))
    print("pass@1:", round(report.pass_at_1, 1), "pass@5:", round(report.pass_at_5, 1))
    summary = {
        "pass_at_1": report.pass_at_1,
        "pass_at_5": report.pass_at_5,
        "strict_changes": stats.strict_changes,
        "out": str(args.out),
    }
    print(json.dumps({**summary, "provenance": dict(report.provenance)}))
    return 0


def _write(path: Path, text: str) -> None:
    """Write UTF-8 text; a ``.gz`` name is gzipped (as human-eval's ``write_jsonl`` does)."""
    data = text.encode("utf-8")
    try:
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None

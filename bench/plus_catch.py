"""A proxy for the HumanEval+ goal: how many wrong-but-base-passing programs a PLUS file catches,
and whether the inputs that catch them look inside the task's stated domain.

This is a **proxy**, not the HumanEval+ figure (EvalPlus's inputs are not available here):

- *wrong programs that pass the base tests* come from two sources: the LDB seed programs
  (gpt-3.5, CodeLlama, StarCoder) that pass HumanEval's own tests, and systematic mutants of
  the canonical solutions (one change each: a comparison ``<``/``<=``/``>``/``>=``/``==``/``!=``
  swapped, an arithmetic operator swapped, an int constant +-1, ``and``/``or`` swapped) that
  pass the base tests;
- the *denominator* for a catch rate is the programs that some valid input tells apart
  from the reference: here, those that any of the given ``--plus`` files (another seed, a
  larger budget, an older version) catches. Mutants no file catches are often equivalent to
  the reference and are counted separately, never as misses;
- the *false-alarm side*: every catch's failing input is checked by rules independent of
  augment's own shape rules (stated in :func:`domain_flags`): ties (the reference's answer
  changes when a list argument is reordered, although on the task's own tests it never
  does) and docstring keywords ("non-empty", "positive", "non-negative", "lowercase",
  "sorted") the input contradicts. Flagged catches are printed for inspection.

Usage::

    python bench/plus_catch.py --data ../shared/data --plus A.jsonl [--plus B.jsonl ...]
        [--wide W.jsonl] [--mutants-per-task 30]

The first ``--plus`` file is the one measured; the other ``--plus`` files (valid ones: other
seeds, budgets, versions) only widen the denominator. ``--wide`` files (``augment --wide``)
leave the seeds' shape, so what only they catch may be a false alarm: it is listed apart
and counted in no rate.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from execbench.compat.humaneval import parse_samples, score_samples
from execbench.datasets.humaneval import Problem, load_humaneval
from execbench.plus.augment import reference_program
from execbench.plus.execute import Job, open_pool, run_jobs
from execbench.plus.plusfile import read_plus
from execbench.plus.scoring import score_plus

MODELS = ("gpt-3.5-turbo-0613", "codellama", "starcoder")
_CMP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
_BIN = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


def _sites(tree: ast.AST, first_line: int) -> list[tuple[int, str]]:
    """(node index in ``ast.walk`` order, mutation) for every mutable node of the solution part."""
    out = []
    for i, node in enumerate(ast.walk(tree)):
        if getattr(node, "lineno", 0) < first_line:
            continue
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
            out.append((i, "cmp"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            out.append((i, "bin"))
        elif isinstance(node, ast.BoolOp):
            out.append((i, "bool"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            out += [(i, "+1"), (i, "-1")]
    return out


def _apply(code: str, index: int, how: str) -> str:
    tree = ast.parse(code)
    node = list(ast.walk(tree))[index]
    if how == "cmp":
        node.ops = [_CMP[type(node.ops[0])]()]  # type: ignore[attr-defined]
    elif how == "bin":
        node.op = _BIN[type(node.op)]()  # type: ignore[attr-defined]
    elif how == "bool":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore[attr-defined]
    else:
        node.value += 1 if how == "+1" else -1  # type: ignore[attr-defined]
    return ast.unparse(tree)


def mutants(problem: Problem, per_task: int, rng: random.Random) -> list[str]:
    """Up to ``per_task`` single-change mutants of the canonical solution (HumanEval: the body only)."""
    code = reference_program(problem)
    first = problem.prompt.count("\n") + 1 if not problem.canonical_solution.lstrip().startswith("def") else 1
    try:
        sites = _sites(ast.parse(code), first)
    except SyntaxError:
        return []
    rng.shuffle(sites)
    out, seen = [], {ast.unparse(ast.parse(code))}
    for index, how in sites:
        text = _apply(code, index, how)
        if text not in seen:
            seen.add(text)
            out.append(text)
        if len(out) >= per_task:
            break
    return out


_WORDS = {
    "nonempty": re.compile(r"non-?empty|not (?:be )?empty", re.I),
    "positive": re.compile(r"(?<!non-)(?<!non )\bpositive\b", re.I),
    "nonneg": re.compile(r"non-?negative", re.I),
    "lower": re.compile(r"lower ?case", re.I),
    "sorted": re.compile(r"\bsorted (?:list|array|in)\b|\bis sorted\b", re.I),
}


def _leaves(value: Any) -> list[Any]:
    if type(value) in (list, tuple, set):
        return [leaf for v in value for leaf in _leaves(v)]
    if type(value) is dict:
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [value]


def domain_flags(problem: Problem, args: list[Any], order_varies: bool, tests_order_free: bool) -> list[str]:
    """Flags for ``args`` (see :func:`_flags`), minus the docstring rules one of the task's own
    test inputs already breaks (HumanEval/116 says "non-negative" and tests negatives)."""
    from execbench.plus.seeds import extract_seeds

    flags = _flags(problem, args, order_varies, tests_order_free)
    seeds = extract_seeds(problem.prompt, problem.test, problem.entry_point)
    broken = {f for s in seeds for f in _flags(problem, list(s.args), False, False)}
    return [f for f in flags if f not in broken]


def _flags(problem: Problem, args: list[Any], order_varies: bool, tests_order_free: bool) -> list[str]:
    """Reasons an input may lie outside the task's stated domain (empty when none).

    Rules: ``tie`` -- the reference answers differently with a list argument reordered while
    on every one of the task's own test inputs it does not; ``empty`` -- the docstring says
    non-empty and an argument is empty; ``non-positive`` -- it says positive (not
    "non-positive") and a number is <= 0; ``negative`` -- it says non-negative and a number
    is < 0; ``uppercase`` -- it says lowercase and a string has capitals; ``unsorted`` -- it
    says sorted and a list is not. A docstring rule that one of the task's own test inputs
    breaks is not applied (the tests say what the domain is)."""
    doc = problem.prompt
    flags = []
    if order_varies and tests_order_free:
        flags.append("tie")
    found = {k for k, rx in _WORDS.items() if rx.search(doc)}
    leaves = [leaf for a in args for leaf in _leaves(a)]
    nums = [v for v in leaves if type(v) in (int, float)]
    if "nonempty" in found and any(type(a) in (list, tuple, str, dict, set) and not a for a in args):
        flags.append("empty")
    if "positive" in found and any(v <= 0 for v in nums):
        flags.append("non-positive")
    if "nonneg" in found and any(v < 0 for v in nums):
        flags.append("negative")
    if "lower" in found and any(type(v) is str and v != v.lower() for v in leaves):
        flags.append("uppercase")
    if "sorted" in found:
        for a in args:
            if type(a) is list and all(type(v) in (int, float) for v in a) and a != sorted(a):
                flags.append("unsorted")
                break
    return flags


def _order_info(
    problems: dict[str, Problem], pool: Any, items: list[tuple[str, str]]
) -> dict[tuple[str, str], bool]:
    """(task, input text) -> whether the reference's answer changes with a list argument
    reordered; ``(task, "")`` -> whether the task's own test inputs are all order-free."""
    from execbench.plus.seeds import args_text, extract_seeds

    tasks = sorted({t for t, _ in items})
    jobs, keys = [], []
    for t in tasks:
        p = problems[t]
        seeds = [args_text(s.args) for s in extract_seeds(p.prompt, p.test, p.entry_point)]
        mine = [text for tt, text in items if tt == t]
        arity = max((len(ast.literal_eval(x)) for x in mine + seeds), default=0)
        texts = tuple(seeds + mine)
        jobs.append(Job(reference_program(p), p.entry_point, texts, perm=tuple(range(arity)), timeout=2.0))
        keys.append((t, len(seeds), texts))
    out: dict[tuple[str, str], bool] = {}
    for (t, n_seeds, texts), batch in zip(keys, run_jobs(pool, jobs), strict=True):
        rows = list(batch.results)
        out[(t, "")] = bool(n_seeds) and not any(r.get("perm_varies") for r in rows[:n_seeds])
        for text, row in zip(texts[n_seeds:], rows[n_seeds:], strict=False):
            out[(t, text)] = bool(row.get("perm_varies"))
    return out


def _catches(
    problems: dict[str, Problem], samples: list[Any], base_rows: Any, files: list[Any], pool: Any
) -> list[dict[int, dict[str, Any]]]:
    out = []
    for suites in files:
        report = score_plus(problems, samples, base_rows, suites, ks=(1,), pool=pool)
        out.append({c["index"]: c for c in report.caught})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument(
        "--plus", type=Path, action="append", required=True, help="valid PLUS files; the first is measured"
    )
    ap.add_argument(
        "--wide", type=Path, action="append", default=[], help="--wide PLUS files: reported apart"
    )
    ap.add_argument("--mutants-per-task", type=int, default=30)
    ap.add_argument("--show", type=int, default=40, help="flagged/missed examples to print")
    args = ap.parse_args()
    problems = load_humaneval(args.data / "humaneval" / "HumanEval.jsonl.gz")
    rng = random.Random(0)
    sets: dict[str, list[dict[str, Any]]] = {}
    for model in MODELS:
        path = args.data / "ldb" / "humaneval" / "seed" / model / "seed.jsonl"
        sets[model] = [json.loads(line) for line in path.read_text().splitlines()]
    sets["mutants"] = [
        {"task_id": t, "solution": m}
        for t, p in problems.items()
        for m in mutants(p, args.mutants_per_task, rng)
    ]
    with open_pool() as pool:
        files = [read_plus(path, problems) for path in args.plus]
        wide = [read_plus(path, problems) for path in args.wide]
        for k, path in enumerate(args.plus):
            print(
                f"file {k}{' (measured)' if k == 0 else ''}: {path} ({sum(len(s.inputs) for s in files[k].values())} inputs)"
            )
        cols = ("programs", "pass base", "caught", "any file", "rate", "flagged", "wide only")
        print(f"{'source':<20}" + "".join(f"{c:>10}" for c in cols))
        flagged_all: list[tuple[str, int, dict[str, Any], list[str]]] = []
        caught_list: list[tuple[str, dict[str, Any]]] = []
        missed_all: list[tuple[str, int, dict[str, Any]]] = []
        wide_all: list[tuple[str, dict[str, Any]]] = []
        totals: Counter[str] = Counter()
        for name, rows in sets.items():
            samples = parse_samples(list(enumerate(rows)), problems, name)
            base = score_samples(problems, samples, ks=(1,), pool=pool)
            passing = sum(1 for r in base.rows if r["passed"])
            caught_by = _catches(problems, samples, base.rows, files, pool)
            wide_by = _catches(problems, samples, base.rows, wide, pool)
            every = [(k, i, c) for k, cb in enumerate(caught_by) for i, c in sorted(cb.items())]
            order = _order_info(problems, pool, [(c["task_id"], c["input"]) for _, _, c in every])
            bad: set[tuple[int, int]] = set()
            for k, i, c in every:
                key = (c["task_id"], c["input"])
                flags = domain_flags(
                    problems[c["task_id"]],
                    ast.literal_eval(c["input"]),
                    order[key],
                    order[(c["task_id"], "")],
                )
                if flags:
                    bad.add((k, i))
                    flagged_all.append((name, k, c, flags))
            measured = {i: c for i, c in caught_by[0].items() if (0, i) not in bad}
            flagged = len(caught_by[0]) - len(measured)
            valid = [{i for i in cb if (k, i) not in bad} for k, cb in enumerate(caught_by)]
            anyfile = set().union(*valid)
            wide_only = set().union(set(), *wide_by) - set().union(*caught_by)
            for i in sorted(anyfile - set(measured)):
                k = next(k for k, v in enumerate(valid) if i in v)
                missed_all.append((name, k, caught_by[k][i]))
            if name != "mutants":
                caught_list += [(name, c) for _, c in sorted(measured.items())]
            wide_all += [(name, next(cb[i] for cb in wide_by if i in cb)) for i in sorted(wide_only)]
            row = dict(
                programs=len(samples),
                passing=passing,
                caught=len(measured),
                anyfile=len(anyfile),
                flagged=flagged,
                wide=len(wide_only),
            )
            totals.update(row)
            _print_row(name, row)
        _print_row("all", totals)
        print(
            f"\nLDB programs the measured file catches ({len(caught_list)}; failing input -> what went wrong):"
        )
        for name, c in caught_list:
            print(f"  {name:<20}{c['task_id']:<15}{c['input'][:50]:<52}{c['detail'][:70]}")
        print(
            f"\ncatches whose failing input a domain rule flags, any file ({len(flagged_all)}; not counted as catches):"
        )
        for name, k, c, flags in flagged_all[: args.show]:
            print(f"  {name:<20}file {k}  {c['task_id']:<15}{','.join(flags):<14}{c['input'][:70]}")
        print(f"\ncaught by another valid file but not the measured one ({len(missed_all)}):")
        for name, k, c in missed_all[: args.show]:
            print(f"  {name:<20}file {k}  {c['task_id']:<15}{c['input'][:70]}")
        print(
            f"\ncaught only by a --wide file (inputs outside the seeds' shape; not counted) ({len(wide_all)}):"
        )
        for name, c in wide_all[: args.show]:
            print(f"  {name:<20}{c['task_id']:<15}{c['input'][:70]}")
    return 0


def _print_row(name: str, row: Any) -> None:
    rate = f"{100 * row['caught'] / row['anyfile']:.1f}%" if row["anyfile"] else "-"
    values = (
        row["programs"],
        row["passing"],
        row["caught"],
        row["anyfile"],
        rate,
        row["flagged"],
        row["wide"],
    )
    print(f"{name:<20}" + "".join(f"{v:>10}" for v in values))


if __name__ == "__main__":
    raise SystemExit(main())

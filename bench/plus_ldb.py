"""Base vs plus pass rates, efficient@1 and the most costly correct programs on the LDB seeds.

Scores the HumanEval canonical solutions and the LDB seed programs (gpt-3.5, CodeLlama,
StarCoder) on a PLUS file (``--plus``, from ``execbench augment humaneval``; or made here
with ``--budget``), with ``--efficiency``; prints one table (base, plus, drop, efficient@1),
every program only the extra tests catch (with the input and what went wrong), and the ten
most costly correct seed programs relative to the reference. Usage::

    python bench/plus_ldb.py --data ../shared/data [--plus PLUS.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from execbench.compat.humaneval import parse_samples, score_samples
from execbench.datasets.humaneval import load_humaneval
from execbench.plus.augment import AugmentConfig, augment_problems
from execbench.plus.execute import open_pool
from execbench.plus.plusfile import read_plus
from execbench.plus.scoring import ratio_summary, score_plus

MODELS = ("gpt-3.5-turbo-0613", "codellama", "starcoder")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--plus", type=Path)
    ap.add_argument("--budget", type=float, default=1.0)
    args = ap.parse_args()
    problems = load_humaneval(args.data / "humaneval" / "HumanEval.jsonl.gz")
    plus_path = args.plus
    with open_pool() as pool:
        if plus_path is None:
            plus_path = Path("humaneval-plus.jsonl")
            records = augment_problems(list(problems.values()), AugmentConfig(budget=args.budget), pool)
            plus_path.write_text("".join(json.dumps(r) + "\n" for r in records))
        suites = read_plus(plus_path, problems)
        sets = {
            "canonical": [
                (i, {"task_id": t, "completion": p.canonical_solution})
                for i, (t, p) in enumerate(problems.items())
            ]
        }
        for model in MODELS:
            path = args.data / "ldb" / "humaneval" / "seed" / model / "seed.jsonl"
            sets[model] = list(enumerate(json.loads(line) for line in path.read_text().splitlines()))
        print(
            f"{'programs':<20}{'base':>8}{'plus':>8}{'drop':>7}{'caught':>8}{'efficient@1':>13}{'median cost ratio':>19}"
        )
        costly, caught_all = [], []
        for name, rows in sets.items():
            samples = parse_samples(rows, problems, name)
            base = score_samples(problems, samples, ks=(1,), pool=pool)
            report = score_plus(problems, samples, base.rows, suites, ks=(1,), pool=pool, efficiency=True)
            assert report.efficiency is not None and report.plus_pass_at_k is not None
            b, p = report.base_pass_at_k["pass@1"], report.plus_pass_at_k["pass@1"]
            med = ratio_summary(report.efficiency.ratios).get("median", float("nan"))
            eff = report.efficiency.efficient_at_k.get("efficient@1", float("nan"))
            print(
                f"{name:<20}{100 * b:>7.2f}%{100 * p:>7.2f}%{100 * (b - p):>7.2f}{len(report.caught):>8}{100 * eff:>12.2f}%{med:>18.2f}x"
            )
            caught_all += [(name, c) for c in report.caught]
            if name != "canonical":
                costly += [(name, c) for c in report.efficiency.costly]
        print("\nprograms only the extra tests catch (failing input -> what went wrong):")
        for name, c in caught_all:
            print(f"  {name:<20}{c['task_id']:<15}{c['input'][:60]:<62}{c['detail'][:90]}")
        print("\nten most costly correct seed programs (bytecode instructions on the performance inputs):")
        for name, c in sorted(costly, key=lambda x: -x[1]["ratio"])[:10]:
            print(
                f"  {name:<20}{c['task_id']:<15}{c['cost']:>12,} vs reference {c['reference_cost']:>10,}  {c['ratio']:>9.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

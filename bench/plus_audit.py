"""An independent denominator for the HumanEval+ goal: a differential fuzzer, hand-classified.

``bench/plus_catch.py`` divides by what *our own* PLUS files catch, so it cannot see the
generator's blind spots. This script builds the denominator another way:

1. every LDB seed program (gpt-3.5, CodeLlama, StarCoder) that passes HumanEval's base
   tests is run, in the sandbox, next to the canonical solution on random inputs from
   :mod:`plus_audit_gen` -- a generator that shares nothing with ``execbench.plus`` (only
   the argument *types* of the task's tests, wide value ranges, mutations of the tests'
   values); an input counts when the reference returns plain data within 0.5 s, and the
   program disagrees (EvalPlus's comparison: ``judge.outputs_match``, atol 1e-6 for float
   outputs), raises, or times out;
2. every disagreeing program (and every program the measured PLUS file catches) is
   classified **by hand** against the docstring in ``bench/plus_audit.json``: ``wrong``
   (fails on an input EvalPlus's contract would plausibly accept; the input and a one-line
   reason are recorded) or ``domain`` (fails only on inputs a stated precondition
   excludes, e.g. "positive", "non-empty", equal lengths, or inputs with ties);
3. with ``--plus``, the measured file's catches are split into true catches (``wrong``
   programs) and false alarms (``domain`` programs), and its misses are listed.

Usage::

    python bench/plus_audit.py --data ../shared/data --plus PLUS.jsonl [--plus OTHER.jsonl]
        [--n 400] [--seed 0] [--dump D.json | --load D.json] [--draft DRAFT.json]

(``--dump``/``--load`` keep the fuzzer's findings between runs -- it takes ~6-9 min on two
busy cores; ``--draft`` writes verdicts suggested by :mod:`plus_audit_domain` to check by hand.)

Programs the fuzzer finds that ``plus_audit.json`` does not classify are printed as
``unclassified`` (with their shortest disagreeing inputs) and counted in no rate.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plus_audit_domain import REASON, in_domain  # noqa: E402
from plus_audit_gen import annotation_kinds, docstring_calls, fuzz_inputs, infer_kind, literal_calls  # noqa: E402

from execbench.compat.humaneval import parse_samples, score_samples  # noqa: E402
from execbench.datasets.humaneval import Problem, load_humaneval  # noqa: E402
from execbench.plus.augment import reference_program  # noqa: E402
from execbench.plus.execute import Job, open_pool, run_jobs  # noqa: E402
from execbench.plus.judge import outputs_match, read_literal  # noqa: E402
from execbench.plus.plusfile import read_plus  # noqa: E402
from execbench.plus.scoring import candidate_program  # noqa: E402

MODELS = ("gpt-3.5-turbo-0613", "codellama", "starcoder")
VERDICTS = Path(__file__).resolve().parent / "plus_audit.json"


def task_kinds(problem: Problem) -> tuple[list[tuple[Any, ...]], list[Any] | None]:
    """The tests' and docstring's literal argument tuples, and the argument kinds."""
    entry = problem.entry_point
    seeds = literal_calls(problem.test, {"candidate", entry}) + docstring_calls(problem.prompt, entry)
    arities = Counter(len(s) for s in seeds)
    if arities:
        arity = arities.most_common(1)[0][0]
        seeds = [s for s in seeds if len(s) == arity]
        return seeds, [infer_kind([s[i] for s in seeds]) for i in range(arity)]
    return [], annotation_kinds(problem.prompt, entry)


def _atol(outputs: list[Any]) -> float:
    def has_float(v: Any) -> bool:
        if type(v) is float:
            return True
        if type(v) in (list, tuple, set):
            return any(has_float(x) for x in v)
        return type(v) is dict and any(has_float(x) for x in v.values())

    return 1e-6 if any(has_float(o) for o in outputs) else 0.0


def disagreements(
    rows: tuple[dict[str, Any], ...], inputs: list[str], expected: list[str], atol: float, oracle: str | None
) -> list[tuple[str, str, str]]:
    """(input, what the program did, expected) for every input it gets wrong."""
    out = []
    for i, (text, exp) in enumerate(zip(inputs, expected, strict=True)):
        if i >= len(rows) or rows[i].get("error") == "total time limit":
            break  # the batch's time ran out: no verdict on the rest
        row = rows[i]
        if row.get("status") != "ok" or row.get("out") is None:
            out.append((text, f"{row.get('status')} {row.get('error', row.get('kind', ''))}".strip(), exp))
            continue
        args = read_literal(text) if oracle else None
        if not outputs_match(read_literal(row["out"]), read_literal(exp), atol, oracle=oracle, args=args):
            out.append((text, str(row["out"])[:120], exp))
    return out


def base_passing(problems: dict[str, Problem], data: Path, pool: Any) -> list[tuple[str, str, str]]:
    """(model, task id, program) of every LDB seed program that passes the base tests."""
    out = []
    for model in MODELS:
        path = data / "ldb" / "humaneval" / "seed" / model / "seed.jsonl"
        rows = list(enumerate(json.loads(line) for line in path.read_text().splitlines()))
        samples = parse_samples(rows, problems, model)
        base = score_samples(problems, samples, ks=(1,), pool=pool)
        for sample, row in zip(samples, base.rows, strict=True):
            if row["passed"]:
                out.append((model, sample.task_id, candidate_program(problems[sample.task_id], sample)))
    return out


def fuzz(problems: dict[str, Problem], progs: list[tuple[str, str, str]], n: int, seed: int, pool: Any):
    """{(model, task): [(input, got, expected), ...]} over the fuzzed inputs the reference answers."""
    tasks = sorted({t for _, t, _ in progs}, key=lambda t: int(t.split("/")[1]))
    suites: dict[str, tuple[list[str], list[str], float]] = {}
    jobs = []
    for t in tasks:
        p = problems[t]
        seeds, kinds = task_kinds(p)
        if not kinds:
            continue
        inputs = fuzz_inputs(seeds, kinds, n, random.Random(f"{seed}:{t}"))
        jobs.append((t, Job(reference_program(p), p.entry_point, tuple(inputs), timeout=0.5, total=90.0)))
    for (t, job), batch in zip(jobs, run_jobs(pool, [j for _, j in jobs]), strict=True):
        keep = [
            (text, str(row["out"]))
            for text, row in zip(job.inputs, batch.results, strict=False)
            if row.get("status") == "ok" and row.get("out") is not None
        ]
        suites[t] = ([k for k, _ in keep], [e for _, e in keep], _atol([read_literal(e) for _, e in keep]))
    live = [(m, t, code) for m, t, code in progs if t in suites]
    batches = run_jobs(
        pool,
        [
            Job(code, problems[t].entry_point, tuple(suites[t][0]), timeout=1.0, total=40.0)
            for _, t, code in live
        ],
    )
    found = {}
    for (m, t, _), batch in zip(live, batches, strict=True):
        inputs, expected, atol = suites[t]
        oracle = "poly_root" if problems[t].entry_point == "find_zero" else None
        bad = disagreements(batch.results, inputs, expected, atol, oracle)
        if bad:
            found[(m, t)] = sorted(bad, key=lambda b: (len(b[0]), b[0]))[:300]
    sizes = {t: len(s[0]) for t, s in suites.items()}
    return found, sizes


def plus_failures(problems: dict[str, Problem], progs: list[tuple[str, str, str]], path: Path, pool: Any):
    """{(model, task): failing inputs of the PLUS file} for every base-passing program it catches."""
    suites = read_plus(path, problems)
    live = [(m, t, code) for m, t, code in progs if t in suites and suites[t].inputs]
    jobs = [
        Job(code, suites[t].entry or problems[t].entry_point, suites[t].inputs, timeout=1.0, total=120.0)
        for _, t, code in live
    ]
    out = {}
    for (m, t, _), batch in zip(live, run_jobs(pool, jobs), strict=True):
        s = suites[t]
        bad = disagreements(batch.results, list(s.inputs), list(s.expected or ()), s.atol, s.oracle)
        if bad:
            out[(m, t)] = sorted(bad, key=lambda b: (len(b[0]), b[0]))
    return out


def _key(k: tuple[str, str]) -> tuple[int, str]:
    return int(k[1].split("/")[1]), k[0]


def classify(found: dict, problems: dict[str, Problem]) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """The in-domain disagreements (:mod:`plus_audit_domain`) of every program."""
    out = {}
    for (m, t), fails in found.items():
        out[(m, t)] = [f for f in fails if in_domain(t, read_literal(f[0]), read_literal(f[2]))]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--plus", type=Path, action="append", default=[], help="PLUS files to measure")
    ap.add_argument("--n", type=int, default=400, help="fuzzed inputs per task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verdicts", type=Path, default=VERDICTS)
    ap.add_argument("--dump", type=Path, help="write the fuzzer's disagreements (JSON) here")
    ap.add_argument("--load", type=Path, help="read the fuzzer's disagreements from a --dump file")
    ap.add_argument("--draft", type=Path, help="write draft verdicts (to check by hand) here")
    args = ap.parse_args()
    problems = load_humaneval(args.data / "humaneval" / "HumanEval.jsonl.gz")
    verdicts = (
        {(v["model"], v["task_id"]): v for v in json.loads(args.verdicts.read_text())}
        if args.verdicts.is_file()
        else {}
    )
    with open_pool() as pool:
        progs = base_passing(problems, args.data, pool)
        if args.load:
            found = {
                (r["model"], r["task_id"]): [tuple(f) for f in r["fails"]]
                for r in json.loads(args.load.read_text())
            }
            sizes = {}
        else:
            found, sizes = fuzz(problems, progs, args.n, args.seed, pool)
        caught = [plus_failures(problems, progs, path, pool) for path in args.plus]
    if args.dump:
        args.dump.write_text(
            json.dumps([{"model": m, "task_id": t, "fails": f} for (m, t), f in found.items()])
        )
    counts = Counter(m for m, _, _ in progs)
    print(f"base-passing LDB programs: {len(progs)} ({', '.join(f'{m} {c}' for m, c in counts.items())})")
    if sizes:
        print(f"fuzzed inputs the reference answers: {sum(sizes.values())} over {len(sizes)} tasks")
    inside = classify(found, problems)
    print(
        f"programs the fuzzer finds disagreeing: {len(found)}, on an in-domain input: {sum(1 for v in inside.values() if v)}"
    )
    plus_inside = [classify(got, problems) for got in caught]
    if args.draft:
        keys = sorted(set(found) | {k for got in caught for k in got}, key=_key)
        rows = []
        for k in keys:
            ex = (inside.get(k) or []) + [f for pi in plus_inside for f in pi.get(k, [])]
            ex.sort(key=lambda f: (len(f[0]), f[0]))
            rows.append(
                {
                    "task_id": k[1],
                    "model": k[0],
                    "verdict": "wrong" if ex else "domain",
                    "input": ex[0][0] if ex else (found.get(k) or next(g[k] for g in caught if k in g))[0][0],
                    "got": ex[0][1] if ex else "",
                    "expected": ex[0][2] if ex else "",
                    "reason": REASON.get(k[1], ""),
                }
            )
        args.draft.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n")
    table: Counter[tuple[str, str]] = Counter()
    for key, v in verdicts.items():
        table[(key[0], v["verdict"])] += 1
    print(f"\nhand-classified programs ({len(verdicts)}; {args.verdicts.name}):")
    print(f"{'model':<22}{'wrong':>8}{'slow':>8}{'domain':>8}")
    for m in MODELS:
        print(f"{m:<22}" + "".join(f"{table[(m, v)]:>8}" for v in ("wrong", "slow", "domain")))
    print(
        f"{'all':<22}"
        + "".join(f"{sum(table[(m, v)] for m in MODELS):>8}" for v in ("wrong", "slow", "domain"))
    )
    print("  wrong: a wrong answer or exception on an in-domain input; slow: only time-outs (1 s) where")
    print("  the reference answers in 0.5 s; domain: fails only on inputs a stated precondition excludes")
    wrong = {k for k, v in verdicts.items() if v["verdict"] in ("wrong", "slow")}
    slow = {k for k, v in verdicts.items() if v["verdict"] == "slow"}
    domain = {k for k, v in verdicts.items() if v["verdict"] == "domain"}
    for path, got, gin in zip(args.plus, caught, plus_inside, strict=True):
        hits = set(got)
        true = {k for k in hits & wrong if gin.get(k)}
        alarms = {k for k in hits if not gin.get(k)}
        print(f"\n{path}: catches {len(hits)} base-passing programs")
        value = wrong - slow
        print(
            f"  caught on an in-domain input: wrong {len(true & value)} of {len(value)}"
            f" = {100 * len(true & value) / max(1, len(value)):.1f}%; with slow {len(true)} of {len(wrong)}"
            f" = {100 * len(true) / max(1, len(wrong)):.1f}%"
        )
        print(
            f"  false alarms (caught only on out-of-domain inputs): {len(alarms)} = {100 * len(alarms) / max(1, len(hits)):.1f}% of catches, {100 * len(alarms) / len(progs):.2f}% of base-passing programs"
        )
        for k in sorted(alarms, key=_key):
            print(
                f"    false alarm  {k[1]:<14}{k[0]:<20}{got[k][0][0][:60]} -> {got[k][0][1][:30]} (expected {got[k][0][2][:30]})"
            )
        for k in sorted(true, key=_key):
            f = gin[k][0]
            print(f"    caught       {k[1]:<14}{k[0]:<20}{f[0][:60]} -> {f[1][:30]} (expected {f[2][:30]})")
        for k in sorted(wrong - true, key=_key):
            print(f"    missed       {k[1]:<14}{k[0]:<20}{verdicts[k]['input'][:60]}")
        for k in sorted(hits - wrong - domain, key=_key):
            print(f"    unclassified {k[1]:<14}{k[0]:<20}{got[k][0][0][:60]}")
    unclassified = sorted((k for k in found if k not in verdicts), key=_key)
    print(f"\nfuzzer-found programs not in {args.verdicts.name} ({len(unclassified)}):")
    for k in unclassified:
        f = (inside.get(k) or found[k])[0]
        print(
            f"  {k[1]:<14}{k[0]:<20}{'in ' if inside.get(k) else 'out'} {f[0][:60]} -> {f[1][:30]} (expected {f[2][:30]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

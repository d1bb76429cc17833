"""The sandbox side of execbench.plus: the runner, instruction counts, augmentation, judging."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from execbench.compat.humaneval import Sample
from execbench.datasets.humaneval import Problem
from execbench.plus.augment import AugmentConfig, augment_problems
from execbench.plus.execute import Job, open_pool, run_jobs
from execbench.plus.plusfile import Suite
from execbench.plus.scoring import score_plus

LOOP = "def f(n):\n    t = 0\n    for i in range(n):\n        if i % 2:\n            t += i\n    return t\n"


@pytest.fixture(scope="module")
def pool() -> Iterator[object]:
    with open_pool(2) as p:
        yield p


def test_runner_reports_plain_data_errors_and_features(pool) -> None:  # type: ignore[no-untyped-def]
    code = (
        LOOP
        + "class K: pass\ndef g(x):\n    if x == 0:\n        raise ValueError\n    return K() if x == 1 else [x, 'a', 1.5]\n"
    )
    (batch,) = run_jobs(pool, [Job(code, "g", ("[0]", "[1]", "[2]", "not a list"), features=True)])
    rows = batch.results
    assert batch.load_error is None and [r["status"] for r in rows] == ["error", "ok", "ok", "invalid"]
    assert rows[0]["error"] == "ValueError" and rows[1]["out"] is None and rows[1]["kind"] == "K"
    assert rows[2]["out"] == "[2, 'a', 1.5]" and any(">" in f for f in rows[2]["features"])
    (broken,) = run_jobs(pool, [Job("def f(:\n", "f", ("[1]",))])
    assert broken.load_error and broken.results == ()


def test_counters_are_reported_as_the_dicts_they_equal(pool) -> None:  # type: ignore[no-untyped-def]
    code = "import collections\ndef f(xs):\n    return collections.Counter(xs)\n"
    (batch,) = run_jobs(pool, [Job(code, "f", ("[[1, 1, 2]]",), perm=(0,))])
    assert batch.results[0]["out"] == "{1: 2, 2: 1}" and "perm_varies" not in batch.results[0]


def test_instruction_counts_are_deterministic_and_tamper_evident(pool) -> None:  # type: ignore[no-untyped-def]
    job = Job(LOOP, "f", ("[1000]", "[10]"), count=True)
    runs = [tuple(r["cost"] for r in run_jobs(pool, [job])[0].results) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2] and runs[0][0] > 10 * runs[0][1] > 0
    cheat = "import sys\ndef f(n):\n    sys.settrace(None)\n    try:\n        import sys as s; s.monitoring.set_events(s.monitoring.PROFILER_ID, 0)\n    except Exception:\n        pass\n    return sum(range(n))\n"
    (row,) = run_jobs(pool, [Job(cheat, "f", ("[100]",), count=True)])[0].results
    assert row.get("tampered") is True
    (capped,) = run_jobs(pool, [Job(LOOP, "f", ("[100000]",), count=True, max_cost=1000)])[0].results
    assert capped["status"] == "limit"


def test_contract_rejects_inputs(pool) -> None:  # type: ignore[no-untyped-def]
    (batch,) = run_jobs(pool, [Job(LOOP, "f", ("[3]", "[-1]"), contract="assert n >= 0")])
    assert [r["status"] for r in batch.results] == ["ok", "invalid"]


PROBLEM = Problem(
    task_id="T/1",
    prompt='def f(xs: list, k: int):\n    """Sum of the k largest.\n    >>> f([1, 5, 3], 2)\n    8\n    """\n',
    entry_point="f",
    test="def check(candidate):\n    assert candidate([1, 5, 3], 2) == 8\n    assert candidate([4, 4, 1, 0], 1) == 4\n    assert candidate([2, 9], 0) == 0\n",
    canonical_solution="    t = 0\n    for y in sorted(xs, reverse=True)[:k]:\n        t += y\n    return t\n",
)


def test_augment_is_deterministic_valid_and_catches_a_wrong_program(pool) -> None:  # type: ignore[no-untyped-def]
    config = AugmentConfig(per_task=40, seed=3, budget=0.3)
    first = augment_problems([PROBLEM], config, pool)
    again = augment_problems([PROBLEM], config, pool)
    assert first == again
    (record,) = first
    assert len(record["inputs"]) > 10 and len(record["inputs"]) == len(record["expected"]) == len(
        record["provenance"]
    )
    assert record["provenance"][0]["origin"] == "seed:test"
    assert {p["origin"] for p in record["provenance"]} >= {"seed:test", "coverage"}
    assert record["perf_inputs"] and all(c > 0 for c in record["perf_reference_cost"])
    other = augment_problems([PROBLEM], AugmentConfig(per_task=40, seed=4, budget=0.3), pool)
    assert other[0]["inputs"] != record["inputs"]
    suite = Suite("T/1", tuple(record["inputs"]), tuple(record["expected"]), perf_inputs=tuple(record["perf_inputs"]),
                  perf_expected=tuple(record["perf_expected"]))  # fmt: skip
    right = Sample("T/1", "    return sum(sorted(xs)[::-1][:k])\n")
    wrong = Sample("T/1", "    return sum(sorted(xs)[-k:])\n")  # k == 0 takes everything
    slow = Sample(
        "T/1",
        "    ys = list(xs)\n    t = 0\n    for _ in range(k):\n        m = max(ys)\n        ys.remove(m)\n        t += m\n    return t\n",
    )
    base = [
        {"task_id": "T/1", "passed": True},
        {"task_id": "T/1", "passed": True},
        {"task_id": "T/1", "passed": True},
    ]
    report = score_plus(
        {"T/1": PROBLEM}, [right, wrong, slow], base, {"T/1": suite}, ks=(1,), pool=pool, efficiency=True
    )
    rows = report.rows
    assert rows[0]["plus_passed"] and rows[2]["plus_passed"]
    assert not rows[1]["plus_passed"] and rows[1]["plus_failing_input"].endswith(", 0]")
    assert [c["index"] for c in report.caught] == [1]
    assert report.plus_pass_at_k == {"pass@1": 2 / 3} and report.base_pass_at_k == {"pass@1": 1.0}
    eff = report.efficiency
    assert eff is not None and eff.counted == 2 and rows[0]["cost"] > 0
    assert rows[1]["efficient"] is False


def test_reduce_contracts_and_wide(pool) -> None:  # type: ignore[no-untyped-def]
    full = augment_problems([PROBLEM], AugmentConfig(per_task=40, seed=1, budget=0.3, perf=False), pool)[0]
    small = augment_problems(
        [PROBLEM], AugmentConfig(per_task=40, seed=1, budget=0.3, perf=False, reduce=True), pool
    )[0]
    assert 0 < len(small["inputs"]) < len(full["inputs"]) and set(small["inputs"]) <= set(full["inputs"])
    assert all("--reduce" in p["why"] for p in small["provenance"])
    assert small["stats"]["rejected"]["dropped by --reduce"] == len(full["inputs"]) - len(small["inputs"])
    # the reduced suite still tells the k == 0 bug apart (a mutant-killing input survives)
    wrong = Sample("T/1", "    return sum(sorted(xs)[-k:])\n")
    suite = Suite("T/1", tuple(small["inputs"]), tuple(small["expected"]))
    report = score_plus(
        {"T/1": PROBLEM}, [wrong], [{"task_id": "T/1", "passed": True}], {"T/1": suite}, ks=(1,), pool=pool
    )
    assert report.rows[0]["plus_passed"] is False
    config = AugmentConfig(per_task=40, seed=1, budget=0.3, perf=False, contracts={"T/1": "assert k >= 1"})
    guarded = augment_problems([PROBLEM], config, pool)[0]
    assert all(not text.endswith(", 0]") for text in guarded["inputs"])
    assert guarded["stats"]["rejected"].get("rejected by the contract", 0) > 0
    wide = augment_problems(
        [PROBLEM], AugmentConfig(per_task=40, seed=1, budget=0.3, perf=False, wide=True), pool
    )[0]
    assert wide["stats"]["wide"] and wide["inputs"] != full["inputs"]


def test_performance_inputs_grow_to_the_target_by_length_and_by_magnitude(pool) -> None:  # type: ignore[no-untyped-def]
    by_length = Problem(
        task_id="T/2",
        prompt='def g(xs: list):\n    """Sum of the odd ones.\n    >>> g([3, 2, 3])\n    6\n    """\n',
        entry_point="g",  # seeds neither sorted nor unique: lists may grow (values stay in range)
        test="def check(candidate):\n    assert candidate([3, 2, 3]) == 6\n    assert candidate([5, 8]) == 5\n",
        canonical_solution="    t = 0\n    for x in xs:\n        if x % 2:\n            t += x\n    return t\n",
    )
    by_magnitude = Problem(
        task_id="T/3",
        prompt='def f(n: int):\n    """Sum of the odd numbers below n.\n    >>> f(10)\n    25\n    """\n',
        entry_point="f",
        test="def check(candidate):\n    assert candidate(5) == 4\n    assert candidate(12) == 36\n",
        canonical_solution="    t = 0\n    for i in range(n):\n        if i % 2:\n            t += i\n    return t\n",
    )
    records = augment_problems([by_length, by_magnitude], AugmentConfig(per_task=20, budget=0.2), pool)
    for record in records:
        costs = record["perf_reference_cost"]
        assert 100_000 <= max(costs) <= 3_000_000, (record["task_id"], costs)
        assert len(record["perf_inputs"]) == len(record["perf_expected"]) == len(costs)
    assert all(int(r["inputs"][-1].strip("[]")) <= 24 for r in records[1:])  # plus inputs stay in shape


CLOSEST = Problem(
    task_id="T/ties",
    prompt='def closest(xs: list):\n    """The two closest numbers, smaller first (xs has at least two)."""\n',
    entry_point="closest",
    test=(
        "def check(candidate):\n"
        "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2]) == (3.9, 4.0)\n"
        "    assert candidate([1.0, 2.0, 5.9, 4.0, 5.0]) == (5.0, 5.9)\n"
        "    assert candidate([1.0, 2.0, 3.0, 4.0, 5.0, 2.2]) == (2.0, 2.2)\n"
        "    assert candidate([1.1, 2.2, 3.1, 4.1, 5.1]) == (2.2, 3.1)\n"
    ),
    canonical_solution=(
        "    best = None\n"
        "    for i, a in enumerate(xs):\n"
        "        for j, b in enumerate(xs):\n"
        "            if i != j and (best is None or abs(a - b) < best[0]):\n"
        "                best = (abs(a - b), tuple(sorted((a, b))))\n"
        "    return best[1]\n"
    ),
)


def _unique_closest(xs: list[float]) -> bool:
    gaps = sorted(abs(a - b) for i, a in enumerate(xs) for b in xs[i + 1 :])
    return len(gaps) < 2 or gaps[0] != gaps[1]


def test_runner_reports_answers_that_depend_on_order(pool) -> None:  # type: ignore[no-untyped-def]
    code = CLOSEST.prompt + CLOSEST.canonical_solution
    # the last: two zero gaps, 3.5s found first reversed, rotated and swapped too (sorting tells)
    inputs = (
        "[[1.0, 2.0, 5.0]]",
        "[[1.0, 2.0, 3.0]]",
        "[[1.0, 2.0, 3.9, 3.5, 8.6, 2.5, 2.5, 3.5, 8.5, 6.5]]",
    )
    (batch,) = run_jobs(pool, [Job(code, "closest", inputs, perm=(0,))])
    assert [r.get("perm_varies") for r in batch.results] == [None, [0], [0]]
    mean = "def mean(xs):\n    return sum(xs) / len(xs)\n"  # a float sum reordered: rounding, not a tie
    (batch,) = run_jobs(pool, [Job(mean, "mean", ("[[0.1, 0.2, 0.3, 1e-17, 7.7]]",), perm=(0,))])
    assert batch.results[0]["status"] == "ok" and "perm_varies" not in batch.results[0]


def test_ties_are_not_kept_when_no_seed_answer_depends_on_order(pool) -> None:  # type: ignore[no-untyped-def]
    (record,) = augment_problems([CLOSEST], AugmentConfig(per_task=60, seed=2, budget=0.5, perf=False), pool)
    assert record["order_free"] == [0]
    assert record["stats"]["rejected"].get("answer depends on an order no seed's does (ties)", 0) > 0
    kept = [eval_args[0] for eval_args in map(ast.literal_eval, record["inputs"])]
    assert len(kept) > 10 and all(_unique_closest(xs) for xs in kept)
    # an order-dependent task is not restricted: every seed's answer changes with the order
    first = Problem("T/first", "def first(xs: list):\n", "first",
                    "def check(candidate):\n    assert candidate([3, 1, 2]) == 3\n    assert candidate([5, 4, 9]) == 5\n",
                    "    return xs[0]\n")  # fmt: skip
    (rec,) = augment_problems([first], AugmentConfig(per_task=30, seed=2, budget=0.2, perf=False), pool)
    assert "order_free" not in rec and len(rec["inputs"]) > 5


COMPUTED = Problem(
    task_id="T/computed",
    prompt="def shift(s: str):\n",
    entry_point="shift",
    test=(
        "def check(candidate):\n"
        "    import random\n"
        "    rng = random.Random(1)\n"
        "    assert candidate('abc') == 'bcd'\n"
        "    for _ in range(40):\n"
        "        s = ''.join(rng.choice('abcxyz') for _ in range(rng.randint(3, 8)))\n"
        "        assert candidate(s) == ''.join(chr((ord(c) - 97 + 1) % 26 + 97) for c in s)\n"
    ),
    canonical_solution="    return ''.join(chr((ord(c) - 97 + 1) % 26 + 97) for c in s)\n",
)

HELPER_ENTRY = Problem(
    task_id="T/helper",
    prompt="",
    entry_point="helper",
    test="def check(candidate):\n    assert twice([1, 2]) == [2, 4]\n    assert twice([0, 5, 7]) == [0, 10, 14]\ncheck(helper)\n",
    canonical_solution="def helper(x):\n    return 2 * x\ndef twice(xs):\n    return [helper(x) for x in xs]\n",
)


def test_seeds_recorded_from_computed_test_calls_and_the_tested_function(pool) -> None:  # type: ignore[no-untyped-def]
    config = AugmentConfig(per_task=60, seed=0, budget=0.3, perf=False)
    computed, helper = augment_problems([COMPUTED, HELPER_ENTRY], config, pool)
    origins = [p["origin"] for p in computed["provenance"]]
    assert origins[0] == "seed:test" and computed["inputs"][0] == "['abc']"  # literal first, then recorded
    assert origins.count("seed:test-run") == 40 and len(computed["inputs"]) > 40
    lower = set("abcdefghijklmnopqrstuvwxyz")  # six seen lowercase letters stand for the class
    assert all(set(ast.literal_eval(t)[0]) <= lower for t in computed["inputs"])
    assert helper["entry_point"] == "twice" and helper["provenance"][0]["origin"] == "seed:test"
    suite = Suite("T/helper", tuple(helper["inputs"]), tuple(helper["expected"]), entry="twice")
    wrong = Sample("T/helper", "def helper(x):\n    return 2 * x\ndef twice(xs):\n    return [2 * x for x in xs if x]\n", is_solution=True)  # fmt: skip
    report = score_plus(
        {"T/helper": HELPER_ENTRY}, [wrong], [{"task_id": "T/helper", "passed": True}], {"T/helper": suite},
        ks=(1,), pool=pool,
    )  # fmt: skip
    assert report.rows[0]["plus_passed"] is False


SLOPPY_ROOT = Problem(
    task_id="T/root",
    prompt="def poly(xs: list, x: float):\n    return sum(c * x**i for i, c in enumerate(xs))\n\n\ndef find_zero(xs: list):\n",
    entry_point="find_zero",
    test="def check(candidate):\n    for xs in ([1, 2], [-6, 11, -6, 1], [2, -3], [5, 7, -1, 3]):\n        assert abs(poly(xs, candidate(xs))) < 1\n",
    canonical_solution=(
        "    lo, hi = -1.0, 1.0\n"
        "    while poly(xs, lo) * poly(xs, hi) > 0:\n"
        "        lo, hi = 2 * lo, 2 * hi\n"
        "    while hi - lo > 1e-3:\n"
        "        mid = (lo + hi) / 2\n"
        "        if poly(xs, mid) * poly(xs, lo) > 0:\n"
        "            lo = mid\n"
        "        else:\n"
        "            hi = mid\n"
        "    return lo\n"
    ),
)


def test_inputs_whose_reference_answer_fails_the_oracle_are_dropped(pool) -> None:  # type: ignore[no-untyped-def]
    (record,) = augment_problems(
        [SLOPPY_ROOT], AugmentConfig(per_task=30, seed=0, budget=0.2, perf=False), pool
    )
    assert record["oracle"] == "poly_root" and record["stats"]["rejected"]["reference fails the oracle"] > 0
    assert record["inputs"]  # the seeds with an exact binary root ([1, 2] -> -0.5) stay
    for text, out in zip(record["inputs"], record["expected"], strict=True):
        xs, x = ast.literal_eval(text)[0], ast.literal_eval(out)
        assert abs(sum(c * x**i for i, c in enumerate(xs))) <= 1e-6


def test_boundary_facts_tell_equal_operands_apart(pool) -> None:  # type: ignore[no-untyped-def]
    code = "def f(day, month):\n    if month == 2 and day > 29:\n        return False\n    return day > 31 or day < 1\n"
    (batch,) = run_jobs(pool, [Job(code, "f", ("[29, 2]", "[28, 2]", "[33, 1]"), features=True)])
    (plain,) = run_jobs(pool, [Job(code, "f", ("[29, 2]", "[28, 2]", "[33, 1]"))])
    assert (
        [r["out"] for r in batch.results] == [r["out"] for r in plain.results] == ["False", "False", "True"]
    )
    at, below = (set(r["features"]) for r in batch.results[:2])
    assert "B2:22=" in at and "B2:22<" in below  # day > 29 met with day == 29: a new fact, same branch
    assert "P2:7=>2:22=" in at  # month == 2, then day == 29
    assert not any(f.startswith(("B", "P")) for f in plain.results[0].get("features", ()))


VALID_DATE = Problem(
    task_id="T/date",
    prompt="def valid(date):\n",
    entry_point="valid",
    test=(
        "def check(candidate):\n"
        "    assert candidate('03-11-2000') == True\n    assert candidate('15-01-2012') == False\n"
        "    assert candidate('04-0-2040') == False\n    assert candidate('06-04-2020') == True\n"
        "    assert candidate('01-01-2007') == True\n    assert candidate('') == False\n"
        "    assert candidate('2003-04-12') == False\n    assert candidate('06/04/2020') == False\n"
    ),
    canonical_solution=(  # lax: any three dash-separated numbers with a month and day in range
        "    try:\n        m, d, y = [int(x) for x in date.strip().split('-')]\n"
        "    except Exception:\n        return False\n    return 1 <= m <= 12 and 1 <= d <= 31\n"
    ),
)


def test_a_lax_validator_keeps_only_forms_its_seeds_accept(pool) -> None:  # type: ignore[no-untyped-def]
    (record,) = augment_problems(
        [VALID_DATE], AugmentConfig(per_task=120, seed=1, budget=1.0, perf=False), pool
    )
    rows = list(zip(map(ast.literal_eval, record["inputs"]), record["expected"], strict=True))
    accepted = [args[0] for args, out in rows if out == "True"]
    assert len(accepted) > 3 and all(s[2] == s[5] == "-" and len(s) == 10 for s in accepted)
    assert record["stats"]["rejected"].get("accepted in a form no accepted seed has", 0) > 0
    # outside the seeds' structure (letters in a field), kept only when the reference rejects it
    odd = [args[0] for args, out in rows if any(c.isalpha() for c in args[0])]
    assert odd and all(out == "False" for args, out in rows if args[0] in odd)

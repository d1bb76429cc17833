"""pass@k, bootstrap CIs and McNemar, checked by hand and against CRUXEval's published numbers."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execbench.runs.stats import (
    SampleOutcome,
    bootstrap_ci,
    bootstrap_indices,
    mcnemar,
    mean_pass_at_k,
    paired_bootstrap_ci,
    pass_at_k,
    task_counts,
)


def test_pass_at_k_by_hand() -> None:
    assert pass_at_k(10, 3, 1) == Fraction(3, 10)
    # 1 - C(7,2)/C(10,2) = 1 - 21/45
    assert pass_at_k(10, 3, 2) == 1 - Fraction(21, 45)
    assert pass_at_k(10, 9, 2) == 1
    assert pass_at_k(5, 0, 1) == 0
    assert pass_at_k(0, 0, 1) == 0


def test_cruxeval_rule_for_skipped_samples() -> None:
    # A skipped sample leaves n when something else is correct...
    outcomes = [SampleOutcome(True), SampleOutcome(False, skipped=True), SampleOutcome(False)]
    assert task_counts(outcomes) == (2, 1)
    # ... but when nothing is correct, every sample counts.
    none_right = [
        SampleOutcome(False, skipped=True),
        SampleOutcome(False),
        SampleOutcome(False, skipped=True),
    ]
    assert task_counts(none_right) == (3, 0)
    # CRUXEval: n - c < k gives 1 even when skipping left fewer than k samples.
    assert pass_at_k(2, 1, 5) == 1


@given(st.integers(1, 20).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_matches_the_product_form(nck: tuple[int, int, int]) -> None:
    n, c, k = nck
    if n - c < k:
        expected = 1.0
    else:
        expected = 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))
    assert float(pass_at_k(n, c, k)) == pytest.approx(expected, abs=1e-12)


def test_cruxeval_published_pass_at_k_exactly(shared_data: Path) -> None:
    for mode, p1 in (("output", 34.2125), ("input", 35.95)):
        scored = json.loads(
            (shared_data / f"cruxeval/samples/codellama-7b_temp0.2_{mode}_scored.json").read_text()
        )
        counts = [(len(v), sum(v)) for v in scored["raw_scored_generations"].values()]
        assert mean_pass_at_k(counts, 1) == p1
        assert mean_pass_at_k(counts, 5) == pytest.approx(scored["pass_at_5"], abs=1e-9)


def test_bootstrap_is_deterministic_and_brackets_the_mean() -> None:
    values = [1.0] * 30 + [0.0] * 70
    a = bootstrap_ci(values)
    b = bootstrap_ci(values)
    assert a == b
    assert a.value == pytest.approx(30.0)
    assert 20 < a.ci_low < 30 < a.ci_high < 40
    # Shared indices give the same interval as drawing them afresh with the same seed.
    assert bootstrap_ci(values, indices=bootstrap_indices(100)) == a


def test_bootstrap_of_a_constant_has_no_width() -> None:
    ci = bootstrap_ci([1.0] * 10)
    assert (ci.value, ci.ci_low, ci.ci_high) == (100.0, 100.0, 100.0)


def test_paired_bootstrap_sees_a_consistent_gain() -> None:
    a = [1.0] * 40 + [0.0] * 60
    b = [1.0] * 20 + [0.0] * 80
    ci = paired_bootstrap_ci(a, b)
    assert ci.value == pytest.approx(20.0)
    assert ci.ci_low > 0


def test_mcnemar_exact_by_hand() -> None:
    a = [True] * 10 + [False] * 2 + [True] * 5
    b = [False] * 10 + [True] * 2 + [True] * 5
    res = mcnemar(a, b)
    assert (res.a_only, res.b_only, res.method) == (10, 2, "exact")
    # two-sided binomial: 2 * (C(12,0)+C(12,1)+C(12,2)) / 2**12
    assert res.p_value == pytest.approx(2 * (1 + 12 + 66) / 4096)


def test_mcnemar_chi_square_by_hand() -> None:
    a = [True] * 30 + [False] * 10
    b = [False] * 30 + [True] * 10
    res = mcnemar(a, b)
    assert res.method == "chi2"
    assert res.statistic == pytest.approx((20 - 1) ** 2 / 40)
    assert res.p_value == pytest.approx(0.002663, abs=2e-6)


def test_mcnemar_without_discordant_pairs() -> None:
    res = mcnemar([True, False], [True, False])
    assert res.p_value == 1.0

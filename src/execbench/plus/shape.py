"""Validity by shape: what the seed inputs show about each argument, and whether a new value fits.

An input outside a problem's preconditions makes a correct program "fail", and false
alarms are worse than misses, so a generated input is kept only if every argument stays
within the shape all seeds share (unless ``--wide``):

- **types**, recursively (list of int, dict of str to list of float, ...; a position where
  seeds mix int and float accepts both);
- **numbers**: never below the smallest seed when no seed is negative, and a magnitude bound: at most the
  largest seed magnitude when that is >= 100 (seeds that large usually probe a stated
  bound), else ``max(10, 2 * largest)``;
- **strings**: the character classes seen (a letter or digit class counts as a whole class
  once seeds show enough distinct members of it, else only the characters seen;
  punctuation is always exact), never shorter than the shortest seed, and, when seeds are
  structured text (digits or punctuation between runs), the same run skeleton
  (``"03-11-2000"`` -> ``9-9-9``) with, per skeleton of two or more digit runs, the
  lengths seen at each run (``9-9-9`` with lengths 2/2/4: ``"03-11-200"`` is not a date the seeds show);
- **containers**: element shapes, never shorter than the shortest seed, sorted / unique /
  fixed-length when every seed is;
- **relations between arguments**: a constant length difference (``len(a) == len(b) - 1``)
  and index-like integers (``0 <= k <= len(xs)``) when every seed has them;
- **fixed list lengths**: a top-level list argument of one length (>= 2) in every one of at
  least :data:`FIXED_LIST_SEEDS` seeds keeps it ("a list of two strings");
- **int/float positions**: where seeds mix ints and floats and every float is fractional,
  a float stays fractional (``161.0`` vs ``161`` is the seeds' distinction);
- **lists holding a prime**: a top-level int-list argument that holds a prime in every one
  of at least :data:`FIXED_LIST_SEEDS` seeds keeps one;
- **composite integers**: a top-level int argument whose seeds (at least three distinct,
  all > 3) are all composite stays composite (HumanEval/59's "n is not a prime" is stated
  only in prose; the seeds show it, and a prime there is an input the problem excludes);
- **text formats**: the seeds' templates (digit runs abstracted) when seeds repeat one,
  symbols only from the seen set when every seed is punctuation (operators), and balanced
  brackets when every seed with brackets is balanced.

Pure functions over frozen dataclasses; the host never executes anything here.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "Shape",
    "Signature",
    "infer_signature",
    "conforms",
    "digit_runs",
    "is_prime",
    "skeleton",
    "template",
]

_CLASS_MIN = {"lower": 6, "upper": 6, "digit": 5}
_CLASSES = {"lower": string.ascii_lowercase, "upper": string.ascii_uppercase, "digit": string.digits}


def _char_class(ch: str) -> str:
    if ch in string.ascii_lowercase:
        return "lower"
    if ch in string.ascii_uppercase:
        return "upper"
    if ch in string.digits:
        return "digit"
    return "other"


def skeleton(text: str) -> str:
    """Runs of letters -> ``a``, of digits -> ``9``; every other character kept."""
    out: list[str] = []
    for ch in text:
        cls = _char_class(ch)
        sym = "a" if cls in ("lower", "upper") else "9" if cls == "digit" else ch
        if not out or out[-1] != sym or sym not in "a9":
            out.append(sym)
    return "".join(out)


def digit_runs(text: str) -> tuple[int, ...]:
    """Lengths of the runs of digits, in order (``"03-11-2000"`` -> ``(2, 2, 4)``)."""
    runs: list[int] = []
    prev = False
    for ch in text:
        digit = ch in string.digits
        if digit:
            if prev:
                runs[-1] += 1
            else:
                runs.append(1)
        prev = digit
    return tuple(runs)


def template(text: str) -> str:
    """Digit runs -> ``9``, everything else kept (``"5 apples and 6 oranges"`` -> ``9 apples and 9 oranges``)."""
    out: list[str] = []
    for ch in text:
        sym = "9" if ch in string.digits else ch
        if not (out and out[-1] == "9" and sym == "9"):
            out.append(sym)
    return "".join(out)


def _balanced(text: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


@dataclass(frozen=True)
class Shape:
    """What the seeds show for one value position. ``kinds`` holds the type names seen."""

    kinds: frozenset[str]
    lo: float | None = None
    hi: float | None = None
    chars: frozenset[str] = frozenset()
    skeletons: frozenset[str] | None = None
    run_lengths: frozenset[tuple[str, int, int]] = frozenset()
    """With ``skeletons``: (skeleton, digit-run index, length) for every run of every seed
    with two or more digit runs (fields; a lone run's length is the string's, bounded apart)."""
    templates: frozenset[str] | None = None
    enum: frozenset[str] | None = None
    balanced: bool = False
    min_len: int = 0
    max_len: int = 0
    sorted_: bool = False
    unique: bool = False
    fixed_len: int | None = None
    elem: Shape | None = None
    items: tuple[Shape, ...] = ()
    key: Shape | None = None
    value: Shape | None = None
    composite: bool = False
    """Every seed is a composite int (set for top-level arguments only)."""
    fractional: bool = False
    """Seeds mix ints and floats here and no float seed is integral: a float stays fractional
    (``161.0`` is where "not integers" is ambiguous; the seeds never ask)."""
    has_prime: bool = False
    """Every one of many seeds is a list of ints holding a prime (top-level arguments only)."""


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin (exact below 3.3e24; larger values are shape-bounded away)."""
    if n < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for p in small:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in small:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _all_composite(values: Sequence[Any]) -> bool:
    ints = [v for v in values if type(v) is int]
    return len(ints) == len(values) and len(set(ints)) >= 3 and all(v > 3 and not is_prime(v) for v in ints)


@dataclass(frozen=True)
class Signature:
    """Shapes of every argument plus the equal-length relations."""

    args: tuple[Shape, ...]
    equal_len: tuple[tuple[int, int, int], ...] = ()
    """(i, j, d): ``len(args[i]) - len(args[j]) == d`` in every seed."""
    wide: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _kind(value: Any) -> str:
    return type(value).__name__


def _shape(values: Sequence[Any]) -> Shape:
    kinds = frozenset(_kind(v) for v in values)
    nums = [v for v in values if type(v) in (int, float)]
    lo = hi = None
    if nums:
        big = max(abs(v) for v in nums)
        bound = big if big >= 100 else max(10.0, 2.0 * big)
        lo = min(nums) if all(v >= 0 for v in nums) else -bound
        hi = bound
    strs = [v for v in values if type(v) is str]
    chars: set[str] = set()
    skels = None
    run_lengths: frozenset[tuple[str, int, int]] = frozenset()
    template_set: frozenset[str] | None = None
    enum: frozenset[str] | None = None
    balanced = False
    if strs:
        seen = set("".join(strs))
        for cls, members in _CLASSES.items():
            present = seen & set(members)
            chars |= set(members) if len(present) >= _CLASS_MIN[cls] else present
        chars |= {c for c in seen if _char_class(c) == "other"}
        sk = {skeleton(s) for s in strs}
        if any(set(s) - {"a", " "} for s in sk) and len(sk) <= max(1, len(strs) // 2):
            skels = frozenset(sk)
            fields = [(skeleton(s), digit_runs(s)) for s in strs]
            run_lengths = frozenset(
                (sk_, k, n) for sk_, runs in fields if len(runs) >= 2 for k, n in enumerate(runs)
            )
            templates = {template(s) for s in strs}
            if len(templates) <= max(1, len(strs) // 2):
                template_set = frozenset(templates)
        if all(len(s) <= 3 and not any(c.isalnum() for c in s) for s in strs) and len(set(strs)) <= 12:
            enum = frozenset(strs)
        brackets = [s for s in strs if set(s) & set("()[]{}")]
        balanced = bool(brackets) and all(_balanced(s) for s in brackets)
    seqs = [v for v in values if type(v) in (list, tuple, str, set, dict)]
    min_len = max_len = 0
    sorted_ = unique = False
    fixed = None
    if seqs:
        lens = [len(v) for v in seqs]
        min_len = min(lens)
        max_len = max(lens)
        ordered = [list(v) for v in seqs if type(v) in (list, tuple)]
        multi = [v for v in ordered if len(v) >= 2]
        if multi and any(len(v) >= 3 for v in multi):
            try:
                sorted_ = all(all(a <= b for a, b in zip(v, v[1:], strict=False)) for v in multi)
            except TypeError:
                sorted_ = False
            unique = all(len(set(map(repr, v))) == len(v) for v in multi)
        if len(set(lens)) == 1 and all(type(v) is tuple for v in seqs):
            fixed = lens[0]
    elems = [e for v in values if type(v) in (list, set) or type(v) is tuple for e in v]
    tuples = [v for v in values if type(v) is tuple]
    items: tuple[Shape, ...] = ()
    if fixed is not None and tuples:
        items = tuple(_shape([t[i] for t in tuples]) for i in range(fixed))
    dicts = [v for v in values if type(v) is dict]
    return Shape(
        kinds=kinds,
        fractional={"int", "float"} <= kinds and all(not v.is_integer() for v in values if type(v) is float),
        lo=lo,
        hi=hi,
        chars=frozenset(chars),
        skeletons=skels,
        run_lengths=run_lengths,
        templates=template_set,
        enum=enum,
        balanced=balanced,
        min_len=min_len,
        max_len=max_len,
        sorted_=sorted_,
        unique=unique,
        fixed_len=fixed,
        elem=_shape(elems) if elems else None,
        items=items,
        key=_shape([k for d in dicts for k in d]) if any(dicts) else None,
        value=_shape([x for d in dicts for x in d.values()]) if any(dicts) else None,
    )


#: Seeds that must all show one list length before the length is taken as part of the contract.
FIXED_LIST_SEEDS = 8


def _holds_prime(items: Sequence[Any]) -> bool:
    """Whether an int (not bool) below 10**12 among ``items`` is prime: the seeds' rule and
    the candidates' check, the same test."""
    return any(type(x) is int and x < 10**12 and is_prime(x) for x in items)


def _top_level(shape: Shape, values: Sequence[Any]) -> Shape:
    """Rules for whole arguments only: composite ints, a list length every one of many
    seeds shares (HumanEval/119's "a list of two strings" -- twelve seeds, all of length 2),
    and int lists that hold a prime in every one of many seeds (HumanEval/94's "find the
    largest prime value": a list without one has no answer the docstring gives)."""
    if _all_composite(values):
        shape = replace(shape, composite=True)
    if len(values) >= FIXED_LIST_SEEDS and all(
        type(v) is list and v and all(type(x) is int for x in v) and _holds_prime(v) for v in values
    ):
        shape = replace(shape, has_prime=True)
    lens = {len(v) for v in values if type(v) is list}
    if (
        len(values) >= FIXED_LIST_SEEDS
        and all(type(v) is list for v in values)
        and len(lens) == 1
        and min(lens) >= 2
    ):
        shape = replace(shape, fixed_len=lens.pop())
    return shape


def infer_signature(seeds: Sequence[Sequence[Any]], *, wide: bool = False) -> Signature:
    """The shapes of the argument positions over all ``seeds`` (argument lists of equal arity)."""
    arity = len(seeds[0])
    args = tuple(_top_level(_shape([s[i] for s in seeds]), [s[i] for s in seeds]) for i in range(arity))
    equal: list[tuple[int, int, int]] = []
    index: list[tuple[int, int]] = []
    sized = (list, tuple, str, dict, set)
    for i in range(arity):
        for j in range(arity):
            if i < j and all(type(s[i]) in sized and type(s[j]) in sized for s in seeds):
                offsets = {len(s[i]) - len(s[j]) for s in seeds}
                if len(offsets) == 1:
                    equal.append((i, j, offsets.pop()))
            if all(type(s[i]) is int and type(s[j]) in sized for s in seeds) and all(
                0 <= s[i] <= len(s[j]) for s in seeds
            ):
                index.append((i, j))
    return Signature(args=args, equal_len=tuple(equal), wide=wide, extra={"index": tuple(index)})


def conforms(args: Sequence[Any], sig: Signature) -> str | None:
    """``None`` when ``args`` fits ``sig``; else the first reason it does not.
    ``sig.extra["any_length"]`` lifts the length limit and ``sig.extra["any_magnitude"]`` the
    upper bound of top-level ints (performance inputs grow on purpose)."""
    if len(args) != len(sig.args):
        return "arity"
    for i, (value, shape) in enumerate(zip(args, sig.args, strict=False)):
        if sig.extra.get("any_magnitude") and type(value) is int and shape.hi is not None:
            shape = replace(shape, hi=max(shape.hi, value))
        why = _fits(value, shape, sig.wide, 0, bool(sig.extra.get("any_length")))
        if why:
            return f"arg {i}: {why}"
    if not sig.wide:
        for i, j, offset in sig.equal_len:
            if len(args[i]) - len(args[j]) != offset:
                return f"args {i},{j}: lengths differ (by {offset} in every seed)"
        for i, j in sig.extra.get("index", ()):
            if not 0 <= args[i] <= len(args[j]):
                return f"arg {i} outside 0..len(arg {j}) (inside in every seed)"
    return None


def _fits(value: Any, shape: Shape, wide: bool, depth: int, any_length: bool = False) -> str | None:
    kind = _kind(value)
    if depth > 20:
        return "too deep"
    if kind not in shape.kinds:
        if not (kind in ("int", "float") and shape.kinds & {"int", "float"} and wide):
            return f"type {kind} (seeds: {', '.join(sorted(shape.kinds))})"
    if kind in ("int", "float") and shape.lo is not None and shape.hi is not None:
        if kind == "float" and value != value:
            return "nan"
        if not wide and value < shape.lo:
            return f"below {shape.lo}"
        if not wide and value > shape.hi:
            return f"above {shape.hi}"
        if wide and abs(value) > 10 * max(shape.hi, 10):
            return "too large"
    if kind == "float" and shape.fractional and not wide and value.is_integer():
        return "an integral float (seeds mix ints and fractional floats)"
    if kind == "int" and shape.composite and not wide and (value < 4 or is_prime(value)):
        return "not composite (every seed is)"
    if kind == "str":
        if not wide:
            bad = set(value) - shape.chars
            if bad:
                return f"characters {''.join(sorted(bad))!r} not in the seeds' classes"
            if shape.skeletons is not None:
                skel = skeleton(value)
                if skel not in shape.skeletons:
                    return f"structure {skel!r} not among the seeds'"
                runs = digit_runs(value)
                for k, n in enumerate(runs if len(runs) >= 2 else ()):
                    if (skel, k, n) not in shape.run_lengths:
                        return f"digit run {k + 1} of {n} characters in {skel!r} (not in any seed)"
            if shape.templates is not None and template(value) not in shape.templates:
                return "text outside the seeds' templates"
            if shape.enum is not None and value not in shape.enum:
                return "symbol not among the seeds'"
            if shape.balanced and not _balanced(value):
                return "unbalanced brackets (every seed is balanced)"
    if kind in ("str", "list", "tuple", "set", "dict"):
        n = len(value)
        if n < shape.min_len:
            return "empty (no seed is)"
        limit = shape.max_len * 2 + 5 if not wide else shape.max_len * 8 + 20
        if n > limit and not any_length:
            return f"longer than {limit}"
    if kind == "list" and shape.has_prime and not wide:
        if not _holds_prime(value):
            return "no prime (every seed has one)"
    if kind in ("list", "tuple"):
        if shape.fixed_len is not None and len(value) != shape.fixed_len:
            return f"{kind} length {len(value)} (seeds: {shape.fixed_len})"
        if not wide and shape.sorted_:
            try:
                if any(a > b for a, b in zip(value, value[1:], strict=False)):
                    return "not sorted (every seed is)"
            except TypeError:
                return "not comparable"
        if not wide and shape.unique and len(set(map(repr, value))) != len(value):
            return "duplicates (no seed has)"
        if shape.items and kind == "tuple":
            for v, s in zip(value, shape.items, strict=False):
                why = _fits(v, s, wide, depth + 1, any_length)
                if why:
                    return why
        elif value:
            if shape.elem is None:
                return "elements where seeds have none"
            for v in value:
                why = _fits(v, shape.elem, wide, depth + 1, any_length)
                if why:
                    return why
    if kind == "set" and value:
        if shape.elem is None:
            return "elements where seeds have none"
        for v in value:
            why = _fits(v, shape.elem, wide, depth + 1, any_length)
            if why:
                return why
    if kind == "dict" and value:
        if shape.key is None or shape.value is None:
            return "items where seeds have none"
        for k, v in value.items():
            why = _fits(k, shape.key, wide, depth + 1, any_length) or _fits(
                v, shape.value, wide, depth + 1, any_length
            )
            if why:
                return why
    return None

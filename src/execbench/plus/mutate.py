"""Type-aware mutation, random sampling within a shape, and scaling up for performance inputs.

Every operation takes an explicit ``random.Random`` so a run is a pure function of the
seed. Values produced here are only candidates: :func:`execbench.plus.shape.conforms`
and the reference solution decide which survive.
"""

from __future__ import annotations

import math
import random
import re
import string
from collections.abc import Sequence
from typing import Any

from execbench.plus.shape import Shape, Signature

__all__ = ["magnify_args", "mutate_args", "repeat_args", "sample_value", "scale_args"]

_FALLBACK_CHARS = string.ascii_lowercase
_DIGITS = re.compile(r"[0-9]+")


def _chars(shape: Shape | None) -> str:
    return "".join(sorted(shape.chars)) if shape is not None and shape.chars else _FALLBACK_CHARS


def sample_value(shape: Shape | None, rng: random.Random, depth: int = 0) -> Any:
    """A fresh random value of one of the kinds ``shape`` shows."""
    if shape is None or not shape.kinds:
        return rng.randint(0, 9)
    kind = rng.choice(sorted(shape.kinds))
    lo = shape.lo if shape.lo is not None else -10
    hi = shape.hi if shape.hi is not None else 10
    if kind == "int":
        small = rng.random() < 0.7
        top = min(hi, 20) if small else hi
        bottom = max(lo, -20) if small else lo
        return rng.randint(int(bottom), int(max(bottom, top)))
    if kind == "float":
        value = rng.uniform(lo, hi) if rng.random() < 0.5 else rng.randint(int(lo), int(hi)) + 0.5
        return round(value, rng.choice((1, 2, 3)))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "NoneType":
        return None
    size = rng.randint(shape.min_len, max(shape.min_len, min(shape.max_len + 2, 12)))
    if depth > 4:
        size = min(size, 1)
    if kind == "str":
        return "".join(rng.choice(_chars(shape)) for _ in range(size))
    if kind == "tuple" and shape.items:
        return tuple(sample_value(s, rng, depth + 1) for s in shape.items)
    if kind in ("list", "tuple", "set"):
        elems = [sample_value(shape.elem, rng, depth + 1) for _ in range(size)]
        if shape.sorted_:
            try:
                elems.sort()
            except TypeError:
                pass
        if kind == "set":
            try:
                return set(elems)
            except TypeError:
                return set()
        return tuple(elems) if kind == "tuple" else elems
    if kind == "dict":
        out = {}
        for _ in range(size):
            key = sample_value(shape.key, rng, depth + 1)
            try:
                out[key] = sample_value(shape.value, rng, depth + 1)
            except TypeError:
                pass
        return out
    return None


def _mutate_number(value: Any, shape: Shape | None, rng: random.Random) -> Any:
    is_float = type(value) is float
    hi = shape.hi if shape is not None and shape.hi is not None else 100
    lo = shape.lo if shape is not None and shape.lo is not None else -100
    ops = [
        lambda v: v + 1,
        lambda v: v - 1,
        lambda v: -v,
        lambda v: 0,
        lambda v: v * 2,
        lambda v: v // 2 if not is_float else v / 2,
        lambda v: lo,
        lambda v: hi,
        lambda v: rng.randint(int(lo), int(hi)),
        lambda v: v + rng.randint(-10, 10),
    ]
    out = rng.choice(ops)(value)
    if is_float:
        out = float(out)
        if rng.random() < 0.3:
            out = round(out + rng.choice((0.5, -0.5, 0.25, 0.1)), 3)
    elif isinstance(out, float):
        out = int(out)
    return out


def _digit_spans(value: str) -> list[tuple[int, int]]:
    """(start, end) of every run of digits in ``value``."""
    return [(m.start(), m.end()) for m in _DIGITS.finditer(value)]


def _digit_field(value: str, rng: random.Random) -> str:
    """One run of digits read as a number and moved like one (+-1, doubled, halved, swapped
    with another run of the same width, or any value of its width), zero padding kept: a
    date's day 30 -> 29 is one step here, two character edits otherwise."""
    runs = _digit_spans(value)
    if not runs:
        return value
    a, b = rng.choice(runs)
    width = b - a
    n = int(value[a:b])
    same = [r for r in runs if r[1] - r[0] == width and r != (a, b)]
    op = rng.randrange(6)
    if op == 4 and same:
        c, d = rng.choice(same)
        first, second = sorted([(a, b), (c, d)])
        return (
            value[: first[0]] + value[second[0] : second[1]] + value[first[1] : second[0]]
            + value[first[0] : first[1]] + value[second[1] :]
        )  # fmt: skip
    new = (n + 1, n - 1, n * 2, n // 2, n, rng.randrange(10**width))[op]
    if new < 0:
        return value
    return value[:a] + str(new).zfill(width) + value[b:]


def _mutate_str(value: str, shape: Shape | None, rng: random.Random) -> str:
    chars = _chars(shape)
    n = len(value)
    i = rng.randint(0, n)
    if _DIGITS.search(value) and rng.random() < 0.3:
        return _digit_field(value, rng)
    op = rng.randrange(12)
    if op == 0:
        return value[:i] + rng.choice(chars) + value[i:]
    if op == 1 and n:
        return value[: min(i, n - 1)] + value[min(i, n - 1) + 1 :]
    if op == 2 and n:
        j = min(i, n - 1)
        return value[:j] + rng.choice(chars) + value[j + 1 :]
    if op == 3 and n > 1:
        j = min(i, n - 2)
        return value[:j] + value[j + 1] + value[j] + value[j + 2 :]
    if op == 4:
        return rng.choice((value.upper(), value.lower(), value.swapcase(), value.capitalize()))
    if op == 5:
        return value[:i] + " " + value[i:]
    if op == 6:
        return ""
    if op == 7:
        return value + value
    if op == 8:
        return value[::-1]
    if op == 9 and n:
        return value[: rng.randint(0, n)]
    if op == 10 and n:
        return value[i:] + value[:i]
    return value + "".join(rng.choice(chars) for _ in range(rng.randint(1, 4)))


def _mutate_seq(value: Any, shape: Shape | None, rng: random.Random, depth: int) -> Any:
    kind = type(value)
    items = list(value)
    elem = shape.elem if shape is not None else None
    if kind is tuple and shape is not None and shape.items:
        if not items:
            return value
        j = rng.randrange(len(items))
        items[j] = mutate_value(items[j], shape.items[j], rng, depth + 1)
        return tuple(items)
    n = len(items)
    op = rng.randrange(10)
    if op == 0:
        items.insert(rng.randint(0, n), sample_value(elem, rng, depth + 1))
    elif op == 1 and n:
        items.pop(rng.randrange(n))
    elif op == 2 and n:
        items.insert(rng.randint(0, n), items[rng.randrange(n)])
    elif op == 3:
        items.reverse()
    elif op == 4:
        rng.shuffle(items)
    elif op in (5, 6) and n:
        j = rng.randrange(n)
        items[j] = mutate_value(items[j], elem, rng, depth + 1)
    elif op == 7:
        items = []
    elif op == 8:
        try:
            items.sort()
        except TypeError:
            pass
    else:
        items += [sample_value(elem, rng, depth + 1) for _ in range(rng.randint(1, 5))]
    if shape is not None and shape.sorted_:
        try:
            items.sort()
        except TypeError:
            pass
    if kind is set:
        try:
            return set(items)
        except TypeError:
            return value
    return kind(items) if kind is tuple else items


def _mutate_dict(value: dict[Any, Any], shape: Shape | None, rng: random.Random, depth: int) -> Any:
    out = dict(value)
    op = rng.randrange(4)
    keys = list(out)
    if op == 0 or not keys:
        key = sample_value(shape.key if shape else None, rng, depth + 1)
        try:
            out[key] = sample_value(shape.value if shape else None, rng, depth + 1)
        except TypeError:
            pass
    elif op == 1:
        del out[rng.choice(keys)]
    elif op == 2:
        k = rng.choice(keys)
        out[k] = mutate_value(out[k], shape.value if shape else None, rng, depth + 1)
    else:
        return {}
    return out


def mutate_value(value: Any, shape: Shape | None, rng: random.Random, depth: int = 0) -> Any:
    """One type-aware change to ``value`` (same type, except rare empty/boundary values)."""
    kind = type(value)
    if depth > 6:
        return value
    if kind is bool:
        return not value
    if kind in (int, float):
        return _mutate_number(value, shape, rng)
    if kind is str:
        return _mutate_str(value, shape, rng)
    if kind in (list, tuple, set):
        return _mutate_seq(value, shape, rng, depth)
    if kind is dict:
        return _mutate_dict(value, shape, rng, depth)
    return value


def _numbers(value: Any, depth: int = 0) -> list[Any]:
    if type(value) in (int, float):
        return [value]
    if type(value) in (list, tuple, set) and depth < 3:
        return [x for v in value for x in _numbers(v, depth + 1)]
    return []


def _related(args: list[Any], rng: random.Random) -> list[Any]:
    """A number made equal to one the input already holds: a top-level number set to an
    element of another argument, or to the gap between two of them (a threshold equal to
    a distance); or a list element set to another element or to a top-level number. Wrong
    programs are often wrong exactly at such equalities (``<=`` for ``<``), which random
    values almost never hit."""
    out = list(args)
    scalars = [i for i, v in enumerate(out) if type(v) in (int, float)]
    lists = [i for i, v in enumerate(out) if type(v) is list and _numbers(v)]
    if scalars and (not lists or rng.random() < 0.5):
        i = rng.choice(scalars)
        pool = [x for j, v in enumerate(out) if j != i for x in _numbers(v)]
        if not pool:
            return out
        a, b = rng.choice(pool), rng.choice(pool)
        new = rng.choice((a, abs(a - b), a + b))
        if not math.isfinite(new):  # an inf or nan in the input: no int to make of it
            return out
        out[i] = float(new) if type(out[i]) is float else int(new)
    elif lists:
        i = rng.choice(lists)
        items = list(out[i])
        flat = [j for j, v in enumerate(items) if type(v) in (int, float)]
        if not flat:
            return out
        j = rng.choice(flat)
        pool = _numbers(items) + [out[k] for k in scalars]
        new = rng.choice(pool) + rng.choice((0, 0, 1, -1))
        if not math.isfinite(new):
            return out
        items[j] = float(new) if type(items[j]) is float else int(new)
        out[i] = items
    return out


def _constant(args: list[Any], consts: Sequence[int | float], rng: random.Random) -> list[Any]:
    """A number of the input set to a constant of the reference's code, or one off it (a
    fuzzing dictionary: ``day > 29`` makes 29 and 30 worth trying); in a string, a run of
    digits set to it (zero-padded to the run's width)."""
    out = list(args)
    i = rng.randrange(len(out))
    value = out[i]
    c = rng.choice(consts) + rng.choice((0, 0, 1, -1))
    if type(value) in (int, float):
        out[i] = float(c) if type(value) is float else int(c)
    elif type(value) is str:
        runs = _digit_spans(value)
        if runs:
            a, b = rng.choice(runs)
            fit = [int(k) + d for k in consts for d in (0, 0, 1, -1) if 0 <= int(k) + d < 10 ** (b - a)]
            if fit:
                out[i] = value[:a] + str(rng.choice(fit)).zfill(b - a) + value[b:]
    elif type(value) is list and value:
        j = rng.randrange(len(value))
        if type(value[j]) in (int, float):
            items = list(value)
            items[j] = float(c) if type(value[j]) is float else int(c)
            out[i] = items
    return out


def mutate_args(args: Sequence[Any], sig: Signature, rng: random.Random) -> list[Any]:
    """Mutate one argument (sometimes two, and sometimes several steps deep), or relate two
    numbers of the input (:func:`_related`), or set one to a constant of the reference
    (:func:`_constant`, with ``sig.extra["constants"]``)."""
    out = list(args)
    if not out:
        return out
    r = rng.random()
    if r < 0.1:
        return _related(out, rng)
    consts = sig.extra.get("constants") or ()
    if r < 0.25 and consts:
        return _constant(out, consts, rng)
    for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 4)):
        i = rng.randrange(len(out))
        out[i] = mutate_value(out[i], sig.args[i], rng)
    return out


def scale_args(args: Sequence[Any], sig: Signature, factor: int, rng: random.Random) -> list[Any]:
    """A larger input of the same shape: containers and strings ``factor`` times longer
    (new elements sampled from the element shape), numbers grown towards the bound."""
    out = []
    for value, shape in zip(args, sig.args, strict=False):
        out.append(_scale(value, shape, factor, rng))
    return out


def repeat_args(args: Sequence[Any], factor: int) -> list[Any]:
    """A larger input made of the seed's own parts: strings and lists repeated ``factor``
    times (space-joined when the string has spaces, so words stay words). Sampling new
    elements can make a task trivial (random values close a search early); repeating keeps
    the values the reference was already answering. The shape check still applies (a
    sorted or unique seed does not stay so)."""
    out: list[Any] = []
    for value in args:
        if type(value) is str:
            out.append((" " if " " in value else "").join([value] * factor) if value else value)
        elif type(value) is list:
            out.append(value * factor)
        else:
            out.append(value)
    return out


def magnify_args(args: Sequence[Any], factor: int) -> list[Any]:
    """Top-level int arguments ``factor`` times larger (0 becomes ``factor``), the rest kept:
    numeric problems (``count_up_to(n)``) grow by magnitude, not by length."""
    return [
        (value * factor if value else factor) if type(value) is int and value >= 0 else value
        for value in args
    ]


def _scale(value: Any, shape: Shape, factor: int, rng: random.Random) -> Any:
    kind = type(value)
    if kind is str:
        n = max(1, len(value)) * factor
        if shape.skeletons is not None:
            return value
        return (
            (value * (factor + 1))[:n]
            if rng.random() < 0.3
            else "".join(rng.choice(_chars(shape)) for _ in range(n))
        )
    if kind in (list, set) or (kind is tuple and not shape.items):
        n = max(1, len(value)) * factor
        elems = [sample_value(shape.elem, rng, 1) for _ in range(n)]
        if shape.unique:
            seen: dict[str, Any] = {}
            for e in elems:
                seen.setdefault(repr(e), e)
            elems = list(seen.values())
        if shape.sorted_:
            try:
                elems.sort()
            except TypeError:
                pass
        return set(elems) if kind is set else tuple(elems) if kind is tuple else elems
    if kind is int and shape.hi is not None:
        grown = value * factor if value else factor
        return int(min(grown, shape.hi)) if grown > 0 else int(max(grown, shape.lo or grown))
    return value

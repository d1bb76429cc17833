"""Independent random inputs for :mod:`plus_audit` (deliberately shares nothing with ``execbench.plus``).

``augment`` keeps to the shape its seeds show, so a catch-rate proxy built from its own
files cannot see what that shape leaves out. This generator is the opposite: it takes only
the *types* of the task's test arguments (recursively: list of int, tuple of str and int,
dict of str to int, ...; the signature's annotations when the tests compute their inputs)
and draws values from wide ranges -- negatives, zero, large numbers, floats with fractions,
empty and long containers, duplicates, unsorted lists, strings of every character class
(upper/lower case, digits, whitespace, punctuation, non-ASCII) -- half of them fresh, half
mutations of the tests' own values. Nothing here is a validity rule: which of the
disagreements it finds are inside a task's domain is decided by hand (``plus_audit.json``).

Pure functions of a ``random.Random``; values only, nothing is executed.
"""

from __future__ import annotations

import ast
import random
import re
import string
from typing import Any

__all__ = ["Kind", "literal_calls", "infer_kind", "annotation_kinds", "fuzz_inputs"]

Kind = tuple
"""A type description: ``("int",)``, ``("list", elem)``, ``("tuple", items...)``,
``("dict", key, value)``, ``("union", kinds...)``, ``("any",)``."""

_WIDE_CHARS = (
    string.ascii_lowercase * 3
    + string.ascii_uppercase
    + string.digits
    + "    \t\n"
    + ".,!?;:-_'\"()[]{}<>/@#$%&*+="
    + "éÄßñΩж中😀"
)
_POOLS = {
    "lower": string.ascii_lowercase,
    "upper": string.ascii_uppercase,
    "alpha": string.ascii_letters,
    "digits": string.digits,
    "alnum": string.ascii_letters + string.digits,
    "text": string.ascii_letters + "   ",
    "wide": _WIDE_CHARS,
    "punct": ".,!?;:-_'\"()[]{}<>",
    "binary": "01",
    "vowels": "aeiouAEIOUyY",
}


def literal_calls(code: str, names: set[str]) -> list[tuple[Any, ...]]:
    """Argument tuples of every call to one of ``names`` in ``code`` whose arguments are literals
    (docstring examples are found by the caller as ``>>>``/``name(`` lines)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            try:
                out.append(tuple(ast.literal_eval(a) for a in node.args))
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
    return out


def docstring_calls(prompt: str, entry: str) -> list[tuple[Any, ...]]:
    out = []
    for m in re.finditer(rf"\b{re.escape(entry)}\((.*)\)", prompt):
        text = m.group(1)
        for end in range(len(text), 0, -1):
            try:
                value = ast.literal_eval(f"({text[:end]},)")
            except (ValueError, SyntaxError, TypeError, RecursionError):
                continue
            out.append(tuple(value))
            break
    return out


def infer_kind(values: list[Any]) -> Kind:
    kinds: dict[str, list[Any]] = {}
    for v in values:
        kinds.setdefault(type(v).__name__, []).append(v)
    parts = []
    for name, vs in kinds.items():
        if name in ("list", "set"):
            elems = [e for v in vs for e in v]
            parts.append((name, infer_kind(elems) if elems else ("any",)))
        elif name == "tuple":
            lens = {len(v) for v in vs}
            if len(lens) == 1:
                n = lens.pop()
                parts.append(("tuple", *(infer_kind([v[i] for v in vs]) for i in range(n))))
            else:
                parts.append(("tuple*", infer_kind([e for v in vs for e in v])))
        elif name == "dict":
            keys = [k for v in vs for k in v]
            vals = [x for v in vs for x in v.values()]
            parts.append(
                ("dict", infer_kind(keys) if keys else ("str",), infer_kind(vals) if vals else ("int",))
            )
        else:
            parts.append((name,))
    if not parts:
        return ("any",)
    if len(parts) == 1:
        return parts[0]
    return ("union", *parts)


_ANN = {"int": ("int",), "float": ("float",), "str": ("str",), "bool": ("bool",)}


def annotation_kinds(prompt: str, entry: str) -> list[Kind] | None:
    """Kinds from ``def entry(a: int, b: List[str])`` when the tests give no literal call."""
    m = re.search(rf"def {re.escape(entry)}\((.*?)\)", prompt, re.S)
    if not m:
        return None
    out: list[Kind] = []
    for part in [p for p in m.group(1).split(",") if p.strip()]:
        ann = part.split(":", 1)[1].strip() if ":" in part else "str"
        ann = ann.split("=")[0].strip()
        low = ann.lower()
        if low.startswith("list"):
            inner = re.search(r"\[(.*)\]", ann)
            out.append(("list", _ANN.get(inner.group(1).strip(), ("int",)) if inner else ("int",)))
        else:
            out.append(_ANN.get(ann, ("str",)))
    return out


class _Pool:
    """Values the task's own tests use (to mix in, and to mutate)."""

    def __init__(self, seeds: list[tuple[Any, ...]]) -> None:
        self.ints: list[int] = []
        self.floats: list[float] = []
        self.strs: list[str] = []
        for s in seeds:
            for v in s:
                self._add(v)

    def _add(self, v: Any, depth: int = 0) -> None:
        if depth > 5:
            return
        if type(v) is int:
            self.ints.append(v)
        elif type(v) is float:
            self.floats.append(v)
        elif type(v) is str:
            self.strs.append(v)
        elif type(v) in (list, tuple, set):
            for e in v:
                self._add(e, depth + 1)
        elif type(v) is dict:
            for k, x in v.items():
                self._add(k, depth + 1)
                self._add(x, depth + 1)


def _gen_int(rng: random.Random, pool: _Pool) -> int:
    r = rng.random()
    if r < 0.3:
        return rng.randint(-10, 10)
    if r < 0.5:
        return rng.randint(0, 100)
    if r < 0.6:
        return rng.randint(-1000, 1000)
    if r < 0.65:
        return rng.choice((0, 1, -1, 2, 10, 100, 1000, 2**31, -(2**31), 10**6))
    if pool.ints and r < 0.95:
        return rng.choice(pool.ints) + rng.choice((0, 0, 1, -1, 2, -2, rng.randint(-20, 20)))
    return rng.randint(-(10**4), 10**4)


def _gen_float(rng: random.Random, pool: _Pool) -> float:
    r = rng.random()
    if r < 0.3:
        return round(rng.uniform(-10, 10), rng.choice((1, 2, 3)))
    if r < 0.45:
        return float(rng.randint(-10, 10))
    if r < 0.55:
        return rng.choice((0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.1, 1e-3, 1e6, -1.0))
    if r < 0.65:
        return round(rng.uniform(-1000, 1000), rng.choice((0, 1, 2)))
    if pool.floats:
        return round(rng.choice(pool.floats) + rng.choice((0.0, 0.5, -0.5, 0.1, -1.0, 1.0)), 6)
    return round(rng.uniform(0, 100), 2)


def _chars_from(pool: _Pool) -> str:
    seen = "".join(pool.strs)
    return seen or string.ascii_lowercase


def _gen_str(rng: random.Random, pool: _Pool) -> str:
    r = rng.random()
    if r < 0.35 and pool.strs:
        return _mutate_str(rng.choice(pool.strs), rng, pool)
    if r < 0.5 and pool.strs:
        words = [w for s in pool.strs for w in re.split(r"(\W+)", s) if w]
        if words:
            return "".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
    n = rng.choice((0, 1, 1, 2, 3, 4, 5, 6, 8, 10, 15, 30))
    if rng.random() < 0.3:
        chars = _chars_from(pool)
    else:
        chars = _POOLS[rng.choice(sorted(_POOLS))]
    return "".join(rng.choice(chars) for _ in range(n))


def _mutate_str(s: str, rng: random.Random, pool: _Pool) -> str:
    for _ in range(rng.randint(1, 3)):
        n = len(s)
        i = rng.randint(0, n)
        op = rng.randrange(11)
        c = rng.choice(_WIDE_CHARS if rng.random() < 0.4 else _chars_from(pool))
        if op == 0:
            s = s[:i] + c + s[i:]
        elif op == 1 and n:
            s = s[: min(i, n - 1)] + s[min(i, n - 1) + 1 :]
        elif op == 2 and n:
            s = s[: min(i, n - 1)] + c + s[min(i, n - 1) + 1 :]
        elif op == 3:
            s = rng.choice((s.upper(), s.lower(), s.swapcase(), s.title()))
        elif op == 4:
            s = rng.choice((" " + s, s + " ", s.replace(" ", "  "), "  " + s + "  "))
        elif op == 5:
            s = s + rng.choice(("", " ")) + s
        elif op == 6:
            parts = s.split(" ")
            rng.shuffle(parts)
            s = " ".join(parts)
        elif op == 7:
            s = s[::-1]
        elif op == 8 and n:
            s = s[: rng.randint(0, n)]
        elif op == 9:
            s = s + rng.choice(_WIDE_CHARS)
        else:
            s = rng.choice(_WIDE_CHARS) + s
    return s


def gen_value(kind: Kind, rng: random.Random, pool: _Pool, depth: int = 0) -> Any:
    name = kind[0]
    if name == "union":
        return gen_value(rng.choice(kind[1:]), rng, pool, depth)
    if name == "int":
        return _gen_int(rng, pool)
    if name == "float":
        return _gen_float(rng, pool)
    if name == "str":
        return _gen_str(rng, pool)
    if name == "bool":
        return rng.random() < 0.5
    if name == "NoneType":
        return None
    if name == "any":
        return rng.choice((0, 1, "a", -1))
    n = rng.choice((0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 20)) if depth < 2 else rng.randint(0, 3)
    if name in ("list", "set", "tuple*"):
        elem = kind[1]
        if rng.random() < 0.3 and n > 1:  # duplicates: draw from a few values
            few = [gen_value(elem, rng, pool, depth + 1) for _ in range(rng.randint(1, 3))]
            items = [rng.choice(few) for _ in range(n)]
        else:
            items = [gen_value(elem, rng, pool, depth + 1) for _ in range(n)]
        r = rng.random()
        try:
            if r < 0.15:
                items.sort()
            elif r < 0.25:
                items.sort(reverse=True)
        except TypeError:
            pass
        if name == "set":
            try:
                return set(items)
            except TypeError:
                return set()
        return tuple(items) if name == "tuple*" else items
    if name == "tuple":
        return tuple(gen_value(k, rng, pool, depth + 1) for k in kind[1:])
    if name == "dict":
        out = {}
        for _ in range(n):
            try:
                out[gen_value(kind[1], rng, pool, depth + 1)] = gen_value(kind[2], rng, pool, depth + 1)
            except TypeError:
                pass
        return out
    return None


def mutate_value(value: Any, kind: Kind, rng: random.Random, pool: _Pool, depth: int = 0) -> Any:
    t = type(value)
    if t is bool:
        return not value
    if t is int:
        return rng.choice(
            (value + 1, value - 1, -value, 0, value * 2, value * 10, value // 2, _gen_int(rng, pool))
        )
    if t is float:
        return rng.choice(
            (value + 0.5, -value, value / 2, value * 3, round(value + rng.uniform(-1, 1), 3), 0.0)
        )
    if t is str:
        return _mutate_str(value, rng, pool)
    if t in (list, tuple) and not (t is tuple and kind[0] == "tuple"):
        items = list(value)
        elem = kind[1] if kind[0] in ("list", "tuple*", "set") else ("any",)
        n = len(items)
        op = rng.randrange(9)
        if op == 0:
            items.insert(rng.randint(0, n), gen_value(elem, rng, pool, depth + 1))
        elif op == 1 and n:
            items.pop(rng.randrange(n))
        elif op == 2 and n:
            items.insert(rng.randint(0, n), items[rng.randrange(n)])
        elif op == 3:
            rng.shuffle(items)
        elif op == 4 and n:
            j = rng.randrange(n)
            items[j] = mutate_value(items[j], elem, rng, pool, depth + 1)
        elif op == 5:
            items = items[::-1]
        elif op == 6:
            items = items * 2
        elif op == 7:
            items = []
        else:
            items += [gen_value(elem, rng, pool, depth + 1) for _ in range(rng.randint(1, 4))]
        return tuple(items) if t is tuple else items
    if t is tuple and value:
        items = list(value)
        j = rng.randrange(len(items))
        sub = kind[1 + j] if len(kind) > 1 + j else ("any",)
        items[j] = mutate_value(items[j], sub, rng, pool, depth + 1)
        return tuple(items)
    if t is dict:
        out = dict(value)
        if out and rng.random() < 0.5:
            k = rng.choice(list(out))
            out[k] = mutate_value(out[k], kind[2] if kind[0] == "dict" else ("any",), rng, pool, depth + 1)
        else:
            return gen_value(kind, rng, pool, depth)
        return out
    return gen_value(kind, rng, pool, depth)


def fuzz_inputs(seeds: list[tuple[Any, ...]], kinds: list[Kind], n: int, rng: random.Random) -> list[str]:
    """``n`` distinct argument lists (literal text): half fresh values of ``kinds``, half
    mutations (one or more arguments) of the seeds."""
    pool = _Pool(seeds)
    out: dict[str, None] = {}
    tries = 0
    while len(out) < n and tries < n * 6:
        tries += 1
        if seeds and rng.random() < 0.5:
            args = list(rng.choice(seeds))
            for _ in range(rng.choice((1, 1, 2, 3))):
                i = rng.randrange(len(args)) if args else 0
                if args:
                    args[i] = mutate_value(args[i], kinds[i], rng, pool)
        else:
            args = [gen_value(k, rng, pool) for k in kinds]
        try:
            text = repr(args)
            if ast.literal_eval(text) != args or len(text) > 4000:
                continue
        except (ValueError, SyntaxError, RecursionError, TypeError):
            continue
        out.setdefault(text, None)
    return list(out)

"""Cheap, exact "has this container changed?" checks for the tracer's hot path.

Re-encoding every list at every step would dominate tracing. For exact builtin containers
whose leaves are atomic, a fingerprint keeps the container's id, length and the leaf
objects themselves (immutable, so keeping them alive is invisible to the program); later,
``unchanged`` compares the live container with it *by identity*, in place. Equal
identities of live leaves mean the same objects, so the snapshot cannot have changed;
no ``__eq__`` of anything is called.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

from execbench.trace._cext import load as load_extension
from execbench.trace.readers import ATOMIC_TYPES

__all__ = ["fingerprint", "unchanged", "same_fingerprint", "fast_unchanged"]


def fingerprint(value: object, n_max: int, depth: int = 2) -> tuple[Any, ...] | None:
    """A cheap stand-in for the snapshot of a builtin container of atomics.

    For exact list/tuple/dict/set/frozenset values (nested up to ``depth``) whose
    leaves are atomic: ``(id, len, items, type)``, items being the leaves themselves or
    the nested containers' fingerprints. ``same_fingerprint`` compares two of them by
    identity, so no program code runs; the fingerprint keeps its (immutable) leaves
    alive, so equal identities really are the same objects. ``None``: encode instead.
    """
    t = type(value)
    if t is list or t is tuple:
        n = len(value)  # type: ignore[arg-type]
        items = tuple(value) if n <= n_max else tuple(value[:n_max])  # type: ignore[index, arg-type]
    elif t is dict:
        n = dict.__len__(value)  # type: ignore[arg-type]
        items = tuple(itertools.islice(dict.keys(value), n_max)) + tuple(  # type: ignore[arg-type]
            itertools.islice(dict.values(value), n_max)
        )  # type: ignore[arg-type]
    elif t is set or t is frozenset:
        items = tuple(itertools.islice(t.__iter__(value), n_max))  # type: ignore[attr-defined]
        n = t.__len__(value)  # type: ignore[attr-defined]
    else:
        return None
    if not ATOMIC_TYPES.issuperset(map(type, items)):
        if depth <= 1:
            return None
        nested = []
        atomic = ATOMIC_TYPES
        for item in items:
            ti = type(item)
            if ti in atomic:
                nested.append(item)
                continue
            if (ti is list or ti is tuple) and depth == 2:
                # the innermost level inline (what the call below makes, a frame cheaper)
                m = len(item)
                leaves = tuple(item) if m <= n_max else tuple(item[:n_max])
                if not atomic.issuperset(map(type, leaves)):
                    return None
                nested.append((id(item), m, leaves, ti))
                continue
            sub = fingerprint(item, n_max, depth - 1)
            if sub is None:
                return None
            nested.append(sub)
        items = tuple(nested)
    return (id(value), n, items, t)


def unchanged(value: object, fp: tuple[Any, ...], n_max: int) -> bool:
    """Whether ``value`` still matches its earlier fingerprint ``fp``: the same container
    (type and id), the same length, and identical items (compared in place, without a
    copy; nested containers recursively). No program code runs."""
    t = type(value)
    if t is not fp[3] or id(value) != fp[0]:
        return False
    n, items = fp[1], fp[2]
    if t is list or t is tuple:
        if len(value) != n:  # type: ignore[arg-type]
            return False
        live: Any = value if n <= n_max else itertools.islice(value, n_max)  # type: ignore[call-overload]
        again: Any = value if n <= n_max else itertools.islice(value, n_max)  # type: ignore[call-overload]
    elif t is dict:
        if dict.__len__(value) != n:  # type: ignore[arg-type]
            return False
        live = itertools.chain(
            itertools.islice(dict.keys(value), n_max),  # type: ignore[arg-type]
            itertools.islice(dict.values(value), n_max),
        )  # type: ignore[arg-type]
        again = itertools.chain(
            itertools.islice(dict.keys(value), n_max),  # type: ignore[arg-type]
            itertools.islice(dict.values(value), n_max),
        )  # type: ignore[arg-type]
    else:
        if t.__len__(value) != n:  # type: ignore[attr-defined]
            return False
        live = itertools.islice(t.__iter__(value), n_max)  # type: ignore[attr-defined]
        again = itertools.islice(t.__iter__(value), n_max)  # type: ignore[attr-defined]
    if all(map(operator.is_, live, items)):
        return True
    # leaves are atomics, never tuples: a tuple among the items is a nested fingerprint
    return all(_same_live(x, y, n_max) for x, y in zip(again, items, strict=False))


def _same_live(item: Any, expected: Any, n_max: int) -> bool:
    return item is expected or (type(expected) is tuple and unchanged(item, expected, n_max))


def same_fingerprint(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    """Whether two fingerprints show the same containers holding the same objects."""
    if a is None or b is None or a[0] != b[0] or a[1] != b[1] or a[3] is not b[3]:
        return False
    x, y = a[2], b[2]
    return len(x) == len(y) and (all(map(operator.is_, x, y)) or all(map(_same_item, x, y)))


def _same_item(x: Any, y: Any) -> bool:
    # leaves are atomics, never tuples, so a tuple here is a nested fingerprint
    return x is y or (type(x) is tuple and type(y) is tuple and same_fingerprint(x, y))


_CEXT = load_extension()
#: ``unchanged``, by the C extension where it is built (the same answer, no Python frames).
fast_unchanged: Any = _CEXT.unchanged if _CEXT is not None else unchanged

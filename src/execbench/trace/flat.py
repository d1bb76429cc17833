"""Snapshots of flat containers: exact lists, tuples and dicts of small ints or short strs.

Most state a trace records is such containers, so the encoder makes their snapshots here,
without its general walk: the item snapshots come from the shared atom caches and the
text is joined from theirs. ``csrc/flat.c`` renders ``flat_parts`` in C and is used when
built; this Python is the rule and the fallback (the tests compare the two with the
general walk).
"""

from __future__ import annotations

from typing import Any

from execbench.trace._cext import load as load_extension

__all__ = ["flat_items", "flat_parts", "tuple_text"]

_CEXT = load_extension()
_cflat = _CEXT.flat if _CEXT is not None else None  # the C rendering of flat_parts (same result)

Snapshot = dict[str, Any]

#: Entries each atom cache holds before it starts afresh (keeps memory bounded).
_CACHE_ITEMS = 20_000


def flat_items(
    items: list[Any] | tuple[Any, ...], ints: dict[int, Snapshot], strs: dict[str, Snapshot], short_str: int
) -> list[Snapshot] | None:
    """Snapshots of a homogeneous run of small ints or short strs (``None`` otherwise),
    from the caches through ``map`` instead of one Python call per item."""
    if not items:
        return []
    kinds = set(map(type, items))
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind is int:
        if not (-(10**9) < min(items) and max(items) < 10**9):
            return None
        cache: dict[Any, Snapshot] = ints
        make = _int_snap
    elif kind is str:
        if max(map(len, items)) > short_str:
            return None
        cache = strs
        make = _str_snap
    else:
        return None
    try:
        return list(map(cache.__getitem__, items))
    except KeyError:
        if len(cache) >= _CACHE_ITEMS:
            cache.clear()
        for value in set(items).difference(cache):
            cache[value] = make(value)
        return list(map(cache.__getitem__, items))


def flat_parts(
    value: Any, t: type, ints: dict[int, Snapshot], strs: dict[str, Snapshot], short_str: int
) -> tuple[list[Any], str] | None:
    """(items, literal text) of an exact list, tuple or dict whose items (keys and values
    each) are all small ints or all short strs; ``None`` for anything else."""
    if _cflat is not None:
        return _cflat(value, ints, strs, short_str, _CACHE_ITEMS)  # type: ignore[no-any-return]
    if t is dict:
        keys = flat_items(list(dict.keys(value)), ints, strs, short_str)
        values = flat_items(list(dict.values(value)), ints, strs, short_str) if keys is not None else None
        if keys is None or values is None or not keys:
            return None
        pairs = zip(keys, values, strict=True)
        text = "{" + ", ".join([k["repr"] + ": " + v["repr"] for k, v in pairs]) + "}"
        return [[k, v] for k, v in zip(keys, values, strict=True)], text
    if t is not list and t is not tuple:
        return None
    items = flat_items(value, ints, strs, short_str)
    if not items:
        return None
    return items, tuple_text(items) if t is tuple else "[" + ", ".join([c["repr"] for c in items]) + "]"


def tuple_text(items: list[Snapshot]) -> str:
    body = ", ".join([c["repr"] for c in items])
    return "(" + body + ("," if len(items) == 1 else "") + ")"


def _int_snap(value: int) -> Snapshot:
    return {"type": "int", "repr": int.__repr__(value)}


def _str_snap(value: str) -> Snapshot:
    return {"type": "str", "repr": str.__repr__(value)}

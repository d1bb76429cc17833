"""The encoder's fast paths: snapshots of flat and shallow containers without the general walk.

Split from :mod:`execbench.trace.snapshot` (mixed into its :class:`~execbench.trace.snapshot.Encoder`):
most of the state a trace records is lists, tuples and dicts of small ints and short strs,
or of such containers, and these paths make exactly the snapshots the general walk would
(the same texts, identity numbers in the same order, the same tuple cache) at a fraction of
its cost; anything else returns ``None`` and takes the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from execbench.trace import flat as _flat
from execbench.trace.flat import _CACHE_ITEMS, flat_parts
from execbench.trace.readers import ATOMIC_TYPES

__all__ = ["FastPaths"]

Snapshot = dict[str, Any]


class FastPaths:
    """Mixin for ``Encoder``: uses its ``limits``, ``ref``, ``_atom``, ``_tuples`` and caches."""

    __slots__ = ()

    # attributes and methods the Encoder provides
    limits: Any
    _tuples: dict[int, tuple[tuple[Any, ...], Snapshot]]
    _int_cache: dict[int, Snapshot]
    _str_cache: dict[str, Snapshot]
    _short_str: int

    ref: Callable[[object], int]
    _atom: Callable[[Any, type], Snapshot]

    def _flat_container(self, value: Any, t: type) -> Snapshot | None:
        """The snapshot of an exact list, tuple or dict of small ints or short strs (most
        of the state a trace records), made without the general walk; ``None`` sends the
        value down the general path, whose result this equals."""
        n = len(value)
        if not 0 < n <= self.limits.max_items:
            return self._cut_flat(value, t, n) if n and t is not dict else None
        if t is tuple:
            hit = self._tuples.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        cflat = _flat._cflat  # the C helper called without flat_parts' frame
        parts = (
            cflat(value, self._int_cache, self._str_cache, self._short_str, _CACHE_ITEMS)
            if cflat is not None
            else flat_parts(value, t, self._int_cache, self._str_cache, self._short_str)
        )
        if parts is None:
            try:
                return self._shallow(value, t, n)
            except RecursionError:  # near the limit: the general walk marks the error
                return None
        items, text = parts
        ref = self.ref(value)
        if t is not tuple:
            return {"type": t.__name__, "id": ref, "repr": text, "len": n, "items": items}
        return self._remember_tuple(value, ref, text, items)

    def _cut_flat(self, value: Any, t: type, n: int) -> Snapshot | None:
        """The snapshot of an exact list or tuple of more than ``max_items`` items whose
        first ``max_items`` are small ints or short strs: those, then the cut marks."""
        m = self.limits.max_items
        if m <= 0:
            return None
        parts = flat_parts(list(value[:m]), list, self._int_cache, self._str_cache, self._short_str)
        if parts is None:
            return None
        items, text = parts
        body = text[1:-1] + ", ..."
        return {
            "type": t.__name__,
            "id": self.ref(value),
            "repr": "[" + body + "]" if t is list else "(" + body + ")",
            "len": n,
            "items": items,
            "cut": "items",
            "literal": False,
        }

    def _shallow(self, value: Any, t: type, n: int) -> Snapshot | None:
        """The snapshot of an exact list, tuple or dict (n items, within the limits) whose
        items (keys and values) are atoms or exact lists, tuples and dicts of atoms (within
        the limits), made in two passes instead of the general walk, whose result this
        equals: the parts first (no identity number is taken, so ``None`` leaves no
        trace), then the numbers and snapshots in the walk's order."""
        atomic = ATOMIC_TYPES
        atom = self._atom
        entries: list[Any] = []  # per item: its snapshot (an atom's) or (value, parts)
        if t is dict:
            for k, v in dict.items(value):
                entries.append(k)
                entries.append(v)
        else:
            entries.extend(value)
        for i, x in enumerate(entries):
            tx = type(x)
            if tx in atomic:
                entries[i] = atom(x, tx)
                continue
            if self.limits.max_depth < 2 or not (tx is list or tx is tuple or tx is dict):
                return None
            parts = self._atoms_parts(x, tx)
            if parts is None:
                return None
            entries[i] = (x, parts)
        ref = self.ref(value)
        items: list[Any] = []
        for e in entries:
            if type(e) is tuple:
                x, (sub, text, literal, flat) = e
                tx = type(x)
                hit = self._tuples.get(id(x)) if tx is tuple else None
                if hit is not None and hit[0] is x:
                    e = hit[1]
                elif tx is tuple and flat:
                    e = self._remember_tuple(x, self.ref(x), text, sub)
                else:
                    e = {"type": tx.__name__, "id": self.ref(x), "repr": text, "len": len(sub), "items": sub}
                    if not literal:
                        e["literal"] = False
            items.append(e)
        if t is dict:
            pairs = [[items[i], items[i + 1]] for i in range(0, len(items), 2)]
            literal = all(k.get("literal", True) and v.get("literal", True) for k, v in pairs)
            text = "{" + ", ".join([f"{k['repr']}: {v['repr']}" for k, v in pairs]) + "}"
            snap = {"type": "dict", "id": ref, "repr": text, "len": n, "items": pairs}
        else:
            literal = all(c.get("literal", True) for c in items)
            body = ", ".join([c["repr"] for c in items])
            text = "[" + body + "]" if t is list else "(" + body + ("," if n == 1 else "") + ")"
            snap = {"type": t.__name__, "id": ref, "repr": text, "len": n, "items": items}
        if not literal:
            snap["literal"] = False
        return snap

    def _atoms_parts(self, value: Any, t: type) -> tuple[list[Any], str, bool, bool] | None:
        """(items, text, literal, flat) of an exact list, tuple or dict of atoms within the
        limits, as the general walk makes them (``flat``: by the flat helper, whose tuples
        the walk caches); ``None`` for anything else."""
        n = len(value)
        if n > self.limits.max_items:
            return None
        if n == 0:
            return [], "[]" if t is list else "()" if t is tuple else "{}", True, True
        cflat = _flat._cflat
        parts = (
            cflat(value, self._int_cache, self._str_cache, self._short_str, _CACHE_ITEMS)
            if cflat is not None
            else flat_parts(value, t, self._int_cache, self._str_cache, self._short_str)
        )
        if parts is not None:
            return parts[0], parts[1], True, True
        atomic = ATOMIC_TYPES
        atom = self._atom
        if t is dict:
            pairs = []
            for k, v in dict.items(value):
                tk, tv = type(k), type(v)
                if tk not in atomic or tv not in atomic:
                    return None
                pairs.append([atom(k, tk), atom(v, tv)])
            literal = all(k.get("literal", True) and v.get("literal", True) for k, v in pairs)
            text = "{" + ", ".join([f"{k['repr']}: {v['repr']}" for k, v in pairs]) + "}"
            return pairs, text, literal, False
        items = []
        for x in value:
            tx = type(x)
            if tx not in atomic:
                return None
            items.append(atom(x, tx))
        literal = all(c.get("literal", True) for c in items)
        body = ", ".join([c["repr"] for c in items])
        text = "[" + body + "]" if t is list else "(" + body + ("," if n == 1 else "") + ")"
        return items, text, literal, False

    def _remember_tuple(self, value: tuple[Any, ...], ref: int, text: str, items: list[Snapshot]) -> Snapshot:
        """The snapshot of a whole tuple of small atoms, cached by id (the tuple is kept
        with it, so its id cannot be reused while cached)."""
        if len(self._tuples) >= _CACHE_ITEMS:
            self._tuples.clear()
        snap = {"type": "tuple", "id": ref, "repr": text, "len": len(items), "items": items}
        self._tuples[id(value)] = (value, snap)
        return snap

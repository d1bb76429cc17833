"""The rule that decides which locals changed between two events of a frame.

Both engines follow it: the Python engine runs ``diff`` as is, the C engine
(``csrc/``) renders its common cases in C and calls ``diff_name`` / ``cleanup`` /
``diff`` for the rest, so the two record the same changes by construction.

Per frame the rule keeps five stores: ``atoms`` (name -> the atomic value last seen, kept
alive so ``atoms[name] is v`` is a sound "unchanged" test), ``snaps`` (name -> snapshot of
the non-atomic value last recorded), ``imms`` (name -> deep-immutable value known to be
unchanged), ``skipped`` (hidden names: compiler temporaries, module dunders) and ``fps``
(name -> fingerprint of a builtin container, compared by identity without running program
code). Every name of the frame's locals is in exactly one of atoms/snaps/skipped after a
diff.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from execbench.trace.fingerprint import fast_unchanged, fingerprint
from execbench.trace.pybehavior import PYBEHAVIOR
from execbench.trace.snapshot import ATOMIC_TYPES, Encoder, Snapshot, is_deep_immutable

__all__ = ["Rules", "make_rules"]

_MISSING = object()
_HIDDEN = PYBEHAVIOR.hidden_local_prefix

Stores = tuple[dict[str, Any], dict[str, Snapshot], dict[str, Any], set[str], dict[str, Any]]


class Rules(NamedTuple):
    """The rule's three entry points, bound to one trace's encoder and byte counter (a
    named tuple: one is made per trace, and it is cheaper to make than a dataclass)."""

    diff: Callable[..., dict[str, Any] | None]
    """(locals, atoms, snaps, imms, skipped, fps, module_like) -> changed names or None."""
    diff_name: Callable[..., Snapshot | None]
    """(name, value, atoms, snaps, imms, skipped, fps, module_like) -> snapshot to record
    for one local, or None when nothing is recorded for it."""
    cleanup: Callable[..., dict[str, Any] | None]
    """(locals, atoms, snaps, imms, skipped, fps, delta) -> delta plus ``None`` for every
    name that is gone from the locals."""


def make_rules(enc: Encoder, counts: list[int]) -> Rules:
    """The rule bound to ``enc`` (snapshots, caches) and ``counts[1]`` (bytes recorded);
    everything is a closure because cell reads are the cheapest lookups in CPython."""
    encode = enc.encode
    atom = enc._atom
    n_max = enc.limits.max_items
    is_ = operator.is_
    chain = itertools.chain
    atomic = ATOMIC_TYPES
    int_snaps = enc._int_cache
    str_snaps = enc._str_cache

    def diff_name(
        name: str,
        v: Any,
        atoms: dict[str, Any],
        snaps: dict[str, Snapshot],
        imms: dict[str, Any],
        skipped: set[str],
        fps: dict[str, Any],
        module_like: bool,
    ) -> Snapshot | None:
        t = type(v)
        if t is int or t is str or t is bool or v is None:
            old = atoms.get(name, _MISSING)
            if old is v or (type(old) is t and old == v):
                return None
            if name in skipped:
                return None
            if (
                old is _MISSING
                and name not in snaps
                and (name[0] == _HIDDEN or (module_like and name[:2] == "__" and name[-2:] == "__"))
            ):
                skipped.add(name)
                return None
            atoms[name] = v
            if name in snaps:
                del snaps[name]
                imms.pop(name, None)
                fps.pop(name, None)
            return (int_snaps.get(v) if t is int else str_snaps.get(v) if t is str else None) or atom(v, t)
        if imms.get(name, _MISSING) is v or name in skipped:
            return None
        old_fp = fps.get(name)
        if old_fp is not None and fast_unchanged(v, old_fp, n_max):
            return None
        fp = fingerprint(v, n_max)
        old_snap = snaps.get(name)
        if (
            old_snap is None
            and name not in atoms
            and (name[0] == _HIDDEN or (module_like and name[:2] == "__" and name[-2:] == "__"))
        ):
            skipped.add(name)
            return None
        snap = atom(v, t) if t in atomic else encode(v)
        if fp is not None:
            fps[name] = fp
        else:
            fps.pop(name, None)
        if old_snap is not None and old_snap == snap:
            if t in atomic or is_deep_immutable(v):
                imms[name] = v
            return None
        atoms.pop(name, None)
        snaps[name] = snap
        if is_deep_immutable(v):
            imms[name] = v
        else:
            imms.pop(name, None)
        return snap

    def cleanup(
        loc: dict[str, Any],
        atoms: dict[str, Any],
        snaps: dict[str, Snapshot],
        imms: dict[str, Any],
        skipped: set[str],
        fps: dict[str, Any],
        delta: dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        for store in (atoms, snaps, fps):
            for name in [n for n in store if n not in loc]:
                del store[name]
                if store is fps:
                    continue
                imms.pop(name, None)
                if delta is None:
                    delta = {}
                delta[name] = None
        for name in [n for n in skipped if n not in loc]:
            skipped.discard(name)
        return delta

    def diff(
        loc: dict[str, Any],
        atoms: dict[str, Any],
        snaps: dict[str, Snapshot],
        imms: dict[str, Any],
        skipped: set[str],
        fps: dict[str, Any],
        module_like: bool,
    ) -> dict[str, Any] | None:
        """The unchanged cases are decided inline (most locals, most steps); the rest is
        ``diff_name``'s."""
        delta: dict[str, Any] | None = None
        cost = 0
        for name, v in loc.items():
            t = type(v)
            if t is int or t is str or t is bool or v is None:
                old = atoms.get(name, _MISSING)
                if old is v or (type(old) is t and old == v):
                    continue
            else:
                if imms.get(name, _MISSING) is v or name in skipped:
                    continue
                old_fp = fps.get(name)
                # identities only: a small list or dict whose items are the same objects
                if old_fp is not None and id(v) == old_fp[0] and t is old_fp[3]:
                    if t is list:
                        if len(v) == old_fp[1] <= n_max and all(map(is_, v, old_fp[2])):
                            continue
                    elif t is dict:
                        if len(v) == old_fp[1] <= n_max and all(
                            map(is_, chain(dict.keys(v), dict.values(v)), old_fp[2])
                        ):
                            continue
            snap = diff_name(name, v, atoms, snaps, imms, skipped, fps, module_like)
            if snap is None:
                continue
            if delta is None:
                delta = {}
            delta[name] = snap
            cost += 24 + len(snap["repr"])
        if len(atoms) + len(snaps) + len(skipped) > len(loc):
            delta = cleanup(loc, atoms, snaps, imms, skipped, fps, delta)
        if cost:
            counts[1] += cost
        return delta

    return Rules(diff, diff_name, cleanup)

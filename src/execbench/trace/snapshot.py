"""Deterministic, typed, bounded snapshots of the traced program's values.

A snapshot is a plain JSON-able dict (so it can be streamed and stored without conversion):

``type``     the value's real type name (``type(v)``, never ``v.__class__``, which can lie);
``repr``     text: a Python literal with ``eval(repr) == value`` unless ``literal`` is false;
``literal``  present (and false) only when ``repr`` is display text, not a faithful literal;
``id``       per-trace identity number of a non-atomic value: equal ids within one step
             mean ``a is b`` (numbers are given in order of first appearance);
``len``      true length of a container (``items`` may be shorter when cut);
``items``    child snapshots of a sequence/set, or ``[key, value]`` pairs of a mapping;
``fields``   ``{name: snapshot}`` of an object (dataclass fields, ``__dict__``, ``__slots__``);
``special``  ``"inf"``, ``"-inf"`` or ``"nan"`` for such floats (``repr`` is ``float('inf')``);
``cut``      what a limit removed: ``depth``, ``items``, ``str``, ``int``, ``cycle``, ``error``.

Why so careful: the program's objects are hostile. We never call a user-defined method
(``__repr__``, ``__eq__``, ``__len__``, ``__iter__``, ``__getattr__``, ``__hash__``, properties):
containers are read through their builtin base type's C methods (``list.__iter__(x)``,
``dict.items(x)``), attributes through the C getset/member descriptors found in the class
dicts, and identity/type through ``id``/``type``. Iterators and generators are never consumed.
Anything unexpected becomes a snapshot with ``cut: "error"`` instead of an exception, so
snapshotting cannot crash, hang or change the traced run.

Snapshots of equal atoms and of unchanged tuples are shared (small ints and short strs
across traces, tuples within one): treat snapshots as read-only values.
"""

from __future__ import annotations

import collections
import itertools
import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from execbench.trace._snapfast import FastPaths
from execbench.trace.flat import _CACHE_ITEMS, flat_items, tuple_text
from execbench.trace.pybehavior import PYBEHAVIOR
from execbench.trace.readers import (
    _CALLABLE_TYPES,
    _EXC_ARGS,
    _MODULE_NAME,
    _ORDERABLE,
    _SAFE_REPR_TYPES,
    _TO_BASE,
    ATOMIC_TYPES,
    _generator_state,
    _qualname,
    _TypeInfo,
    is_deep_immutable,
    safe_repr_ok,
)

__all__ = ["Snapshot", "SnapshotLimits", "Encoder", "ATOMIC_TYPES", "is_deep_immutable"]

#: A snapshot is a JSON-able dict; see the module docstring for its keys.
Snapshot = dict[str, Any]


def _remember(cache: dict[Any, Snapshot], value: Any, snap: Snapshot) -> Snapshot:
    """Cache ``snap`` for ``value``; a full cache starts over (bounded memory on long traces)."""
    if len(cache) >= _CACHE_ITEMS:
        cache.clear()
    cache[value] = snap
    return snap


@dataclass(frozen=True)
class SnapshotLimits:
    """Bounds on one snapshot; anything beyond is replaced and marked with ``cut``."""

    max_depth: int = 6
    """Nesting levels expanded below the top value."""
    max_items: int = 200
    """Items of one container kept (the true size is in ``len``)."""
    max_str: int = 2000
    """Characters of a str (or bytes) kept."""
    max_int_digits: int = 1000
    """Decimal digits of an int formatted; bigger ints become ``cut: "int"`` (and this is
    always below the interpreter's int->str limit, which would raise)."""


class Encoder(FastPaths):
    """Encodes values into snapshots for one trace (the identity numbering is per trace).

    Not thread-safe by itself; the engine serialises calls. Holds no reference to the
    program's objects, only their ``id`` numbers and per-class facts.
    """

    __slots__ = ("limits", "_ids", "_next_ref", "_types", "_int_cache", "_str_cache", "_short_str", "_tuples")

    def __init__(self, limits: SnapshotLimits | None = None) -> None:
        self.limits = limits or SnapshotLimits()
        self._ids: dict[int, int] = {}
        self._next_ref = 0
        self._types: dict[type, _TypeInfo] = {}
        # Snapshots of small ints and short strs do not depend on the trace (only on
        # max_str, when it is below the cached length), so traces share them: a process
        # tracing many small calls would otherwise rebuild the same few hundred each time.
        shared = self.limits.max_str >= _SHORT_STR
        self._int_cache: dict[int, Snapshot] = _SHARED_INTS if shared else {}
        self._str_cache: dict[str, Snapshot] = _SHARED_STRS if shared else {}
        self._short_str = min(_SHORT_STR, self.limits.max_str)
        # snapshots of tuples of small atomics, by id; the tuple is kept so its id stays its own
        self._tuples: dict[int, tuple[tuple[Any, ...], Snapshot]] = {}

    def ref(self, value: object) -> int:
        """The per-trace identity number of ``value``.

        Numbers are never reused; the id -> number table is bounded by starting afresh after
        ``_CACHE_ITEMS`` entries (a live object then gets a new number, once), so identity is
        exact within a step and memory stays bounded over millions of steps."""
        key = id(value)
        ref = self._ids.get(key)
        if ref is None:
            if len(self._ids) >= _CACHE_ITEMS:
                self._ids.clear()
            self._next_ref += 1
            ref = self._ids[key] = self._next_ref
        return ref

    def encode(self, value: object) -> Snapshot:
        """Snapshot of ``value``; never raises, never runs the program's code."""
        t = type(value)
        if (t is list or t is tuple or t is dict) and self.limits.max_depth > 0:
            snap = self._flat_container(value, t)
            if snap is not None:
                return snap
        try:
            return self._enc(value, 0, set())
        except Exception as exc:  # defensive: the value defeated a reader
            return {
                "type": _qualname(type(value)),
                "repr": "<?>",
                "literal": False,
                "cut": "error",
                "error": type(exc).__name__,
            }

    # -- internals -----------------------------------------------------------------------

    def _info(self, cls: type) -> _TypeInfo:
        info = self._types.get(cls)
        if info is None:
            # builtin (static) types cannot change, so what is found about them is shared
            if not type.__dict__["__flags__"].__get__(cls) & _HEAPTYPE:
                info = _STATIC_INFO.get(cls)
                if info is None:
                    info = _STATIC_INFO[cls] = _TypeInfo(cls)
            else:
                info = _TypeInfo(cls)
            self._types[cls] = info
        return info

    def _long_text(self, value: Any, name: str, rep: Callable[[Any], str]) -> Snapshot:
        """A str/bytes over ``max_str``: its head, marked as cut (not a literal any more)."""
        head = rep(value[: self.limits.max_str])
        return {"type": name, "repr": head, "literal": False, "len": len(value), "cut": "str"}

    def _atom(self, value: Any, t: type) -> Snapshot:
        if t is str:
            if len(value) > self.limits.max_str:
                return self._long_text(value, "str", str.__repr__)
            if len(value) <= self._short_str:
                snap = self._str_cache.get(value)
                if snap is None:
                    snap = _remember(self._str_cache, value, {"type": "str", "repr": str.__repr__(value)})
                return snap
            return {"type": "str", "repr": str.__repr__(value)}
        if t is int:
            if -(10**9) < value < 10**9:
                snap = self._int_cache.get(value)
                if snap is None:
                    snap = _remember(self._int_cache, value, {"type": "int", "repr": int.__repr__(value)})
                return snap
            # bit_length * log10(2) bounds the digit count without formatting the int
            if value.bit_length() * 0.30103 > self.limits.max_int_digits:
                return {
                    "type": "int",
                    "repr": f"<int of {value.bit_length()} bits>",
                    "literal": False,
                    "cut": "int",
                }
            return {"type": "int", "repr": int.__repr__(value)}
        if t is bool:
            return _TRUE if value else _FALSE
        if t is float:
            if value != value:
                return _NAN
            if value in (math.inf, -math.inf):
                return _INF if value > 0 else _NINF
            return {"type": "float", "repr": float.__repr__(value)}
        if value is None:
            return _NONE
        if t is bytes:
            if len(value) > self.limits.max_str:
                return self._long_text(value, "bytes", bytes.__repr__)
            return {"type": "bytes", "repr": bytes.__repr__(value)}
        if t is complex:
            text = complex.__repr__(value)
            snap: Snapshot = {"type": "complex", "repr": text}
            if "nan" in text or "inf" in text:
                snap["literal"] = False
            return snap
        if value is ...:
            return {"type": "ellipsis", "repr": "..."}
        return {"type": "NotImplementedType", "repr": "NotImplemented"}

    def _enc(self, value: Any, depth: int, path: set[int]) -> Snapshot:
        t = type(value)
        if t in ATOMIC_TYPES:
            return self._atom(value, t)
        if t is tuple:
            hit = self._tuples.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        ref = self.ref(value)
        if id(value) in path:
            return {"type": self._info(t).name, "id": ref, "repr": "...", "literal": False, "cut": "cycle"}
        if depth >= self.limits.max_depth:
            return {"type": self._info(t).name, "id": ref, "repr": "...", "literal": False, "cut": "depth"}
        if t in _SAFE_REPR_TYPES and safe_repr_ok(value, t):
            return {
                "type": t.__name__,
                "id": ref,
                "repr": repr(value),
                "literal": t in (range, slice) and "..." not in repr(value),
            }
        info = self._info(t)
        base = info.base
        path.add(id(value))
        try:
            if base is list or base is tuple or base is collections.deque:
                return self._sequence(value, t, base, info, ref, depth, path)
            if base is dict:
                return self._mapping(value, t, info, ref, depth, path)
            if base is set or base is frozenset:
                return self._set(value, t, base, info, ref, depth, path)
            if base is bytearray:
                data = bytes(bytearray.copy(value))
                text = "bytearray(" + bytes.__repr__(data[: self.limits.max_str]) + ")"
                return {
                    "type": info.name,
                    "id": ref,
                    "repr": text,
                    "len": len(data),
                    "literal": t is bytearray and len(data) <= self.limits.max_str,
                }
            return self._object(value, t, info, ref, depth, path)
        finally:
            path.discard(id(value))

    def _children(self, it: Any, n: int, depth: int, path: set[int]) -> tuple[list[Snapshot], bool]:
        items: list[Snapshot] = []
        limit = self.limits.max_items
        for item in it:
            if len(items) >= limit:
                return items, True
            items.append(self._enc(item, depth + 1, path))
        return items, n > len(items)

    def _sequence(
        self, value: Any, t: type, base: type, info: _TypeInfo, ref: int, depth: int, path: set[int]
    ) -> Snapshot:
        n = base.__len__(value)
        flat = (
            flat_items(
                list(itertools.islice(base.__iter__(value), self.limits.max_items)),
                self._int_cache,
                self._str_cache,
                self._short_str,
            )
            if base is not collections.deque
            else None
        )
        if flat is not None:
            items, cut = flat, n > len(flat)
            literal = not cut
            if t is tuple and not cut:
                return self._remember_tuple(value, ref, tuple_text(items), items)
        else:
            items, cut = self._children(base.__iter__(value), n, depth, path)
            literal = not cut and all(c.get("literal", True) for c in items)
        body = ", ".join([c["repr"] for c in items]) + (", ..." if cut else "")
        if base is list:
            text = "[" + body + "]"
        elif base is tuple:
            text = "(" + body + ("," if n == 1 else "") + ")"
        else:
            text = "deque([" + body + "])"
            literal = False
        snap: Snapshot = {"type": info.name, "id": ref, "repr": text, "len": n, "items": items}
        if t is not base:
            literal = False
            if info.nt_fields is not None and len(info.nt_fields) == n and not cut:
                snap["repr"] = (
                    info.name
                    + "("
                    + ", ".join(f"{k}={c['repr']}" for k, c in zip(info.nt_fields, items, strict=True))
                    + ")"
                )
                snap["fields"] = dict(zip(info.nt_fields, items, strict=True))
            else:
                snap["repr"] = info.name + "(" + text + ")"
        return _marked(snap, cut, literal)

    def _mapping(
        self, value: Any, t: type, info: _TypeInfo, ref: int, depth: int, path: set[int]
    ) -> Snapshot:
        n = dict.__len__(value)
        pairs_iter = (
            collections.OrderedDict.items(value) if t is collections.OrderedDict else dict.items(value)
        )
        items: list[list[Snapshot]] = []
        cut = False
        for k, v in pairs_iter:
            if len(items) >= self.limits.max_items:
                cut = True
                break
            items.append([self._enc(k, depth + 1, path), self._enc(v, depth + 1, path)])
        literal = not cut and all(k.get("literal", True) and v.get("literal", True) for k, v in items)
        body = ", ".join(f"{k['repr']}: {v['repr']}" for k, v in items) + (", ..." if cut else "")
        text = "{" + body + "}"
        snap: Snapshot = {"type": info.name, "id": ref, "repr": text, "len": n, "items": items}
        if t is not dict:
            literal = False
            if t is collections.defaultdict:
                factory = collections.defaultdict.__dict__["default_factory"].__get__(value)
                fname = (
                    _qualname(factory)
                    if issubclass(type(factory), type)
                    else ("None" if factory is None else "<callable>")
                )
                snap["repr"] = f"defaultdict({fname}, {text})"
            else:
                snap["repr"] = f"{info.name}({text})"
        return _marked(snap, cut, literal)

    def _set(
        self, value: Any, t: type, base: type, info: _TypeInfo, ref: int, depth: int, path: set[int]
    ) -> Snapshot:
        n = base.__len__(value)
        elems = list(base.__iter__(value))
        kinds = frozenset(type(e) for e in elems)
        if any(kinds <= group for group in _ORDERABLE) and not any(
            type(e) is float and e != e for e in elems
        ):
            elems.sort()
            items, cut = self._children(iter(elems), n, depth, path)
        else:
            items, cut = self._children(iter(elems), n, depth, path)
            items.sort(key=lambda c: (c["type"], c["repr"]))
        literal = not cut and all(c.get("literal", True) for c in items)
        body = ", ".join(c["repr"] for c in items) + (", ..." if cut else "")
        text = ("{" + body + "}") if items else "set()"
        if base is frozenset:
            text = "frozenset(" + (text if items else "") + ")"
        snap: Snapshot = {"type": info.name, "id": ref, "repr": text, "len": n, "items": items}
        if t is not base:
            literal = False
            snap["repr"] = f"{info.name}({text})"
        return _marked(snap, cut, literal)

    def _object(self, value: Any, t: type, info: _TypeInfo, ref: int, depth: int, path: set[int]) -> Snapshot:
        name = info.name
        snap: Snapshot = {"type": name, "id": ref, "literal": False}
        if issubclass(t, type):
            snap["repr"] = f"<class '{_qualname(value)}'>"
            return snap
        if issubclass(t, _CALLABLE_TYPES):
            qual = getattr(value, "__qualname__", None) if t is not types.MethodType else None
            snap["repr"] = f"<{name} {qual if type(qual) is str else '?'}>"
            return snap
        if t is types.ModuleType:
            mname = _MODULE_NAME(value).get("__name__")
            snap["repr"] = f"<module '{mname if type(mname) is str else '?'}'>"
            return snap
        if t is types.GeneratorType or t is types.CoroutineType or t is types.AsyncGeneratorType:
            snap["repr"] = f"<{name}>"
            snap["state"] = _generator_state(value)
            return snap
        fields: dict[str, Snapshot] = {}
        base = info.base
        if base is not None and base not in (list, tuple, dict, set, frozenset, collections.deque):
            plain = _TO_BASE[base](value)
            fields["value"] = self._atom(plain, base)
        if issubclass(t, BaseException):
            fields["args"] = self._enc(_EXC_ARGS(value), depth + 1, path)
        inst: Any = info.dict_getter(value) if info.dict_getter is not None else None
        order: tuple[str, ...] | None = info.dc_fields
        budget = self.limits.max_items
        cut = False
        if type(inst) is dict:
            keys = order if order is not None else tuple(k for k in dict.keys(inst) if type(k) is str)
            for key in keys:
                if dict.__contains__(inst, key):
                    if len(fields) >= budget:
                        cut = True
                        break
                    fields[key] = self._enc(dict.__getitem__(inst, key), depth + 1, path)
        for key, getter in info.slots:
            if key in fields or key in ("__weakref__", "__dict__"):
                continue
            try:
                item = getter(value)
            except AttributeError:
                continue
            if len(fields) >= budget:
                cut = True
                break
            fields[key] = self._enc(item, depth + 1, path)
        if info.is_enum and "_name_" in fields:
            snap["repr"] = f"{name}.{fields['_name_']['repr'].strip(chr(39))}"
        elif info.dc_fields is not None or issubclass(t, BaseException):
            shown = info.dc_fields if info.dc_fields is not None else ("args",)
            snap["repr"] = (
                name + "(" + ", ".join(f"{k}={fields[k]['repr']}" for k in shown if k in fields) + ")"
            )
        elif "value" in fields and base is not None:
            snap["repr"] = f"{name}({fields['value']['repr']})"
        else:
            snap["repr"] = f"<{name} object>"
        if fields:
            snap["fields"] = fields
        if cut:
            snap["cut"] = "items"
        return snap


#: Strs up to this length have cached snapshots.
_SHORT_STR = 64
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time (by a class statement)
_SHARED_INTS: dict[int, Snapshot] = {}
_SHARED_STRS: dict[str, Snapshot] = {}
_STATIC_INFO: dict[type, _TypeInfo] = {}


def _marked(snap: Snapshot, cut: bool, literal: bool) -> Snapshot:
    """A container's snapshot with the marks its walk found: items cut, not a literal."""
    if cut:
        snap["cut"] = "items"
    if not literal:
        snap["literal"] = False
    return snap


_NONE: Snapshot = {"type": "NoneType", "repr": "None"}
_TRUE: Snapshot = {"type": "bool", "repr": "True"}
_FALSE: Snapshot = {"type": "bool", "repr": "False"}
_NAN: Snapshot = {"type": "float", "repr": "float('nan')", "special": "nan"}
_INF: Snapshot = {"type": "float", "repr": "float('inf')", "special": "inf"}
_NINF: Snapshot = {"type": "float", "repr": "-float('inf')", "special": "-inf"}
assert PYBEHAVIOR.int_max_str_digits == 0 or SnapshotLimits().max_int_digits < PYBEHAVIOR.int_max_str_digits

"""How to read the program's objects without running any of their code.

Every reader here goes through a C-level slot of a builtin type: the getset/member
descriptors of ``type`` and of the instance's class dicts, the base type's own methods
(``int.__pos__`` instead of ``int(x)``, which would call a user ``__int__``), ``type(x)``
instead of ``x.__class__``, ``issubclass(type(x), T)`` instead of ``isinstance`` (which
falls back to the instance's ``__class__`` attribute). ``_TypeInfo`` finds, once per class,
where an instance keeps its fields.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import types
from typing import Any

__all__ = ["ATOMIC_TYPES", "is_deep_immutable"]

#: Exact types whose values are immutable and hold no other objects.
ATOMIC_TYPES: frozenset[type] = frozenset(
    {type(None), bool, int, float, complex, str, bytes, type(...), type(NotImplemented)}
)

_TYPE_GET = type.__dict__["__dict__"].__get__
_MRO_GET = type.__dict__["__mro__"].__get__
_QUALNAME_GET = type.__dict__["__qualname__"].__get__
_MODULE_NAME = types.ModuleType.__dict__["__dict__"].__get__
_EXC_ARGS = BaseException.__dict__["args"].__get__
_MODULE_OF = type.__dict__["__module__"].__get__
_GETSET = types.GetSetDescriptorType
_MEMBER = types.MemberDescriptorType
_SAFE_REPR_TYPES: frozenset[type] = frozenset(
    {
        decimal.Decimal,
        fractions.Fraction,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        range,
        slice,
    }
)
_CALLABLE_TYPES: tuple[type, ...] = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.LambdaType,
)
_ORDERABLE = (frozenset({int, float, bool}), frozenset({str}), frozenset({bytes}))


def safe_repr_ok(value: Any, t: type) -> bool:
    """Whether the stdlib ``repr`` of a ``_SAFE_REPR_TYPES`` value stays in stdlib code
    (a slice's bounds and a datetime's tzinfo may be the program's objects)."""
    if t is slice:
        return all(type(x) in ATOMIC_TYPES for x in (value.start, value.stop, value.step))
    if t is datetime.datetime or t is datetime.time:
        return value.tzinfo is None or type(value.tzinfo) is datetime.timezone
    return True


def is_deep_immutable(value: object, depth: int = 3) -> bool:
    """True when ``value`` can never change: an atomic, or a tuple/frozenset of such.

    Such values may be kept by reference and encoded later (lazy encoding) and compared
    by identity; everything else must be encoded at the step where it is observed.
    """
    t = type(value)
    if t in ATOMIC_TYPES:
        return True
    if (t is tuple or t is frozenset) and depth > 0:
        for item in tuple.__iter__(value) if t is tuple else frozenset.__iter__(value):  # type: ignore[arg-type]
            if not is_deep_immutable(item, depth - 1):
                return False
        return True
    return False


class _TypeInfo:
    """What the encoder knows about one class, found once without running its code."""

    __slots__ = ("name", "base", "dict_getter", "slots", "dc_fields", "nt_fields", "is_enum")

    def __init__(self, cls: type) -> None:
        self.name: str = _qualname(cls)
        mro: tuple[type, ...] = _MRO_GET(cls)
        self.base: type | None = next((b for b in mro if b in _BASE_KINDS), None)
        self.dict_getter: Any = None
        self.slots: list[tuple[str, Any]] = []
        self.dc_fields: tuple[str, ...] | None = None
        self.nt_fields: tuple[str, ...] | None = None
        self.is_enum = False
        seen: set[str] = set()
        for klass in mro:
            cdict = _TYPE_GET(klass)
            for key, desc in cdict.items():
                if key in seen:
                    continue
                seen.add(key)
                if key == "__dict__" and type(desc) is _GETSET and self.dict_getter is None:
                    self.dict_getter = desc.__get__
                elif type(desc) is _MEMBER and klass is not object:
                    self.slots.append((key, desc.__get__))
            if self.dc_fields is None and "__dataclass_fields__" in cdict:
                fields = cdict["__dataclass_fields__"]
                if type(fields) is dict:
                    self.dc_fields = tuple(k for k in dict.keys(fields) if type(k) is str)
            if self.nt_fields is None and "_fields" in cdict and tuple in mro:
                nt = cdict["_fields"]
                if type(nt) is tuple and all(type(x) is str for x in nt):
                    self.nt_fields = nt
            if _MODULE_OF(klass) == "enum" and _qualname(klass) in ("Enum", "IntEnum", "Flag", "IntFlag"):
                self.is_enum = True


def _qualname(cls: type) -> str:
    try:
        name = _QUALNAME_GET(cls)
        return name if type(name) is str else "?"
    except Exception:
        return "?"


_BASE_KINDS: frozenset[type] = frozenset(
    {list, tuple, dict, set, frozenset, str, bytes, bytearray, int, float, complex, collections.deque}
)


def _generator_state(gen: Any) -> str:
    """created / suspended / running / closed, read without resuming the generator."""
    prefix = (
        "gi" if type(gen) is types.GeneratorType else ("cr" if type(gen) is types.CoroutineType else "ag")
    )
    if getattr(gen, f"{prefix}_running", False):
        return "running"
    if getattr(gen, f"{prefix}_frame", None) is None:
        return "closed"
    return "suspended" if getattr(gen, f"{prefix}_suspended", False) else "created"


#: Exact copies of a builtin-subclass instance through the base type's C methods only
#: (``int(x)`` would call a user ``__int__``; ``int.__pos__`` does not).
_TO_BASE: dict[type, Any] = {
    int: int.__pos__,
    float: float.__pos__,
    complex: complex.__pos__,
    str: str.__str__,
    bytes: bytes.__bytes__,
}

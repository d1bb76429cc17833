"""Plain data across the judge's channel: exact builtin values in, exact builtin values out.

The judged (candidate) process encodes what its calls returned; the trusted judge decodes
it. Only values whose type is *exactly* one of ``None, bool, int, float, complex, str,
bytes, list, tuple, dict, set, frozenset`` (recursively) are plain: checked with
``type(v) is T``, never ``isinstance`` (a subclass may override ``__eq__``), and read
through the builtin types' own C methods, so encoding never runs a method of the
program's. Anything else, or a plain value past the bounds, is *opaque*: the strict judge
fails it; the compat judge keeps it in the candidate process behind a handle.

Encoding (JSON-able, tagged lists): ``["N"]``, ``["b", bool]``, ``["i", hex]``,
``["f", float.hex]``, ``["c", re_hex, im_hex]``, ``["s", str]``, ``["y", latin-1 str]``,
``["l"|"t"|"S"|"F", [items]]`` (list, tuple, set, frozenset), ``["d", [[k, v], ...]]``,
and ``["h", handle, type name]`` for an opaque value. Floats and ints travel exactly (hex),
so a decoded value is bit-for-bit the returned one.

Decoding builds fresh builtin objects only, and rejects anything malformed with
``ValueError`` (the channel is untrusted input). :func:`same` is the judge's own
comparison of two plain values (output/input answers): Python equality on the decoded
builtins, except that floats are equal within :data:`FLOAT_REL_TOL` (relative) and NaN
equals NaN; complex numbers compare part by part the same way.

Standard library only: loaded in sandbox workers.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["encode", "decode", "Opaque", "same", "FLOAT_REL_TOL", "MAX_NODES", "MAX_DEPTH"]

#: Relative tolerance of :func:`same` for floats (and complex parts): 1e-9, i.e. the value
#: must agree in its first ~9 significant digits; exact zero needs an exact zero.
FLOAT_REL_TOL = 1e-9
#: Containers nest at most this deep; deeper values are opaque.
MAX_DEPTH = 100
#: At most this many values (atoms and containers) in one encoded value.
MAX_NODES = 1_000_000
#: At most this many characters of str/bytes in one encoded value.
MAX_CHARS = 16 * 1024 * 1024

_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_set_iter = set.__iter__
_fset_iter = frozenset.__iter__
_dict_items = dict.items
_float_hex = float.hex


class _TooBig(Exception):
    pass


class Opaque:
    """A value that is not plain data: ``type_name`` and the candidate's ``handle`` (or None)."""

    __slots__ = ("type_name", "handle")

    def __init__(self, type_name: str, handle: int | None = None) -> None:
        self.type_name = type_name
        self.handle = handle


def _type_name(value: Any) -> str:
    name = type.__dict__["__qualname__"].__get__(type(value))
    return name if type(name) is str else "<unnamed>"


def encode(value: Any, handle_of: Any = None) -> list[Any]:
    """The tagged form of ``value``; ``handle_of(obj) -> int`` names opaque objects (else None)."""
    budget = [MAX_NODES, MAX_CHARS]
    try:
        return _enc(value, 0, budget, handle_of)
    except (_TooBig, RecursionError):
        return ["h", None if handle_of is None else handle_of(value), _type_name(value)]


def _enc(v: Any, depth: int, budget: list[int], handle_of: Any) -> list[Any]:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _TooBig
    t = type(v)
    if v is None:
        return ["N"]
    if t is bool:
        return ["b", v is True]
    if t is int:
        return ["i", int.__format__(v, "x")]
    if t is float:
        return ["f", _float_hex(v)]
    if t is str:
        budget[1] -= len(v)
        if budget[1] < 0:
            raise _TooBig
        return ["s", v]
    if t is bytes:
        budget[1] -= len(v)
        if budget[1] < 0:
            raise _TooBig
        return ["y", bytes.decode(v, "latin-1")]
    if t is complex:
        return [
            "c",
            _float_hex(complex.__getattribute__(v, "real")),
            _float_hex(complex.__getattribute__(v, "imag")),
        ]
    d = depth + 1
    if t is list:
        return ["l", [_enc(x, d, budget, handle_of) for x in _list_iter(v)]]
    if t is tuple:
        return ["t", [_enc(x, d, budget, handle_of) for x in _tuple_iter(v)]]
    if t is dict:
        return [
            "d",
            [[_enc(k, d, budget, handle_of), _enc(x, d, budget, handle_of)] for k, x in _dict_items(v)],
        ]
    if t is set:
        return ["S", [_enc(x, d, budget, handle_of) for x in _set_iter(v)]]
    if t is frozenset:
        return ["F", [_enc(x, d, budget, handle_of) for x in _fset_iter(v)]]
    if depth == 0:
        return ["h", None if handle_of is None else handle_of(v), _type_name(v)]
    raise _TooBig  # an opaque value inside a container makes the whole container opaque


def decode(tree: Any, opaque: Any = None) -> Any:
    """The builtin value of ``tree``; ``opaque(handle, type_name)`` builds what ``["h", ...]``
    stands for (default: an :class:`Opaque`). Raises ``ValueError`` on malformed input."""
    budget = [MAX_NODES]
    try:
        return _dec(tree, 0, budget, opaque)
    except (TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise ValueError(f"malformed value: {type(exc).__name__}") from None


def _dec(tree: Any, depth: int, budget: list[int], opaque: Any) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH + 1 or type(tree) is not list or not tree:
        raise ValueError("malformed value")
    tag = tree[0]
    if tag == "N":
        return None
    if tag == "b" and type(tree[1]) is bool:
        return tree[1]
    if tag == "i" and type(tree[1]) is str:
        return int(tree[1], 16)
    if tag == "f" and type(tree[1]) is str:
        return float.fromhex(tree[1])
    if tag == "c" and type(tree[1]) is str and type(tree[2]) is str:
        return complex(float.fromhex(tree[1]), float.fromhex(tree[2]))
    if tag == "s" and type(tree[1]) is str:
        return tree[1]
    if tag == "y" and type(tree[1]) is str:
        return tree[1].encode("latin-1")
    if tag == "h":
        handle, name = tree[1], tree[2]
        if not (handle is None or type(handle) is int) or type(name) is not str:
            raise ValueError("malformed handle")
        return Opaque(name, handle) if opaque is None else opaque(handle, name)
    if type(tree[1]) is not list:
        raise ValueError("malformed value")
    items = tree[1]
    d = depth + 1
    if tag == "l":
        return [_dec(x, d, budget, opaque) for x in items]
    if tag == "t":
        return tuple(_dec(x, d, budget, opaque) for x in items)
    if tag == "S":
        # Built as the compiler builds a set display ({1, 2}: an empty set updated from a
        # constant frozenset), so a literal argument iterates in the order it would upstream.
        out_set: set[Any] = set()
        out_set.update(frozenset(_dec(x, d, budget, opaque) for x in items))
        return out_set
    if tag == "F":
        return frozenset(_dec(x, d, budget, opaque) for x in items)
    if tag == "d":
        out = {}
        for pair in items:
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("malformed dict item")
            out[_dec(pair[0], d, budget, opaque)] = _dec(pair[1], d, budget, opaque)
        return out
    raise ValueError(f"unknown tag {tag!r}")


def is_plain(value: Any) -> bool:
    """``value`` holds no :class:`Opaque` (after :func:`decode`)."""
    t = type(value)
    if t is Opaque:
        return False
    if t in (list, tuple, set, frozenset):
        return all(is_plain(x) for x in value)
    if t is dict:
        return all(is_plain(k) and is_plain(x) for k, x in value.items())
    return True


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return math.isclose(a, b, rel_tol=FLOAT_REL_TOL, abs_tol=0.0)


def same(a: Any, b: Any) -> bool:
    """Plain-data equality with the float tolerance (see the module docstring).

    Containers compare item by item with the same rule (sets and dict keys by Python
    equality, since a tolerant hash does not exist); int/bool/float mix as Python's ``==``.
    """
    ta, tb = type(a), type(b)
    if ta is float or tb is float:
        if ta in (int, float, bool) and tb in (int, float, bool):
            return _close(float(a), float(b))
        return False
    if ta is complex or tb is complex:
        if ta in (int, float, bool, complex) and tb in (int, float, bool, complex):
            ca, cb = complex(a), complex(b)
            return _close(ca.real, cb.real) and _close(ca.imag, cb.imag)
        return False
    if ta in (list, tuple) and ta is tb:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if ta is dict and tb is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if Opaque in (ta, tb):
        return False
    return bool(a == b)

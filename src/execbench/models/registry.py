"""Backend registry: a model spec ``"scheme:rest"`` names a factory.

Factories are registered either as callables or as ``"package.module:attribute"``
strings imported on first use, so that a provider needing an optional dependency
costs nothing until it is asked for, and a missing dependency becomes a one-line
``UserError`` with the ``pip install`` command instead of a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from execbench.errors import UserError
from execbench.models.types import Backend

__all__ = ["get_backend", "register_backend", "schemes", "BackendFactory"]

#: ``factory(rest_of_spec, **options) -> Backend``
BackendFactory = Callable[..., Backend]


@dataclass(frozen=True)
class _Entry:
    factory: BackendFactory | str
    extra: str | None
    """Name of the ``execbench[extra]`` that provides the factory's dependencies."""


_REGISTRY: dict[str, _Entry] = {}


def register_backend(scheme: str, factory: BackendFactory | str, *, extra: str | None = None) -> None:
    """Register (or replace) the factory for ``scheme``.

    ``factory`` is called as ``factory(rest, **options)`` where ``rest`` is the spec after
    ``"scheme:"``. A string ``"module:attr"`` is imported lazily; if the import fails for a
    missing third-party module, ``get_backend`` raises a ``UserError`` suggesting
    ``pip install 'execbench[<extra>]'`` (or the missing module itself when no extra is given).
    """
    if not scheme or ":" in scheme or scheme != scheme.strip():
        raise ValueError(f"invalid backend scheme {scheme!r}")
    _REGISTRY[scheme] = _Entry(factory, extra)


def schemes() -> tuple[str, ...]:
    """The registered schemes, sorted."""
    return tuple(sorted(_REGISTRY))


def _resolve(scheme: str, entry: _Entry) -> BackendFactory:
    if not isinstance(entry.factory, str):
        return entry.factory
    module_name, _, attr = entry.factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        what = f"'execbench[{entry.extra}]'" if entry.extra else missing.split(".")[0]
        raise UserError(
            f"model backend '{scheme}:' needs the missing module '{missing}'; install it with: pip install {what}"
        ) from None
    return getattr(module, attr)  # type: ignore[no-any-return]


def get_backend(spec: str, **options: Any) -> Backend:
    """Make the backend named by ``spec``, e.g. ``"openai:gpt-4o-mini"`` or ``"baseline:zero"``."""
    scheme, sep, rest = spec.partition(":")
    known = ", ".join(f"{s}:" for s in schemes())
    if not sep or scheme not in _REGISTRY:
        raise UserError(f"unknown model '{spec}': use one of the schemes {known} (e.g. 'openai:gpt-4o-mini')")
    if not rest:
        raise UserError(f"model '{spec}' is missing its name after '{scheme}:' (e.g. '{scheme}:<name>')")
    return _resolve(scheme, _REGISTRY[scheme])(rest, **options)


register_backend("openai", "execbench.models.openai:make_openai_backend")
register_backend("replay", "execbench.models.replay:make_replay_backend")
register_backend("baseline", "execbench.models.baselines:make_baseline_backend")
register_backend("python", "execbench.models.pyentry:make_python_backend")

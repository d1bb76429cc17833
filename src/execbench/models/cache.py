"""Response cache keys: one per (backend, model identity, prompt, parameters, sample index).

The key must not change between runs or machines, so it hashes a canonical JSON
(sorted keys, no whitespace, ASCII) and leaves out options that do not change answers
(concurrency, timeouts, retries, pricing, tool versions) and the spelling of the server's
URL: an HTTP backend names its model by what the server reports (``served``), so
``localhost`` and ``127.0.0.1`` share answers while new weights behind an old alias do not.
A rerun with more concurrency or an extended ``--n`` reuses everything already generated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from execbench.models.types import GenParams

__all__ = ["cache_key", "model_identity", "CACHE_KEY_VERSION", "OPERATIONAL_INFO_KEYS"]

#: Bump when the key's ingredients change meaning (old cache entries are then ignored).
CACHE_KEY_VERSION = 2

#: ``info()`` keys that describe how we talk to a model, not what it answers.
OPERATIONAL_INFO_KEYS = frozenset(
    {
        "concurrency",
        "timeout",
        "max_retries",
        "backoff",
        "pricing",
        "price_per_mtok",
        "execbench_version",
        "httpx_version",
        "python_version",
        "describe",
        "batch_size",
        "base_url",
    }
)


def _canonical(value: Any) -> Any:
    """JSON-able form where tuples and lists agree and floats are written one way."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 0.0 and 0 must give the same key
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def cache_key(
    backend_name: str, model_info: dict[str, Any], prompt: str, params: GenParams, sample: int
) -> str:
    """Hex sha256 identifying one generation, stable across processes and machines."""
    identity = {k: v for k, v in model_info.items() if k not in OPERATIONAL_INFO_KEYS}
    payload = {
        "v": CACHE_KEY_VERSION,
        "backend": backend_name,
        "model": identity,
        "prompt": prompt,
        "params": asdict(params),
        "sample": int(sample),
    }
    text = json.dumps(_canonical(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def model_identity(backend_name: str, model_info: dict[str, Any]) -> str:
    """16 hex digits naming the model as its backend describes it (``info()`` without the
    operational keys): what a run id needs to tell two models behind one name apart."""
    identity = {k: v for k, v in model_info.items() if k not in OPERATIONAL_INFO_KEYS}
    text = json.dumps(_canonical({"backend": backend_name, "model": identity}), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

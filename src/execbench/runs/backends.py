"""Making the model backend of a run: options, the pre-flight check, progress events.

Why apart from the engine: which options reach which backend (HTTP-only flags refused for
other schemes, in one line) is a user-facing contract of its own, and the engine module stays
about the run's crash-safe pipeline.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from execbench.errors import UserError
from execbench.models import Backend, GenParams, get_backend
from execbench.runs.progress import ProgressSink
from execbench.runs.spec import RunSpec

__all__ = ["EvalOptions", "backend_options", "check_backend", "listen", "make_backend", "params_dict"]


@dataclass(frozen=True)
class EvalOptions:
    """How to run (not what): none of these change the results, so none is in the run id."""

    concurrency: int = 8
    timeout: float | None = None
    """Idle seconds before a silent server is given up (HTTP backends; None: default)."""
    max_retries: int | None = None
    strict_model: bool = False
    """Fail, instead of warning, when the server does not list the model."""
    run_id: str | None = None
    """Explicit run id; default: derived from the configuration hash."""
    fresh: bool = False
    """Discard the stored run with this id (and its verdicts) before starting; the cache stays."""


def backend_options(spec: RunSpec, options: EvalOptions | int) -> dict[str, Any]:
    """Options for ``get_backend``: scheme-specific ones go only where they apply."""
    if isinstance(options, int):
        options = EvalOptions(concurrency=options)
    out: dict[str, Any] = {}
    http = {
        "--base-url": ("base_url", spec.base_url),
        "--api": ("api", spec.api),
        "--system": ("system", spec.system),
        "--extra-body": ("extra_body", spec.extra_body),
    }
    if spec.model.startswith("openai:"):
        out["concurrency"] = options.concurrency
        for name, value in http.values():
            if value is not None:
                out[name] = value
        for name, value in (("timeout", options.timeout), ("max_retries", options.max_retries)):
            if value is not None:
                out[name] = value
        if options.strict_model:
            out["strict_model"] = True
    else:
        given = [flag for flag, (_name, value) in http.items() if value is not None]
        if options.strict_model:
            given.append("--strict-model")
        if given:
            raise UserError(
                f"{', '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} to openai: models"
            )
    return out


def make_backend(spec: RunSpec, options: EvalOptions | int) -> Backend:
    """The model backend for ``spec``, made in this process."""
    return get_backend(spec.model, **backend_options(spec, options))


def params_dict(params: GenParams) -> dict[str, Any]:
    return {
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
        "stop": list(params.stop),
        "seed": params.seed,
        "top_p": params.top_p,
    }


def check_backend(backend: Backend, progress: ProgressSink) -> None:
    """Ask the backend whether its configuration can work (reachable server, served model)
    before anything is stored; warnings become notes."""
    check = getattr(backend, "check", None)
    if check is None:
        return

    async def go() -> list[str]:
        try:
            return list(await check())
        finally:
            await backend.aclose()

    for warning in asyncio.run(go()):
        progress.note(warning)


def listen(backend: Backend, progress: ProgressSink) -> None:
    if hasattr(backend, "listener"):

        def listener(event: str, value: Any) -> None:
            if event == "hint":
                progress.note(str(value))
            else:
                progress.request(event, value)

        backend.listener = listener  # type: ignore[attr-defined]

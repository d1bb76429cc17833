"""Where verification (and, with Ray, model calls) run: the local sandbox pool, or a Ray cluster.

Both executors take a batch of predictions and return ``tasks.score``'s verdicts for it,
in order. The Ray executor ships *chunks* of a batch to remote workers, each of which
scores them with its own warm sandbox pool (kept for the worker's lifetime), so the
verdicts are exactly those of the local pool: same scorer, same sandbox, other machines.
With Ray, model calls go through one async actor in the cluster (``RayBackend``). The
cluster's workers must have execbench installed (same version), as for any Ray job.
Ray is imported only when asked for, with an install hint when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol

from execbench.errors import UserError
from execbench.tasks.types import Prediction, Task, Verdict

__all__ = [
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "RayBackend",
    "make_executor",
    "EXECUTORS",
    "score_chunk",
]

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """Scores predictions; ``isolation`` names what the sandbox actually used, once known."""

    name: str

    def score(self, tasks: Sequence[Task], predictions: Sequence[Prediction]) -> list[Verdict]: ...

    def close(self) -> None: ...


class LocalExecutor:
    """A sandbox pool in this process's machine, created on first use."""

    name = "local"

    def __init__(self, workers: int | None = None, python: str | None = None) -> None:
        self._workers = workers
        self._python = python
        self._pool: Any = None

    def _get_pool(self) -> Any:
        if self._pool is None:
            from execbench.tasks._exec import open_pool

            # The scorers' pool: their harness modules preloaded, so each check is a fork of a
            # warm worker.
            self._pool = open_pool(self._workers, python=self._python)
        return self._pool

    @property
    def isolation(self) -> str | None:
        """The isolation level the pool uses (None before the first batch)."""
        return None if self._pool is None else str(self._pool.isolation)

    def score(self, tasks: Sequence[Task], predictions: Sequence[Prediction]) -> list[Verdict]:
        from execbench.tasks import score

        if not predictions:
            return []
        return list(score(list(tasks), list(predictions), pool=self._get_pool()))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


# The worker-side pool: one per Ray worker process, reused by every chunk it scores.
_WORKER_EXECUTOR: LocalExecutor | None = None


def score_chunk(tasks: list[Task], predictions: list[Prediction]) -> list[Verdict]:
    """Score one chunk in a Ray worker with that worker's long-lived single-process pool."""
    global _WORKER_EXECUTOR
    if _WORKER_EXECUTOR is None:
        _WORKER_EXECUTOR = LocalExecutor(workers=1)
    return _WORKER_EXECUTOR.score(tasks, predictions)


class _RemoteModel:
    """Model calls as Ray work: one async actor owning the backend, so requests run in the
    cluster (where the model server may be the only thing reachable) on one event loop
    with pooled connections, up to the engine's concurrency at a time."""

    def __init__(self, spec: str, options: dict[str, Any]) -> None:
        from execbench.models import get_backend

        self._backend = get_backend(spec, **options)

    async def generate(self, req: Any) -> Any:
        return await self._backend.generate(req)

    async def aclose(self) -> None:
        await self._backend.aclose()


class RayBackend:
    """A ``Backend`` whose ``generate`` runs in a Ray actor; name and info (hence cache
    keys) are those of the same backend made locally, so runs share the response cache."""

    def __init__(self, ray: Any, local: Any, spec: str, options: dict[str, Any], concurrency: int) -> None:
        self._ray = ray
        self.name = local.name
        self._info = local.info()
        actor = ray.remote(num_cpus=0, max_concurrency=max(1, concurrency))(_RemoteModel)
        self._actor = actor.remote(spec, options)

    def info(self) -> dict[str, Any]:
        return self._info

    async def generate(self, req: Any) -> Any:
        try:
            return await self._actor.generate.remote(req)
        except self._ray.exceptions.RayTaskError as exc:
            raise exc.cause from None  # the backend's own error (BackendError, UserError)

    async def aclose(self) -> None:
        try:
            await self._actor.aclose.remote()
        finally:
            self._ray.kill(self._actor)


def _import_ray() -> Any:
    try:
        import ray
    except ModuleNotFoundError:
        raise UserError("--executor ray needs Ray; install it with: pip install 'execbench[ray]'") from None
    return ray


class RayExecutor:
    """Verification as Ray tasks: ``address`` is a cluster (``ray://...``, ``auto``) or None for local."""

    name = "ray"

    def __init__(
        self, address: str | None = None, *, num_cpus: int | None = None, chunk_size: int = 16
    ) -> None:
        self._ray = _import_ray()
        self._owns = False
        if not self._ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            else:
                kwargs["num_cpus"] = num_cpus or os.cpu_count() or 1
            try:
                self._ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = address or "a local cluster"
                raise UserError(f"cannot connect to Ray at {where}: {exc}; check --address") from None
            self._owns = True
        self._remote = self._ray.remote(score_chunk)
        self._chunk = max(1, chunk_size)

    def remote_backend(self, local: Any, spec: str, options: dict[str, Any], concurrency: int) -> RayBackend:
        """``local``'s twin running its requests in the cluster."""
        return RayBackend(self._ray, local, spec, options, concurrency)

    def workers(self) -> int:
        return int(self._ray.cluster_resources().get("CPU", 1))

    def score(self, tasks: Sequence[Task], predictions: Sequence[Prediction]) -> list[Verdict]:
        if not predictions:
            return []
        by_id = {t.task_id: t for t in tasks}
        # Spread a batch over every worker, but keep chunks big enough to amortise a task's overhead.
        size = max(1, min(self._chunk, -(-len(predictions) // self.workers())))
        refs = []
        for start in range(0, len(predictions), size):
            chunk = list(predictions[start : start + size])
            chunk_tasks = list({p.task_id: by_id[p.task_id] for p in chunk}.values())
            refs.append(self._remote.remote(chunk_tasks, chunk))
        verdicts: list[Verdict] = []
        for part in self._ray.get(refs):
            verdicts.extend(part)
        return verdicts

    def close(self) -> None:
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
            self._owns = False


def make_executor(
    name: str, *, address: str | None = None, workers: int | None = None, python: str | None = None
) -> Executor:
    """The executor called ``name``; ``address`` only applies to Ray, ``python`` to the local one."""
    if name == "local":
        if address:
            raise UserError("--address only applies to --executor ray")
        return LocalExecutor(workers, python=python)
    if python is not None:
        raise UserError("--python applies to the local executor (Ray workers use their own environment)")
    if name == "ray":
        return RayExecutor(address, num_cpus=workers)
    raise UserError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")

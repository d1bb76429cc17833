"""``python:<module>:<callable>``: your own Python function as a model backend.

``<module>`` is an importable module (``my_pkg.models``) or a path to a ``.py`` file
(``./my_model.py``); ``<callable>`` is an attribute of it. Two shapes are accepted, sync
or ``async``:

- ``fn(prompts: list[str]) -> list[str]`` -- the usual batch function (e.g. wrapping
  vLLM's offline ``LLM.generate``);
- ``fn(requests: list[GenRequest]) -> list[str | Generation]`` -- when the function
  needs the task, the sample index or the sampling parameters. It is chosen when the
  first parameter's annotation mentions ``GenRequest`` or the function has an attribute
  ``execbench_requests = True``.

Requests arriving together (in the same event-loop turn) are passed as one batch of up
to ``batch_size`` (default 64); sync functions run in a worker thread so they do not stall
the event loop. A function that raises, or returns the wrong number of answers, fails
only that batch: each request gets a ``Generation`` with ``error`` set.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.models.types import Generation, GenRequest

__all__ = ["PythonBackend", "load_callable", "make_python_backend"]


def load_callable(target: str) -> Callable[..., Any]:
    """Import ``module:attr`` (``module`` may be a ``.py`` path); errors are ``UserError``s."""
    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise UserError(
            f"python backend '{target}': use 'python:<module>:<callable>' (e.g. python:my_mod:generate)"
        )
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise UserError(f"python backend: no file '{path}'")
            spec = importlib.util.spec_from_file_location(f"_execbench_user_{path.stem}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UserError(
            f"python backend: cannot import '{module_name}' ({exc}); check the name or PYTHONPATH"
        ) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise UserError(f"python backend: '{module_name}' has no callable '{attr}'")
    return fn  # type: ignore[no-any-return]


def _takes_requests(fn: Callable[..., Any]) -> bool:
    if getattr(fn, "execbench_requests", False):
        return True
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    return bool(params) and "GenRequest" in str(params[0].annotation)


class PythonBackend:
    """Batches concurrent requests into calls of a user function."""

    def __init__(self, target: str, fn: Callable[..., Any], batch_size: int = 64) -> None:
        if batch_size < 1:
            raise UserError("batch_size must be >= 1")
        self.name = f"python:{target}"
        self.target = target
        self.fn = fn
        self.batch_size = batch_size
        self.takes_requests = _takes_requests(fn)
        self._pending: list[tuple[GenRequest, asyncio.Future[Generation]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Future[None]] = set()  # strong refs: the loop keeps only weak ones

    def info(self) -> dict[str, Any]:
        return {
            "backend": "python",
            "model": self.target,
            "kind": "requests" if self.takes_requests else "prompts",
            "batch_size": self.batch_size,
        }

    async def generate(self, req: GenRequest) -> Generation:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Generation] = loop.create_future()
        self._pending.append((req, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for i in range(0, len(pending), self.batch_size):
            task = asyncio.ensure_future(self._run_batch(pending[i : i + self.batch_size]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _call(self, batch: list[GenRequest]) -> Any:
        args = batch if self.takes_requests else [r.prompt for r in batch]
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(args)
        result = await asyncio.to_thread(self.fn, args)
        return await result if inspect.isawaitable(result) else result

    async def _run_batch(self, batch: list[tuple[GenRequest, asyncio.Future[Generation]]]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            answers = list(await self._call([req for req, _ in batch]))
            if len(answers) != len(batch):
                raise ValueError(f"returned {len(answers)} answers for {len(batch)} prompts")
        except Exception as exc:  # the user's function failing is data, not a crash
            error = f"{self.target} raised {type(exc).__name__}: {exc}"
            for _, future in batch:
                if not future.done():
                    future.set_result(Generation("", error=error))
            return
        latency = loop.time() - started  # every request in the batch waited for the whole call
        for (_, future), answer in zip(batch, answers, strict=True):
            if future.done():
                continue
            if isinstance(answer, Generation):
                future.set_result(answer)
            elif isinstance(answer, str):
                future.set_result(Generation(answer, latency_s=latency))
            else:
                future.set_result(
                    Generation("", error=f"{self.target} returned {type(answer).__name__}, not str")
                )

    async def aclose(self) -> None:
        return None


def make_python_backend(target: str, batch_size: int | None = None, **options: Any) -> PythonBackend:
    """Registry factory; transport options meant for HTTP backends are ignored."""
    return PythonBackend(target, load_callable(target), batch_size=batch_size or 64)

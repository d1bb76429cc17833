"""The host side: a pool of warm workers, one channel each, batches in, results out.

Each pool slot has one thread that owns one worker process: it takes a batch from the
shared queue, sends it as one frame, and reads result frames with a deadline. A worker
that dies or stops answering is killed and respawned; the job it was running gets a
verdict (KILLED / SANDBOX_ERROR), the others of its batch are re-run one at a time so
the blame lands on the right job. Nothing on the host waits without a deadline.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

from execbench.sandbox._jobs import UID_BASE, Job, error_result, next_uid, to_result
from execbench.sandbox._profile import ProfileSums
from execbench.sandbox.isolation import (
    check_weak_isolation,
    closed_interpreter_paths,
    interpreter_in_tmp,
    resolve_level,
    unprivileged_can_import,
    worker_command,
)
from execbench.sandbox.protocol import (
    ChannelClosed,
    ChannelTimeout,
    decode_records,
    dumps_request_frame,
    read_frame,
    write_all,
)
from execbench.sandbox.types import ExecRequest, ExecResult, Status

__all__ = ["SandboxPool", "execute", "DEFAULT_PRELOAD", "UID_BASE"]

#: Standard-library modules programs commonly import, and the tracer, imported once per
#: worker. Every module here is in the heap each execution's fork copies and each exit
#: tears down (the tracer is 3-4 MB of the worker's ~14 MB); it stays because programs
#: that import it (the hostile suite's probes) must not pay for it in every execution.
DEFAULT_PRELOAD: tuple[str, ...] = (
    "typing", "math", "re", "itertools", "collections", "heapq", "functools", "string",
    "random", "bisect", "operator", "statistics", "fractions", "decimal", "datetime", "copy",
    "json", "hashlib", "dataclasses", "abc", "enum", "execbench.trace",
)  # fmt: skip
_GRACE = 20.0
_START_TIMEOUT = 60.0
_MAX_BATCH = 64
_log = logging.getLogger("execbench.sandbox")
_pools: weakref.WeakSet[SandboxPool] = weakref.WeakSet()


def _user_process_count() -> int:
    """Processes of our uid, host-wide (RLIMIT_NPROC counts them all when we cannot switch uid)."""
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{name}").st_uid == uid:
                    count += 1
    return count


class _Slot:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: SandboxPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.uid = next_uid()
        """The uid/gid of this worker's executions (used only when the host is root)."""
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp_root: str | None = None
        self.stderr_log: Any = None
        self.started = threading.Event()
        self.failures = 0
        """Consecutive failed starts of this slot's worker."""
        self.thread = threading.Thread(target=self._loop, name=f"execbench-sandbox-{index}", daemon=True)

    # -- worker lifecycle ----------------------------------------------------------------

    def _spawn(self) -> str:
        """Start the worker; return "" on success, else why it failed."""
        if self.pool.python is None:
            argv, env = worker_command(self.pool.isolation, self.pool.pythonpath)
        else:
            argv, env = worker_command(self.pool.isolation, self.pool.pythonpath, self.pool.python)
        # The worker (and bwrap/unshare) say why they fail on stderr; keep it in a file, not
        # a pipe nobody drains. EXECBENCH_SANDBOX_DEBUG=1 shows it live instead.
        stderr: Any = None if os.environ.get("EXECBENCH_SANDBOX_DEBUG") else tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return f"cannot start worker: {exc}"
        finally:
            if stderr is not None:
                self.stderr_log, old = stderr, self.stderr_log
                if old is not None:
                    old.close()
        self.proc = proc
        assert proc.stdin is not None and proc.stdout is not None
        config = {
            "index": self.index,
            "level": self.pool.isolation,
            "preload": list(self.pool.preload),
            # namespaces: the worker binds a closed interpreter somewhere reachable (unmask);
            # process: only allowed without a uid switch when weak isolation was asked for
            "uid": self.uid if self.pool.isolation != "process" or unprivileged_can_import() else None,
            "unmask": closed_interpreter_paths(self.pool.pythonpath)
            if self.pool.isolation == "namespaces"
            else [],
            "keep_tmp": self.pool.isolation == "namespaces"
            and interpreter_in_tmp(tuple(self.pool.pythonpath)),
            "nproc_base": _user_process_count() + 16 if os.geteuid() != 0 else 0,
            "profile": self.pool.profile,
        }
        try:
            write_all(proc.stdin.fileno(), dumps_request_frame(config))
            ((ready, _),) = decode_records(
                read_frame(proc.stdout.fileno(), time.monotonic() + _START_TIMEOUT)
            )
        except (OSError, ChannelClosed, ChannelTimeout, ValueError) as exc:
            self._kill()
            return f"worker did not start: {type(exc).__name__}: {exc}{self._stderr_tail()}"
        self.tmp_root = ready.get("tmp_root")
        for problem in ready.get("problems", []):
            self.pool._warn_once(f"sandbox worker: {problem}")
        return ""

    def _stderr_tail(self) -> str:
        log = self.stderr_log
        if log is None:
            return ""
        try:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 400))
            tail = log.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return f" (worker stderr: {tail[-1][:300]})" if tail else ""

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            if proc.stdout is not None:
                proc.stdout.close()
        if self.tmp_root and self.pool.isolation == "process":
            shutil.rmtree(self.tmp_root, ignore_errors=True)
        self.tmp_root = None

    def kill_now(self) -> None:
        """From another thread (close): make the worker exit now; the slot thread notices."""
        proc = self.proc
        if proc is not None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

    # -- main loop -----------------------------------------------------------------------

    def _loop(self) -> None:
        try:
            while True:
                if self.proc is None:
                    why = self._spawn()
                    self.started.set()
                    if why:
                        self.failures += 1
                        self.pool._fail_if_all_broken(why)
                        if self.pool._wait_closed(min(5.0, 0.1 * 2**self.failures)):
                            return
                        continue
                    self.failures = 0
                batch = self.pool._take(len(self.pool._slots))
                if batch is None:
                    return
                try:
                    self._run_batch(batch)
                except Exception as exc:  # noqa: BLE001 - a bug here must not strand callers
                    _log.exception("sandbox: slot %d failed; restarting its worker", self.index)
                    self.kill_now()
                    self._kill()
                    for job in batch:
                        if not job.future.done():
                            msg = f"sandbox failure: {type(exc).__name__}: {exc}"
                            job.future.set_result(
                                error_result(job.req, Status.SANDBOX_ERROR, msg, self.pool.isolation)
                            )
        finally:
            self.started.set()
            self._kill()
            if self.stderr_log is not None:
                self.stderr_log.close()

    def _run_batch(self, batch: list[Job]) -> None:
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        outstanding = {i: job for i, job in enumerate(batch)}
        iso = self.pool.isolation
        try:
            write_all(proc.stdin.fileno(), dumps_request_frame([(i, job.req) for i, job in enumerate(batch)]))
            while outstanding:
                budget = max(job.req.limits.timeout for job in outstanding.values()) + _GRACE
                frame = read_frame(proc.stdout.fileno(), time.monotonic() + budget)
                for header, payload in decode_records(frame):
                    job = outstanding.pop(header["id"])
                    if self.pool.profile:
                        self.pool._profile.add(header.get("profile"))
                    self.pool._settle(job, to_result(job.req, header, payload))
            return
        except ChannelTimeout:  # before OSError: it is a TimeoutError
            why, status = "the sandbox worker stopped answering; it was killed", Status.SANDBOX_ERROR
        except (ChannelClosed, OSError) as exc:
            why, status = f"the sandbox worker died while running this execution ({exc})", Status.KILLED
        except Exception as exc:  # noqa: BLE001 - a corrupt frame: blame the worker, not the host
            why, status = (
                f"bad answer from the sandbox worker: {type(exc).__name__}: {exc}",
                Status.SANDBOX_ERROR,
            )
        self.kill_now()
        self._kill()
        if self.pool._closed:
            for job in outstanding.values():
                job.future.set_result(
                    error_result(job.req, Status.SANDBOX_ERROR, "the sandbox pool was closed", iso)
                )
            return
        if len(outstanding) == 1:
            (job,) = outstanding.values()
            self.pool._settle(job, error_result(job.req, status, why, iso))
            return
        for job in outstanding.values():
            job.suspect = True
        self.pool._requeue(list(outstanding.values()))


class SandboxPool:
    """A pool of warm sandbox workers. Thread-safe; a context manager; closed at exit.

    ``workers``: processes (None: ``os.cpu_count()``). ``isolation``: ``"auto"`` (the
    strongest available, or ``$EXECBENCH_ISOLATION``), ``"bwrap"``, ``"namespaces"`` or
    ``"process"``. ``preload``: modules each worker imports once so that programs do not
    pay for them (missing ones are skipped). ``pythonpath``: extra import directories
    for the workers, e.g. where a custom runner module lives (the workers otherwise see
    execbench and the host's site-packages only). ``python``: an interpreter (same
    ``major.minor``, e.g. a virtualenv with numpy) to run the workers with, same isolation.
    ``allow_weak_isolation``: run programs under ``process`` isolation even where they would
    keep the host's uid (None: the ``$EXECBENCH_ALLOW_WEAK_ISOLATION`` variable decides);
    otherwise that is a ``UserError``. ``profile``: for benchmarks, have the workers measure
    where each execution's CPU time goes (:meth:`profile_summary`).
    """

    def __init__(
        self,
        workers: int | None = None,
        isolation: str = "auto",
        preload: Sequence[str] = DEFAULT_PRELOAD,
        max_batch: int = _MAX_BATCH,
        pythonpath: Sequence[str] = (),
        python: str | None = None,
        allow_weak_isolation: bool | None = None,
        profile: bool = False,
    ) -> None:
        self.isolation: str = resolve_level(isolation)
        check_weak_isolation(self.isolation, allow_weak_isolation)
        self.preload: tuple[str, ...] = tuple(preload)
        self.max_batch = max(1, max_batch)
        self.pythonpath: tuple[str, ...] = tuple(os.path.abspath(p) for p in pythonpath)
        #: Interpreter of the workers (None: execbench's own); see ``isolation.other_interpreter``.
        self.python: str | None = python
        #: Benchmarks only: workers report where each execution's CPU time goes (see
        #: :meth:`profile_summary`); the figures come partly from the program's own process.
        self.profile = profile
        self._profile = ProfileSums()
        self._cond = threading.Condition()
        self._pending: deque[Job] = deque()
        self._closed = False
        self._warned: set[str] = set()
        count = workers if workers is not None else (os.cpu_count() or 1)
        if count < 1:
            from execbench.errors import UserError

            raise UserError(f"workers must be at least 1 (got {count})")
        self._slots = [_Slot(self, i) for i in range(count)]
        _pools.add(self)
        for slot in self._slots:
            slot.thread.start()
        for slot in self._slots:
            slot.started.wait(_START_TIMEOUT + 5)

    # -- queue, used by the slots --------------------------------------------------------

    def _take(self, slots: int) -> list[Job] | None:
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            if self._pending[0].suspect:
                return [self._pending.popleft()]
            # A quarter of a fair share: big enough to amortise the round trip, small enough
            # that a slow execution holds up few others queued behind it in its batch.
            size = min(self.max_batch, max(1, math.ceil(len(self._pending) / (4 * slots))))
            batch: list[Job] = []
            while self._pending and len(batch) < size and not self._pending[0].suspect:
                batch.append(self._pending.popleft())
            return batch

    def _settle(self, job: Job, result: ExecResult) -> None:
        """Give ``job`` its result -- unless execbench itself failed on it (SANDBOX_ERROR) and
        a retry is left: then it runs again, alone. A second failure is the job's result,
        with a warning: one sample never stops a run."""
        if result.status is Status.SANDBOX_ERROR and job.retries > 0 and not self._closed:
            job.retries -= 1
            job.suspect = True
            self._requeue([job])
            return
        if result.status is Status.SANDBOX_ERROR:
            _log.warning(
                "sandbox: execution %s failed in the sandbox itself (%s); recorded as sandbox_error",
                job.req.id or "?",
                (result.exception_message or "unknown")[:300],
            )
        job.future.set_result(result)

    def _requeue(self, jobs: list[Job]) -> None:
        with self._cond:
            self._pending.extendleft(reversed(jobs))
            self._cond.notify_all()

    def _fail_if_all_broken(self, why: str) -> None:
        """No worker can start: fail queued jobs rather than let callers wait forever."""
        self._warn_once(f"sandbox: {why}")
        if not all(slot.failures >= 2 for slot in self._slots):
            return
        with self._cond:
            jobs, self._pending = list(self._pending), deque()
        for job in jobs:
            job.future.set_result(error_result(job.req, Status.SANDBOX_ERROR, why, self.isolation))

    def _wait_closed(self, seconds: float) -> bool:
        with self._cond:
            if not self._closed:
                self._cond.wait(seconds)
            return self._closed

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            _log.warning("%s", message)

    def profile_summary(self, reset: bool = False) -> dict[str, float]:
        """``profile=True`` pools: mean seconds per execution of each phase (worker
        ``prepare``/``fork``/``wait``/``finish`` thread CPU, child ``setup``/``run``/``finish``
        CPU) and mean minor page faults (``*_faults``), over the executions so far."""
        return self._profile.summary(reset)

    # -- public API ----------------------------------------------------------------------

    def submit(self, req: ExecRequest) -> Future[ExecResult]:
        """Queue one execution; the future always completes (with a result, never an exception)."""
        job = Job(req)
        with self._cond:
            if self._closed:
                job.future.set_result(
                    error_result(req, Status.SANDBOX_ERROR, "the sandbox pool is closed", self.isolation)
                )
                return job.future
            self._pending.append(job)
            self._cond.notify()
        return job.future

    def run(self, req: ExecRequest) -> ExecResult:
        return self.submit(req).result()

    def map(self, reqs: Iterable[ExecRequest]) -> list[ExecResult]:
        """Results in the order of ``reqs``, run in parallel over the workers."""
        futures = self._submit_all(reqs)
        return [f.result() for f in futures]

    def imap_unordered(self, reqs: Iterable[ExecRequest]) -> Iterator[tuple[int, ExecResult]]:
        """``(index in reqs, result)`` pairs as executions finish."""
        done: queue.SimpleQueue[tuple[int, ExecResult]] = queue.SimpleQueue()
        futures = self._submit_all(reqs)
        for i, fut in enumerate(futures):
            fut.add_done_callback(lambda f, i=i: done.put((i, f.result())))
        for _ in range(len(futures)):
            yield done.get()

    def _submit_all(self, reqs: Iterable[ExecRequest]) -> list[Future[ExecResult]]:
        jobs = [Job(r) for r in reqs]
        with self._cond:
            if not self._closed:
                self._pending.extend(jobs)
                self._cond.notify_all()
                return [j.future for j in jobs]
        for job in jobs:
            job.future.set_result(
                error_result(job.req, Status.SANDBOX_ERROR, "the sandbox pool is closed", self.isolation)
            )
        return [j.future for j in jobs]

    @property
    def workers(self) -> int:
        return len(self._slots)

    def close(self) -> None:
        """Kill the workers; queued executions get SANDBOX_ERROR. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            jobs, self._pending = list(self._pending), deque()
            self._cond.notify_all()
        for job in jobs:
            job.future.set_result(
                error_result(job.req, Status.SANDBOX_ERROR, "the sandbox pool was closed", self.isolation)
            )
        for slot in self._slots:
            slot.kill_now()
        for slot in self._slots:
            if slot.thread is not threading.current_thread():
                slot.thread.join(timeout=10)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def execute(req: ExecRequest, isolation: str = "auto") -> ExecResult:
    """Run one request in a short-lived single-worker pool (convenience, not fast)."""
    with SandboxPool(workers=1, isolation=isolation, preload=()) as pool:
        return pool.run(req)


@atexit.register
def _close_all() -> None:
    for pool in list(_pools):
        with contextlib.suppress(Exception):
            pool.close()

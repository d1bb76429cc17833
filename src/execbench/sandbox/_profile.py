"""Profiling of executions, for benchmarks only (``SandboxPool(profile=True)``).

The worker measures its own thread CPU time per phase of an execution; the child stamps
its CPU time into a shared page when its walls are up and when its runner returned
(:func:`execbench.sandbox._child.read_stamps`), and its total comes from ``wait4``. The
child's figures come from the program's own process: they feed benchmark output only,
never a verdict.
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["Profile", "ProfileSums"]


class Profile:
    """Where one execution's CPU time goes: ``start``, a ``mark`` at the end of each worker
    phase, ``finish`` for the record. Off by default: it costs a few syscalls per execution."""

    def __init__(self) -> None:
        import mmap

        self.stamps = mmap.mmap(-1, mmap.PAGESIZE)
        self.last = 0.0
        self.faults = 0
        self.parts: dict[str, float] = {}
        self.child_faults = 0

    def _faults(self) -> int:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def start(self) -> None:
        self.parts = {}
        self.child_faults = 0
        self.faults = self._faults()
        self.last = time.thread_time()

    def mark(self, phase: str, rusage: Any = None) -> None:
        now, faults = time.thread_time(), self._faults()
        self.parts[f"worker_{phase}"] = now - self.last
        self.parts[f"worker_{phase}_faults"] = float(faults - self.faults)
        self.last, self.faults = now, faults
        if rusage is not None:
            self.child_faults = rusage.ru_minflt

    def finish(self, child_cpu: float) -> dict[str, float]:
        from execbench.sandbox._child import read_stamps

        self.mark("finish")
        set_up, ran, set_up_faults, ran_faults = read_stamps(self.stamps)
        parts = self.parts
        parts["child_setup"] = set_up
        parts["child_run"] = max(0.0, ran - set_up) if ran else 0.0
        parts["child_finish"] = max(0.0, child_cpu - ran) if ran else child_cpu
        parts["worker_faults"] = sum(v for k, v in parts.items() if k.endswith("_faults"))
        parts["child_faults"] = float(self.child_faults)
        if ran:
            parts["child_setup_faults"] = set_up_faults
            parts["child_run_faults"] = max(0.0, ran_faults - set_up_faults)
            parts["child_finish_faults"] = max(0.0, self.child_faults - ran_faults)
        return parts


class ProfileSums:
    """The host's side: per-execution profiles added up (``SandboxPool.profile_summary``).

    Values are checked to be numbers under string keys: they come through the worker from
    the child's page, and a program could have written anything there.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sums: dict[str, float] = {}
        self._count = 0

    def add(self, parts: Any) -> None:
        if not isinstance(parts, dict):
            return
        with self._lock:
            self._count += 1
            for key, value in parts.items():
                if isinstance(key, str) and isinstance(value, int | float):
                    self._sums[key] = self._sums.get(key, 0.0) + float(value)

    def summary(self, reset: bool = False) -> dict[str, float]:
        with self._lock:
            count = max(1, self._count)
            out = {key: value / count for key, value in self._sums.items()}
            out["executions"] = float(self._count)
            if reset:
                self._sums, self._count = {}, 0
        return out

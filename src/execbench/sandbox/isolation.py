"""Which wall the platform allows, and the command that starts a worker behind it.

Levels, strongest first:

``bwrap``
    bubblewrap: read-only bind of ``/``, private tmpfs ``/tmp``, fresh ``/dev`` and
    ``/proc``, no network, own pid/ipc/uts namespaces, dies with the host.
``namespaces``
    ``unshare``: own mount, network, pid, ipc and uts namespaces; the worker remounts
    ``/`` read-only and mounts a private ``/tmp`` itself.
``process``
    a plain process: rlimits, own process group, an unprivileged uid when running as
    root -- but the host file system (world-writable places like ``/tmp``) and the
    network stay reachable.

Detection runs each candidate once with ``/bin/true``-like probes and is cached.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from execbench.errors import UserError

__all__ = ["LEVELS", "IsolationInfo", "detect_isolation", "resolve_level", "worker_command", "ENV_VAR"]

LEVELS: tuple[str, ...] = ("bwrap", "namespaces", "process")
ENV_VAR = "EXECBENCH_ISOLATION"
_PROBE_TIMEOUT = 20.0
_log = logging.getLogger("execbench.sandbox")


@dataclass(frozen=True)
class IsolationInfo:
    """What the platform allows: the strongest usable level, and why nothing stronger."""

    level: str
    reason: str
    """Empty when ``bwrap`` works; otherwise what failed for each stronger level."""
    available: tuple[str, ...] = ()
    """Every level that works here, strongest first."""


def _bwrap_prefix() -> list[str]:
    exe = shutil.which("bwrap") or "bwrap"
    return [
        exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--chdir", "/",
    ]  # fmt: skip


def _unshare_prefix() -> list[str]:
    exe = shutil.which("unshare") or "unshare"
    return [exe, "--mount", "--net", "--pid", "--fork", "--mount-proc", "--ipc", "--uts", "--kill-child"]


def _prefix(level: str) -> list[str]:
    if level == "bwrap":
        return _bwrap_prefix()
    if level == "namespaces":
        return _unshare_prefix()
    return []


def _probe(level: str) -> str:
    """Empty string when ``level`` works; else a one-line reason."""
    tool = {"bwrap": "bwrap", "namespaces": "unshare"}[level]
    if shutil.which(tool) is None:
        return f"{tool} not found on PATH"
    code = "import socket,os;s=socket.socket();s.settimeout(1);print(os.getpid())"
    try:
        proc = subprocess.run(
            [*_prefix(level), sys.executable, "-S", "-c", code],
            capture_output=True,
            timeout=_PROBE_TIMEOUT,
            text=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{tool} failed to start: {exc}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{tool} exited with {proc.returncode}: {last[:200]}"
    return ""


@functools.cache
def detect_isolation() -> IsolationInfo:
    """Probe the levels once per process; the result is cached."""
    reasons = []
    available = []
    for level in ("bwrap", "namespaces"):
        why = _probe(level)
        if why:
            reasons.append(f"{level}: {why}")
        else:
            available.append(level)
    available.append("process")
    return IsolationInfo(available[0], "; ".join(reasons), tuple(available))


_warned: set[str] = set()


def resolve_level(requested: str = "auto") -> str:
    """Turn ``"auto"`` (or the ``EXECBENCH_ISOLATION`` override) into a usable level.

    An explicit level that does not work here is a :class:`UserError`; ``auto`` falls
    back and logs a warning once per process.
    """
    if requested == "auto":
        requested = os.environ.get(ENV_VAR, "").strip().lower() or "auto"
    if requested not in (*LEVELS, "auto"):
        raise UserError(
            f"unknown isolation {requested!r}: use one of auto, {', '.join(LEVELS)} (or unset {ENV_VAR})"
        )
    info = detect_isolation()
    if requested == "auto":
        if info.level != "bwrap" and info.level not in _warned:
            _warned.add(info.level)
            _log.warning("sandbox: falling back to %r isolation (%s)", info.level, info.reason)
        return info.level
    if requested not in info.available:
        raise UserError(
            f"isolation {requested!r} is not available here ({info.reason}); "
            f"install/enable it or use isolation='auto' ({ENV_VAR}=auto)"
        )
    return requested


def _import_path() -> list[str]:
    """Where the worker finds execbench and the host's installed packages.

    Workers start with ``python -S``: .pth files of the environment (some packages import
    themselves at start-up through one) are not run, which keeps the heap that every
    execution forks small. The host's site directories are passed explicitly instead.
    """
    import site

    import execbench

    paths = [os.path.dirname(os.path.dirname(os.path.abspath(execbench.__file__)))]
    for entry in [*site.getsitepackages(), site.getusersitepackages(), *sys.path]:
        if entry and os.path.isdir(entry) and entry not in paths and "site-packages" in entry:
            paths.append(entry)
    return paths


def worker_command(level: str, extra_paths: tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
    """The argv and the (scrubbed) environment of a worker at ``level``.

    The environment is minimal on purpose: host secrets such as API keys must not be
    readable by programs; ``PYTHONHASHSEED`` is fixed so set/dict-of-str output is
    reproducible across runs.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": "/tmp",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([*_import_path(), *extra_paths]),
        "PYTHONIOENCODING": "utf-8",
    }
    argv = [*_prefix(level), sys.executable, "-S", "-m", "execbench.sandbox._worker"]
    return argv, env

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

No level runs a program as root or as the host's own user without being asked to: where
``process`` could not switch to another uid (the host is not root, or the interpreter lives
in a directory other users cannot enter, such as pyenv under ``/root``), the pool refuses
with one line saying how to get bubblewrap, unless weak isolation is allowed explicitly
(``--allow-weak-isolation``, ``$EXECBENCH_ALLOW_WEAK_ISOLATION=1``). ``namespaces`` makes
such an interpreter reachable itself: the worker hides the closed directory behind an
empty tmpfs in its own mount namespace and binds back just the interpreter's paths.

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

__all__ = [
    "LEVELS",
    "IsolationInfo",
    "detect_isolation",
    "resolve_level",
    "worker_command",
    "ENV_VAR",
    "unprivileged_can_import",
    "interpreter_in_tmp",
    "closed_interpreter_paths",
    "check_weak_isolation",
    "ALLOW_WEAK_ENV",
]

LEVELS: tuple[str, ...] = ("bwrap", "namespaces", "process")
ENV_VAR = "EXECBENCH_ISOLATION"
ALLOW_WEAK_ENV = "EXECBENCH_ALLOW_WEAK_ISOLATION"
GET_BWRAP = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) "
    "or pass --allow-weak-isolation to run them anyway"
)
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


def _interpreter_paths(extra: tuple[str, ...] = ()) -> list[str]:
    """Directories a program's ``import`` must be able to read: the interpreter's prefixes
    (stdlib, lib-dynload, the binary) and the site directories workers put on the path."""
    paths = {sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(_import_path())
    paths.update(extra)
    return sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)})


def _closed_ancestor(path: str) -> str | None:
    """The shallowest directory on the way to ``path`` that other users cannot traverse."""
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        current = "/" + "/".join(parts[:depth])
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return current
    return None


def under_private_tmp(path: str) -> bool:
    """Whether ``path`` lies in ``/tmp``, which every sandbox level replaces with its own."""
    real = os.path.realpath(path)
    return real == "/tmp" or real.startswith("/tmp/")


def interpreter_in_tmp(extra: tuple[str, ...] = ()) -> bool:
    """Whether the interpreter or execbench itself lives under ``/tmp`` (then the
    ``namespaces`` level keeps the host's ``/tmp``, read-only, and works in ``/dev/shm``)."""
    return any(under_private_tmp(p) for p in _interpreter_paths(extra))


def unprivileged_can_import() -> bool:
    """Whether a program switched to an unprivileged uid can still read the interpreter.

    pyenv and friends install Python under ``/root`` (mode 0700): a program dropped to
    another uid would fail every ``import`` the worker did not preload, which silently
    changes verdicts. bwrap masks such directories (see :func:`_mask_closed_dirs`); the
    other levels keep the host uid instead when this is false.
    """
    return all(_closed_ancestor(p) is None for p in _interpreter_paths())


def closed_interpreter_paths(extra: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(closed ancestor, path)`` for each interpreter path other users cannot reach: what
    the ``namespaces`` worker masks and binds back (see :func:`_mask_closed_dirs`)."""
    out = []
    for path in _interpreter_paths(extra):
        closed = None if under_private_tmp(path) else _closed_ancestor(path)
        if closed is not None:
            out.append((closed, path))
    return out


def weak_isolation_allowed() -> bool:
    return os.environ.get(ALLOW_WEAK_ENV, "").strip().lower() in ("1", "true", "yes")


def check_weak_isolation(level: str, allow_weak: bool | None = None) -> None:
    """Refuse (:class:`UserError`, one line) to run programs where they would keep the host's
    own uid: ``process`` isolation when the host is not root (no uid to switch to: programs
    could read the host's files and ``/proc/<pid>/environ``), or as root with an interpreter
    other users cannot read (programs would have to run as root)."""
    if level != "process":
        return
    if allow_weak if allow_weak is not None else weak_isolation_allowed():
        return
    if os.geteuid() != 0:
        why = "would run programs as your own user, able to read your files and your processes' environments"
    elif not unprivileged_can_import():
        closed = sorted({c for c, _ in closed_interpreter_paths()})
        why = f"would run programs as root (the interpreter is under {', '.join(closed)}, closed to other users)"
    else:
        return
    raise UserError(f"sandbox isolation 'process' {why}; {GET_BWRAP}")


def _mask_closed_dirs(extra: tuple[str, ...] = ()) -> list[str]:
    """bwrap arguments that hide closed directories (e.g. ``/root``) behind an empty tmpfs
    and bind back, read-only, just the interpreter paths under them: programs can import
    the stdlib as an unprivileged uid and see nothing else of those directories."""
    args: list[str] = []
    masked: list[str] = []
    binds: list[str] = []
    for path in _interpreter_paths(extra):
        if under_private_tmp(path):
            # a checkout or venv under /tmp (CI clones, tmp dirs) disappears behind the
            # sandbox's private /tmp: bind it back, read-only
            if "/tmp" not in masked:
                masked.append("/tmp")
            binds.append(path)
            continue
        closed = _closed_ancestor(path)
        if closed is None:
            continue
        if closed not in masked:
            masked.append(closed)
        binds.append(path)
    for closed in sorted(masked, key=lambda p: p.count("/")):
        if closed != "/tmp":  # the prefix mounts the private /tmp itself
            args += ["--tmpfs", closed]
    made: set[str] = set(masked)
    for path in binds:
        if any(path != other and path.startswith(other + "/") for other in binds):
            continue
        # bwrap would create the directories leading to the bind point with mode 0700.
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            step = "/" + "/".join(parts[:depth])
            if step not in made and any(step.startswith(m + "/") for m in masked):
                made.add(step)
                args += ["--perms", "0755", "--dir", step]
        args += ["--ro-bind", path, path]
    return args


def _bwrap_prefix(extra: tuple[str, ...] = ()) -> list[str]:
    exe = shutil.which("bwrap") or "bwrap"
    return [
        exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        *_mask_closed_dirs(extra),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--chdir", "/",
    ]  # fmt: skip


def _unshare_prefix() -> list[str]:
    exe = shutil.which("unshare") or "unshare"
    return [exe, "--mount", "--net", "--pid", "--fork", "--mount-proc", "--ipc", "--uts", "--kill-child"]


def _prefix(level: str, extra: tuple[str, ...] = ()) -> list[str]:
    if level == "bwrap":
        return _bwrap_prefix(extra)
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


# --- another interpreter for the workers (``--python PATH``; h11) ---------------------------


@functools.lru_cache(maxsize=8)
def other_interpreter(python: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``(executable, its site-packages, its prefixes)`` for running workers with ``python``.

    The workers still import execbench from this installation (its source directory and the
    host's site-packages go on ``PYTHONPATH`` after the interpreter's own site-packages), so
    the interpreter must be the same ``major.minor`` version as execbench's.
    """
    import json

    exe = shutil.which(python) if os.sep not in python else python
    if not exe or not os.access(exe, os.X_OK):
        raise UserError(f"--python {python}: no such interpreter")
    code = "import json, site, sys; print(json.dumps([list(sys.version_info[:2]), site.getsitepackages(), sys.prefix, sys.base_prefix]))"
    try:
        done = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=_PROBE_TIMEOUT)
        version, sites, prefix, base = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise UserError(f"--python {python}: cannot ask it for its paths ({exc})") from None
    if tuple(version) != sys.version_info[:2]:
        raise UserError(
            f"--python {python} is Python {version[0]}.{version[1]}; execbench runs on "
            f"{sys.version_info[0]}.{sys.version_info[1]} and its workers need the same version "
            "(make the virtualenv from this Python: <python> -m venv DIR)"
        )
    sites = tuple(p for p in sites if os.path.isdir(p))
    prefixes = tuple(
        sorted({os.path.realpath(p) for p in (prefix, base, os.path.dirname(os.path.realpath(exe)))})
    )
    return os.path.abspath(exe), sites, prefixes


def worker_command(
    level: str, extra_paths: tuple[str, ...] = (), python: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """The argv and the (scrubbed) environment of a worker at ``level``.

    The environment is minimal on purpose: host secrets such as API keys must not be
    readable by programs; ``PYTHONHASHSEED`` is fixed so set/dict-of-str output is
    reproducible across runs. ``python``: run the worker with that interpreter (e.g. a
    virtualenv with numpy); its site-packages come first on the import path and its
    directories are made visible inside the walls.
    """
    if python is not None:
        exe, sites, prefixes = other_interpreter(python)
        base_argv, env = worker_command(level, (*extra_paths, *prefixes))
        env["PYTHONPATH"] = os.pathsep.join([*sites, *_import_path(), *extra_paths])
        return [
            *base_argv[: base_argv.index(sys.executable)],
            exe,
            *base_argv[base_argv.index(sys.executable) + 1 :],
        ], env
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
    argv = [*_prefix(level, tuple(extra_paths)), sys.executable, "-S", "-m", "execbench.sandbox._worker"]
    return argv, env

"""The reliability guard: disable destructive APIs in the child before user code runs.

Defence in depth only, in the spirit of openai/human-eval's ``reliability_guard``: it
turns an accidental ``shutil.rmtree`` or ``os.kill`` into a clear ``PermissionError``
instead of damage, but a determined program can get around it (ctypes, re-imports). The
real walls are the worker's isolation, rlimits and the unprivileged uid; tests check they
hold with the guard off.

Applying it replaces names in the ``os``, ``shutil``, ``subprocess`` and ``builtins``
namespaces only; the ``posix`` module keeps the real functions (the sandbox itself uses
them, and so could a determined program).
"""

from __future__ import annotations

import builtins
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["apply_guard", "remove_guard", "GUARDED_OS_FUNCTIONS"]

#: ``os`` functions replaced by a stub that raises PermissionError.
GUARDED_OS_FUNCTIONS: tuple[str, ...] = (
    "kill", "killpg", "system", "popen",
    "remove", "unlink", "removedirs", "rmdir", "rename", "renames", "replace", "truncate",
    "chmod", "fchmod", "lchmod", "chown", "fchown", "lchown", "chroot", "chdir", "fchdir",
    "link", "symlink", "mknod", "mkfifo",
    "fork", "forkpty", "setsid", "setpgid", "setuid", "setgid", "seteuid", "setegid",
    "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe",
    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "posix_spawn", "posix_spawnp",
)  # fmt: skip

_SHUTIL = ("rmtree", "move", "chown")
_BLOCKED_MODULES = ("ipdb", "joblib", "psutil", "tkinter", "multiprocessing")


def _disabled(name: str) -> Callable[..., NoReturn]:
    def stub(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise PermissionError(f"{name} is disabled by the execbench reliability guard")

    stub.__name__ = name.rsplit(".", 1)[-1]
    stub.__qualname__ = name
    return stub


class _DisabledPopen:
    """Replaces ``subprocess.Popen`` (a class, so ``isinstance`` checks elsewhere still work)."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        raise PermissionError("subprocess.Popen is disabled by the execbench reliability guard")


def _build_stubs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The replacements, built once at import (in the worker) so the child only updates dicts.

    Creating ~80 function objects after ``fork`` would touch fresh pages in every child;
    building them before the fork makes applying the guard a handful of dict updates.
    """
    os_stubs = {n: _disabled(f"os.{n}") for n in GUARDED_OS_FUNCTIONS if hasattr(os, n)}
    shutil_stubs = {n: _disabled(f"shutil.{n}") for n in _SHUTIL}
    sub_stubs: dict[str, Any] = {
        n: _disabled(f"subprocess.{n}")
        for n in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
    }
    sub_stubs["Popen"] = _DisabledPopen
    builtin_stubs = {"help": _disabled("help")}
    modules: dict[str, Any] = dict.fromkeys(_BLOCKED_MODULES)
    return [
        (vars(os), os_stubs),
        (vars(shutil), shutil_stubs),
        (vars(subprocess), sub_stubs),
        (vars(builtins), builtin_stubs),
        (sys.modules, modules),
    ]


_STUBS = _build_stubs()
_MISSING = object()
_ORIGINALS = [(ns, {k: ns.get(k, _MISSING) for k in stubs}) for ns, stubs in _STUBS]


def apply_guard() -> None:
    """Disable destructive APIs in this process.

    The worker applies it to itself once, before forking (its own code calls the ``posix``
    functions directly), so a guarded child inherits it for free; a child with
    ``guard=False`` calls :func:`remove_guard` instead.
    """
    for namespace, stubs in _STUBS:
        namespace.update(stubs)


def remove_guard() -> None:
    """Put back what :func:`apply_guard` replaced."""
    for namespace, originals in _ORIGINALS:
        for key, value in originals.items():
            if value is _MISSING:
                namespace.pop(key, None)
            else:
                namespace[key] = value

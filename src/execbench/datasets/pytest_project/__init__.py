"""Reasoning tasks from a real project: run its pytest suite in the sandbox, keep the calls it makes.

``execbench build PATH`` on a folder that has a pytest suite (``test_*.py``, ``*_test.py``
or ``conftest.py`` files) and no ``# execbench:`` directives treats the folder as a
project (the CodeSense use case): the calls worth asking about are the ones its own tests
make (``>>>`` docstring examples are then not used). How:

1. The host reads the project (every non-hidden file outside virtualenvs and
   ``__pycache__``; at most 1 MB per file and 16 MB in all) and nothing in it runs there.
2. One sandboxed execution copies the files into its private temporary folder and runs
   ``pytest -q -p no:cacheprovider --rootdir <copy>`` there, with the copy's import roots
   (the project folder, and the parent of each top-level package, e.g. ``src/``) first on
   ``sys.path``, bytecode writing off, a per-test time limit (30 s; a test still running is
   interrupted and counts as failed) and a budget for the whole suite (300 s, after which
   the remaining tests are not run). The project folder itself is never written to, whatever
   the tests do, and the host never runs them. The reliability guard is off for this run
   (pytest needs temporary files and cleans them up); the sandbox's walls -- read-only
   ``/``, private ``/tmp``, no network, an unprivileged uid -- still hold. Failing tests do
   not stop the build: their calls count like any other.
3. While each test runs, a trace function watches calls into the project's module-level
   functions (functions defined at the top of the project's non-test modules, private
   ``_names`` included; methods, nested functions and generators are left out). For each
   function it keeps the first :data:`DEFAULT_CALLS_PER_FUNCTION` distinct calls to
   complete (returned or raised) whose arguments are all plain literals -- ints, floats,
   strings, bytes, None, booleans and lists/tuples/sets/dicts of them -- whose ``repr``
   reads back equal with ``ast.literal_eval``, the rule the rest of execbench uses for
   inputs. The arguments are captured as the call starts, before the function can mutate
   them.
4. Each kept call becomes a subject: the module's source text is the program, the function
   the entry and the argument text the call. Its ground truth is traced in the sandbox like
   any other call, with the module run as part of its package (relative imports work) and
   the project modules it imports copied next to it. Ids are
   ``project/<relpath>:<function>/<k>``, e.g. ``project/calc/core.py:clamp/0/output``. Calls whose trace fails (e.g. the module needs a
   data file or runs longer than a probe may) are dropped and counted.

Failed and errored tests, pytest runs that did not really run (usage error, nothing
collected), a suite stopped by its budget and the calls left out for non-literal arguments
are reported with the build's "dropped" lines. Builds are deterministic as long as no test
hits a time limit: tests run in pytest's order with ``PYTHONHASHSEED=0``, and subjects are
ordered by (file, function, k). A suite that hangs in C code (or in a non-daemon thread)
past the whole budget is killed by the sandbox and yields no calls.
"""

from __future__ import annotations

import ast
import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from execbench import _pyast
from execbench.datasets.pytest_project.runner import (
    DEFAULT_CALLS_PER_FUNCTION,
    PER_TEST_TIMEOUT,
    SUITE_TIMEOUT,
    literal_text,
    materialize,
    run_suite,
)
from execbench.errors import UserError

__all__ = [
    "DEFAULT_CALLS_PER_FUNCTION",
    "PER_TEST_TIMEOUT",
    "PYTEST_RUNNER",
    "SUITE_TIMEOUT",
    "Project",
    "ProjectCall",
    "ProjectRun",
    "closure",
    "has_pytest_suite",
    "is_test_file",
    "literal_text",
    "materialize",
    "module_context",
    "parse_run",
    "read_project",
    "run_suite",
    "suite_args",
]

#: The sandbox runner that runs a project's suite (see :func:`run_suite`).
PYTEST_RUNNER = "execbench.datasets.pytest_project.runner:run_suite"
_MAX_FILE = 1_000_000
_MAX_TOTAL = 16_000_000
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist"}
_TEST_DIRS = {"tests", "test"}
_DIRECTIVE = re.compile(r"^#\s*execbench:", re.MULTILINE)


@dataclass(frozen=True)
class Project:
    """A project's files as read on the host (relative POSIX paths)."""

    root: str
    texts: dict[str, str]
    """UTF-8 files (sources, configs, text data)."""
    blobs: dict[str, str] = field(default_factory=dict)
    """Other files, base64: tests may read them."""

    def modules(self) -> list[str]:
        """The non-test ``.py`` files: whose functions tasks are made from."""
        return sorted(rel for rel in self.texts if rel.endswith(".py") and not is_test_file(rel))

    def roots(self) -> list[str]:
        """Import folders (relative; ``""`` is the project): the project and each module's root."""
        return sorted({module_context(self.texts, rel)[0] for rel in self.modules()} | {""})


@dataclass(frozen=True)
class ProjectCall:
    file: str
    """Module path relative to the project, e.g. ``pkg/core.py``."""
    function: str
    args: str
    """Argument text: the call is ``function(<args>)``."""
    index: int
    """Its rank among the function's kept calls (0-based, in completion order)."""


@dataclass(frozen=True)
class ProjectRun:
    """What running the suite gave: the calls kept and pytest's counts."""

    calls: tuple[ProjectCall, ...]
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    collected: int = 0
    exit_code: int | None = None
    stopped: bool = False
    """The suite's time budget ran out and later tests were skipped."""
    non_literal: int = 0
    """Calls left out because an argument is not a plain literal."""


def is_test_file(rel: str) -> bool:
    """pytest's default test files, conftest.py, and anything under a ``tests``/``test`` folder."""
    path = PurePosixPath(rel)
    name = path.name
    return (
        (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in _TEST_DIRS for part in path.parts[:-1])
    )


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d not in _SKIP_DIRS and not (here / d / "pyvenv.cfg").exists()
        )
        out.extend(
            here / f for f in sorted(filenames) if not f.startswith(".") and not f.endswith((".pyc", ".pyo"))
        )
    return out


def has_pytest_suite(root: Path) -> bool:
    """A folder with pytest test files and no file using the ``# execbench:`` convention."""
    files = [p for p in _walk(root) if p.suffix == ".py"]
    if not any(
        p.name.startswith("test_") or p.name.endswith("_test.py") or p.name == "conftest.py" for p in files
    ):
        return False
    for p in files:
        try:
            if p.stat().st_size <= _MAX_FILE and _DIRECTIVE.search(
                p.read_text(encoding="utf-8", errors="replace")
            ):
                return False
        except OSError:
            continue
    return True


def read_project(root: str | Path) -> Project:
    """Read a project's files (never run them); too big a project is a user error."""
    base = Path(root)
    texts: dict[str, str] = {}
    blobs: dict[str, str] = {}
    total = 0
    for path in _walk(base):
        if not path.is_file() or path.is_symlink():
            continue
        size = path.stat().st_size
        if size > _MAX_FILE:
            continue
        total += size
        if total > _MAX_TOTAL:
            raise UserError(
                f"{base}: the project has more than {_MAX_TOTAL // 1_000_000} MB of files; "
                "build from a smaller folder"
            )
        rel = path.relative_to(base).as_posix()
        data = path.read_bytes()
        try:
            texts[rel] = data.decode("utf-8")
        except UnicodeDecodeError:
            blobs[rel] = base64.b64encode(data).decode("ascii")
    if not any(rel.endswith(".py") for rel in texts):
        raise UserError(f"{base}: no .py files")
    return Project(str(base), texts, blobs)


def module_context(files: Mapping[str, str], rel: str) -> tuple[str, str | None]:
    """(import root, package) of a module: above its topmost package, as pytest's rootdir rule.

    ``src/pkg/sub/m.py`` with ``__init__.py`` in ``pkg`` and ``sub`` -> ``("src", "pkg.sub")``;
    a module outside any package -> (its folder, None).
    """
    parts = PurePosixPath(rel).parts[:-1]
    top = len(parts)
    while top > 0 and "/".join((*parts[:top], "__init__.py")) in files:
        top -= 1
    package = ".".join(parts[top:]) or None
    return "/".join(parts[:top]), package


def _module_names(files: Mapping[str, str]) -> dict[str, str]:
    """Dotted module name -> file, for every .py file (by its own import root)."""
    names: dict[str, str] = {}
    for rel in sorted(files):
        if not rel.endswith(".py"):
            continue
        _, package = module_context(files, rel)
        stem = PurePosixPath(rel).stem
        if stem == "__init__":
            if package:
                names.setdefault(package, rel)
        else:
            names.setdefault(f"{package}.{stem}" if package else stem, rel)
    return names


def _imports(text: str, package: str | None) -> set[str]:
    try:
        tree = _pyast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = (package or "").split(".") if package else []
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    expanded = set()
    for name in out:
        pieces = name.split(".")
        expanded.update(".".join(pieces[:i]) for i in range(1, len(pieces) + 1))
    return expanded


def closure(files: Mapping[str, str], rel: str) -> dict[str, str]:
    """The project files tracing module ``rel`` needs: its packages and what it imports, transitively."""
    names = _module_names(files)
    wanted = [rel]
    seen: set[str] = set()
    while wanted:
        current = wanted.pop()
        if current in seen:
            continue
        seen.add(current)
        _, package = module_context(files, current)
        pieces = package.split(".") if package else []
        found = {".".join(pieces[:i]) for i in range(1, len(pieces) + 1)}
        found |= _imports(files[current], package)
        wanted.extend(names[n] for n in sorted(found) if n in names and names[n] not in seen)
    return {r: files[r] for r in sorted(seen)}


def suite_args(
    project: Project,
    *,
    per_function: int = DEFAULT_CALLS_PER_FUNCTION,
    per_test_timeout: float = PER_TEST_TIMEOUT,
    budget: float = SUITE_TIMEOUT,
) -> dict[str, Any]:
    """The :func:`run_suite` arguments for a project."""
    return {
        "texts": project.texts,
        "blobs": project.blobs,
        "modules": project.modules(),
        "roots": project.roots(),
        "per_function": per_function,
        "per_test_timeout": per_test_timeout,
        "budget": budget,
    }


def parse_run(payload: Any) -> ProjectRun:
    """Read the runner's payload defensively (it crossed the sandbox boundary)."""
    if not isinstance(payload, dict):
        return ProjectRun(calls=())
    calls = []
    items = payload.get("calls")
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) for k in ("file", "function", "args"))
            and isinstance(item.get("index"), int)
        ):
            calls.append(ProjectCall(item["file"], item["function"], item["args"], item["index"]))

    def count(name: str) -> int:
        value = payload.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    exit_code = payload.get("exit_code")
    return ProjectRun(
        calls=tuple(sorted(calls, key=lambda c: (c.file, c.function, c.index))),
        passed=count("passed"),
        failed=count("failed"),
        errors=count("errors"),
        skipped=count("skipped"),
        collected=count("collected"),
        exit_code=exit_code if isinstance(exit_code, int) else None,
        stopped=payload.get("stopped") is True,
        non_literal=count("non_literal"),
    )

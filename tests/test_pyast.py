"""The thread-safe parse of ``execbench._pyast`` (CPython 3.11's shared AST recursion counter)."""

from __future__ import annotations

import ast
import gc
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from execbench import _pyast

#: A module big enough that the collector runs while its tree is being turned into objects.
_BIG = "\n".join(f"def f{i}(x):\n    return [y for y in x if y > {i}]" for i in range(300))

#: Modules that run only inside sandboxed children (one thread, imported by warm workers).
_CHILD_SIDE = {
    "_pyast.py",
    "judge/_runner.py",
    "judge/_candidate.py",
    "plus/runner.py",
    "plus/_boundaries.py",
    "repair/runner.py",
    "datasets/pytest_project/runner.py",
}


def _parse_while_another_thread_parses(parse: Callable[[str], object]) -> None:
    """Parse ``_BIG`` while a finalizer, run by the collector mid-parse, makes another thread parse.

    This is how CI lost a ``repair`` run on 3.11.7: the event loop parsed while a worker thread
    was mid-parse.
    """

    class Switch:
        def __del__(self) -> None:
            other = threading.Thread(target=parse, args=("a = 1",))
            other.start()
            other.join(0.2)  # with the guard it waits for this parse; never forever

    def garbage() -> None:
        switch = Switch()
        switch.self = switch  # type: ignore[attr-defined]

    old = gc.get_threshold()
    gc.collect()
    garbage()
    gc.set_threshold(50)
    try:
        parse(_BIG)
    finally:
        gc.set_threshold(*old)
        gc.collect()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the shared counter is 3.11's")
def test_the_race_is_real_on_3_11() -> None:
    """The control: plain ``ast.parse`` fails in this scenario, so the next test can fail."""
    with pytest.raises(SystemError, match="recursion depth mismatch"):
        _parse_while_another_thread_parses(ast.parse)


def test_guarded_parse_survives_the_race() -> None:
    _parse_while_another_thread_parses(_pyast.parse)


def test_same_results_as_ast() -> None:
    assert ast.dump(_pyast.parse("x = [1, 2]")) == ast.dump(ast.parse("x = [1, 2]"))
    assert isinstance(_pyast.parse("1 + 2", mode="eval"), ast.Expression)
    assert _pyast.literal_eval("{'a': (1, 2.5, None)}") == {"a": (1, 2.5, None)}
    with pytest.raises(ValueError):
        _pyast.literal_eval("f(1)")


def test_host_side_code_parses_only_through_the_guard() -> None:
    """Every host-side ``ast.parse``/``ast.literal_eval`` call goes through ``_pyast``."""
    root = Path(__file__).resolve().parents[1] / "src" / "execbench"
    call = re.compile(r"(?<![\w.`])ast\.(parse|literal_eval)\(")
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel in _CHILD_SIDE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if call.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []

"""Executor selection: names, Ray's install hint, and options that do not apply."""

from __future__ import annotations

import sys

import pytest

from execbench.errors import UserError
from execbench.runs.executors import LocalExecutor, make_executor


def test_local_is_the_default_kind() -> None:
    executor = make_executor("local", workers=1)
    assert isinstance(executor, LocalExecutor) and executor.isolation is None
    assert executor.score([], []) == []
    executor.close()


def test_unknown_executor_and_stray_address() -> None:
    with pytest.raises(UserError, match="unknown executor"):
        make_executor("threads")
    with pytest.raises(UserError, match="--address only applies"):
        make_executor("local", address="ray://host:10001")


def test_missing_ray_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail as if not installed
    with pytest.raises(UserError, match=r"pip install 'execbench\[ray\]'"):
        make_executor("ray")

"""Helpers of the report tests (importable from the tests and their conftest)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main


@dataclass
class Watched:
    page: Any
    errors: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not self.errors and not self.remote


@dataclass(frozen=True)
class Built:
    store: Path
    run_id: str
    site: Path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("EXECBENCH_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path

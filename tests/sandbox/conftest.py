"""Fixtures for the sandbox tests: one warm pool per module, and process accounting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from execbench.sandbox import SandboxPool

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    """The strongest isolation available, two workers, test runners importable."""
    with SandboxPool(workers=2, pythonpath=[str(HERE)]) as p:
        yield p

"""Fixtures of the task-suite tests: one warm sandbox pool for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from execbench.tasks._exec import open_pool


@pytest.fixture(scope="session")
def pool() -> Iterator[Any]:
    with open_pool() as shared:
        yield shared

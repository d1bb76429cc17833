"""HumanEval problems (openai/human-eval ``data/HumanEval.jsonl.gz``).

A problem is the prompt a model completes, the test code defining ``check``, and the
name of the function ``check`` is called with. MBPP in LDB's format has the same shape,
so :class:`Problem` and :func:`parse_problems` are shared with :mod:`execbench.datasets.mbpp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from execbench.datasets.cache import Source, resolve
from execbench.datasets.loading import read_jsonl, require_str
from execbench.errors import UserError

__all__ = ["Problem", "HUMANEVAL_SOURCE", "load_humaneval", "parse_problems"]

HUMANEVAL_SOURCE = Source(
    name="HumanEval",
    url="https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
    filename="HumanEval.jsonl.gz",
    flag="--problems",
)


@dataclass(frozen=True)
class Problem:
    """One code-generation problem with its hidden tests."""

    task_id: str
    """E.g. ``HumanEval/0`` or ``MBPP/11``."""
    prompt: str
    """Signature and docstring the model completes."""
    entry_point: str
    """Name of the function under test; ``check`` receives it."""
    test: str
    """Test code defining ``check(candidate)`` (MBPP: also calls it)."""
    canonical_solution: str = ""
    """Reference body (HumanEval) or whole function (MBPP); informational."""


def parse_problems(rows: list[tuple[int, dict[str, object]]], path: Path | str) -> dict[str, Problem]:
    """Problems keyed by task id, in file order; duplicates and missing fields are user errors."""
    problems: dict[str, Problem] = {}
    for line, row in rows:
        where = f"{path}:{line}"
        task_id = require_str(row, "task_id", where)
        if task_id in problems:
            raise UserError(f"{where}: duplicate task_id {task_id!r}")
        canonical = row.get("canonical_solution", "")
        problems[task_id] = Problem(
            task_id=task_id,
            prompt=require_str(row, "prompt", where),
            entry_point=require_str(row, "entry_point", where),
            test=require_str(row, "test", where),
            canonical_solution=canonical if isinstance(canonical, str) else "",
        )
    return problems


def load_humaneval(path: Path | str | None = None) -> dict[str, Problem]:
    """The 164 HumanEval problems from ``path``, the cache, or a first download."""
    resolved = resolve(HUMANEVAL_SOURCE, path)
    return parse_problems(read_jsonl(resolved, what="HumanEval problems file"), resolved)

"""MBPP, sanitized (427 + LDB's 73 = 500 problems), in the LDB repository's format.

Why LDB's file rather than google-research's ``sanitized-mbpp.json``: LDB's
``input_data/mbpp/dataset/probs.jsonl`` is the exact problem set behind the published LDB
MBPP numbers, and it is already in HumanEval's shape (``prompt``, ``entry_point``, a
``test`` that defines *and calls* ``check``), so no conversion can drift from it.
Because the test already calls ``check(...)``, MBPP scoring must not append another call.
"""

from __future__ import annotations

from pathlib import Path

from execbench.datasets.cache import Source, resolve
from execbench.datasets.humaneval import Problem, parse_problems
from execbench.datasets.loading import read_jsonl

__all__ = ["MBPP_SOURCE", "load_mbpp"]

MBPP_SOURCE = Source(
    name="MBPP (sanitized, LDB format)",
    url="https://raw.githubusercontent.com/FloridSleeves/LLMDebugger/main/input_data/mbpp/dataset/probs.jsonl",
    filename="mbpp-ldb-probs.jsonl",
    flag="--problems",
)


def load_mbpp(path: Path | str | None = None) -> dict[str, Problem]:
    """The MBPP problems from ``path``, the cache, or a first download."""
    resolved = resolve(MBPP_SOURCE, path)
    return parse_problems(read_jsonl(resolved, what="MBPP problems file"), resolved)

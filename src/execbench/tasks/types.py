"""The values that cross the tasks boundary: a task, a model's prediction, and its verdict.

``Task`` is what ``execbench build`` writes (one JSON object per line, with
``schema_version``); ``Prediction`` is raw model text for one sample of one task;
``Verdict`` is what scoring made of it. ``runs`` stores these; ``tasks`` produces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TASK_SCHEMA_VERSION", "Task", "Prediction", "Verdict"]

#: Bump when a field of Task changes meaning; readers refuse newer versions with a clear error.
TASK_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Task:
    task_id: str
    """Stable id, e.g. ``cruxeval/sample_0/output`` or ``reval/3/0/12/x/state``."""
    kind: str
    """One of: output, input, path, coverage, state, next-line, steps, branch, loop,
    exception, consistency (composite, scored from its parts), codegen."""
    prompt: str
    """Direct prompt (few-shot, answer only)."""
    prompt_cot: str
    """Chain-of-thought prompt (reason, then answer in the marked form)."""
    answer: Any
    """Ground truth, JSON-able; its shape depends on the kind."""
    meta: dict[str, Any] = field(default_factory=dict)
    """source, program_id, program (code), entry, input (call text), constructs,
    provenance (tool versions, python), and kind-specific fields (line, var, ...)."""
    schema_version: int = TASK_SCHEMA_VERSION


@dataclass(frozen=True)
class Prediction:
    task_id: str
    text: str
    """The model's raw output; only ever evaluated inside the sandbox."""
    sample: int = 0


@dataclass(frozen=True)
class Verdict:
    task_id: str
    sample: int
    extracted: str | None
    """The answer text the extractor found (None: nothing usable)."""
    correct: bool
    score: float = 0.0
    """Partial credit in [0, 1] where a kind defines one (path: similarity); else 0/1."""
    skipped: bool = False
    """Left out of n, as CRUXEval does for predictions that contain the call itself."""
    details: dict[str, Any] = field(default_factory=dict)
    """How it was obtained: mode (strict/cruxeval/...), exec status, strict-vs-compat disagreement."""

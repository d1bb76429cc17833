"""CRUXEval samples (facebookresearch/cruxeval ``data/cruxeval.jsonl``).

Each sample is a function ``f``, an input (the argument text of a call) and the output
(a literal). Inputs and outputs stay as *text*: CRUXEval pastes them into assertions,
and scoring must reproduce that exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from execbench.datasets.cache import Source, resolve
from execbench.datasets.loading import read_jsonl, require_str
from execbench.errors import UserError

__all__ = ["CruxSample", "CRUXEVAL_SOURCE", "load_cruxeval"]

CRUXEVAL_SOURCE = Source(
    name="CRUXEval",
    url="https://raw.githubusercontent.com/facebookresearch/cruxeval/main/data/cruxeval.jsonl",
    filename="cruxeval.jsonl",
    flag="--data",
)


@dataclass(frozen=True)
class CruxSample:
    """One CRUXEval sample."""

    id: str
    """``sample_<i>``; generations files are keyed by it."""
    code: str
    """Source defining ``f``."""
    input: str
    """Argument text, so that ``f({input})`` is the call."""
    output: str
    """Literal text of ``f({input})``'s value."""


def load_cruxeval(path: Path | str | None = None) -> list[CruxSample]:
    """The samples in file order, from ``path``, the cache, or a first download."""
    resolved = resolve(CRUXEVAL_SOURCE, path)
    samples: list[CruxSample] = []
    seen: set[str] = set()
    for line, row in read_jsonl(resolved, what="CRUXEval data file"):
        where = f"{resolved}:{line}"
        sample = CruxSample(
            id=require_str(row, "id", where),
            code=require_str(row, "code", where),
            input=require_str(row, "input", where),
            output=require_str(row, "output", where),
        )
        if sample.id in seen:
            raise UserError(f"{where}: duplicate id {sample.id!r}")
        seen.add(sample.id)
        samples.append(sample)
    return samples

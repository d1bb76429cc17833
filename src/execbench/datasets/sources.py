"""``execbench build SOURCE``: what a SOURCE string names.

Forms: ``builtin``; ``cruxeval[:PATH]``; ``humaneval[:PATH]``; ``mbpp[:PATH]``;
``ldb:PATH`` (a ``seed.jsonl`` of model-written programs, or a folder holding such files);
``reval:DATA.jsonl,TASKS.jsonl``; ``coconut:CSV``; or a path to a ``.py`` file or a folder
of them. A prefix that is not a source name is read as a path, so ``./cruxeval:x`` still
means the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from execbench.errors import UserError

__all__ = ["SourceSpec", "SOURCE_NAMES", "parse_source"]

#: Named sources; anything else is a path to user programs.
SOURCE_NAMES: tuple[str, ...] = ("builtin", "cruxeval", "humaneval", "mbpp", "ldb", "reval", "coconut")

_NEEDS_PATH = {
    "ldb": "ldb:PATH/seed.jsonl",
    "reval": "reval:DREval_data.jsonl,DREval_tasks.jsonl",
    "coconut": "coconut:TRACES.csv",
}


@dataclass(frozen=True)
class SourceSpec:
    """A parsed SOURCE: its name and the paths it was given (empty: default location)."""

    name: str
    """One of :data:`SOURCE_NAMES`, or ``"user"`` for a path."""
    paths: tuple[str, ...] = ()


def parse_source(text: str) -> SourceSpec:
    """Parse a SOURCE argument; mistakes are user errors that show the expected form."""
    text = text.strip()
    if not text:
        raise UserError(
            "empty SOURCE; give builtin, cruxeval[:PATH], humaneval[:PATH], mbpp[:PATH], ldb:PATH, "
            "reval:DATA,TASKS, coconut:CSV or a path to .py files"
        )
    name, colon, rest = text.partition(":")
    if name in SOURCE_NAMES:
        if name == "builtin":
            if colon:
                raise UserError("the builtin source takes no path; use 'builtin'")
            return SourceSpec("builtin")
        paths = tuple(p.strip() for p in rest.split(",") if p.strip()) if colon else ()
        if name in _NEEDS_PATH and not paths:
            raise UserError(f"source {name!r} needs a path: {_NEEDS_PATH[name]}")
        if name == "reval" and len(paths) != 2:
            raise UserError(f"source 'reval' needs two files: {_NEEDS_PATH['reval']}")
        if name not in ("reval",) and len(paths) > 1:
            raise UserError(f"source {name!r} takes one path, got {len(paths)}")
        return SourceSpec(name, paths)
    if not Path(text).exists():
        raise UserError(
            f"{text!r} is neither a source name ({', '.join(SOURCE_NAMES)}) nor an existing file or folder"
        )
    return SourceSpec("user", (text,))

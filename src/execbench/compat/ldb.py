"""LDB's compatibility quirk: an import header in front of every program.

LDB (FloridSleeves/LLMDebugger) runs each candidate after a fixed header, so programs
that use ``List``, ``math``, ``heapq`` ... without importing them pass there. Its
published numbers depend on the header; scoring with ``--prelude ldb`` reproduces them.
"""

from __future__ import annotations

from pathlib import Path

from execbench.datasets.loading import read_text
from execbench.errors import UserError

__all__ = ["LDB_PRELUDE", "PRELUDES", "resolve_prelude"]

LDB_PRELUDE = (
    "from typing import *\n"
    "import math\n"
    "from heapq import *\n"
    "import itertools\n"
    "import re\n"
    "import typing\n"
    "import heapq\n"
    "_str=str\n"
)

#: Named preludes accepted by ``--prelude NAME`` (anything else is read as a file).
PRELUDES: dict[str, str] = {"ldb": LDB_PRELUDE}


def resolve_prelude(value: str | None) -> str:
    """``--prelude`` value -> header text: a preset name, else the contents of that file.

    A file's text gets a trailing newline if it lacks one, so it cannot glue onto the
    program's first line.
    """
    if value is None:
        return ""
    if value in PRELUDES:
        return PRELUDES[value]
    path = Path(value)
    if not path.exists():
        names = ", ".join(sorted(PRELUDES))
        raise UserError(f"--prelude: {value!r} is neither a preset ({names}) nor an existing file")
    text = read_text(path, what="prelude file")
    return text if text.endswith("\n") else text + "\n"

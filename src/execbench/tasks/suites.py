"""Named suites: what ``execbench eval --suite NAME`` builds (a source and its kinds)."""

from __future__ import annotations

from execbench.tasks.kinds import TRACE_KINDS

__all__ = ["SUITES"]

#: suite name -> (build source, kinds; None = the source's default kinds).
SUITES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "builtin": ("builtin", None),
    "cruxeval-o": ("cruxeval", ("output",)),
    "cruxeval-i": ("cruxeval", ("input",)),
    "cruxeval": ("cruxeval", ("output", "input")),
    "humaneval": ("humaneval", ("codegen",)),
    "humaneval-trace": ("humaneval", TRACE_KINDS),
    "mbpp": ("mbpp", ("codegen",)),
    "reval": ("reval", ("coverage", "state", "next-line", "output")),
    "coconut": ("coconut", ("path",)),
}

"""The task kinds: their names, the question each asks, and which ones a build makes by default.

A kind is a question about one call of one program. Its ground truth is computed by running
the call under the tracer; its prompt asks for the answer between ``[ANSWER]`` and
``[/ANSWER]``; its scorer is exact. ``Question`` carries the kind-specific parameters (line,
variable, evaluation index) so that prompts, ids and dedup keys are all derived from one value.
"""

from __future__ import annotations

from dataclasses import dataclass

from execbench.errors import UserError

__all__ = [
    "KINDS",
    "TRACE_KINDS",
    "DEFAULT_KINDS",
    "Question",
    "parse_kinds",
    "answer_text",
]

#: Every kind a task file may hold, in report order.
KINDS: tuple[str, ...] = (
    "output",
    "input",
    "path",
    "coverage",
    "state",
    "next-line",
    "steps",
    "branch",
    "loop",
    "exception",
    "consistency",
    "codegen",
)

#: Kinds whose ground truth comes from a trace of one call.
TRACE_KINDS: tuple[str, ...] = KINDS[:10]

#: What ``execbench build`` makes when no ``--kinds`` is given: every trace kind.
DEFAULT_KINDS: tuple[str, ...] = TRACE_KINDS


@dataclass(frozen=True)
class Question:
    """The kind-specific part of a task; ``None`` fields do not apply to the kind."""

    kind: str
    line: int | None = None
    """1-based line in the program (coverage, state, next-line, branch, loop)."""
    var: str | None = None
    """Variable expression (state): ``x``, ``self.x`` or ``a[i]``."""
    occurrence: int | None = None
    """1-based evaluation index of a branch condition (branch)."""

    def suffix(self) -> str:
        """The readable id tail, e.g. ``state/12/x`` or ``branch/4/2``."""
        parts = [self.kind]
        if self.line is not None:
            parts.append(str(self.line))
        if self.var is not None:
            parts.append(self.var)
        if self.occurrence is not None:
            parts.append(str(self.occurrence))
        return "/".join(parts)


def parse_kinds(text: str | None) -> tuple[str, ...] | None:
    """Parse ``--kinds a,b,c``; unknown names are the user's to fix, so say which exist."""
    if text is None or text.strip() == "":
        return None
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UserError(f"unknown task kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    return kinds


def answer_text(kind: str, answer: object) -> str:
    """The ground truth rendered the way a prompt asks for it (used by few-shots and export)."""
    if kind == "coverage" or kind == "branch":
        return "YES" if answer else "NO"
    if kind == "state":
        if answer is None:
            return "Nil"
        value, type_name = answer[0]  # type: ignore[index]
        return f"{value}; {type_name}"
    if kind == "next-line":
        return str(answer[0])  # type: ignore[index]
    if kind == "path":
        return "[" + ", ".join(str(x) for x in answer) + "]"  # type: ignore[attr-defined]
    if kind == "exception":
        return str(answer) if answer else "None"
    return str(answer)

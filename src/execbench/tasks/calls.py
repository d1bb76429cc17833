"""The one call a task is about, as (program, entry, argument text) a tracer can run again.

The report links every task to a trace of its call, made afresh in the sandbox from what the
task itself stores: tasks are the report's only input, so the rule for each source lives
here, next to the builders that write the metadata it reads.
"""

from __future__ import annotations

from typing import Any

from execbench.tasks._probe import class_case_program
from execbench.tasks.types import Task

__all__ = ["probe_call", "traceable_call"]


def probe_call(task: Task) -> dict[str, Any] | None:
    """The probe runner's ``entry``/``args`` (and ``reval_class``) for the call ``task`` asks about.

    None when there is no call to rerun:
    - codegen tasks are about a program still to be written;
    - project tasks need their project's files and test harness, which tasks do not store.
    REval's ClassEval cases (both modes) run their test case through the class harness;
    REval-mode tasks keep REval's raw input in ``meta["reval"]``; the others keep ``args``.
    """
    meta = task.meta
    program, entry = meta.get("program"), meta.get("entry")
    if task.kind == "codegen" or not isinstance(program, str) or not entry:
        return None
    if meta.get("source") == "project":
        return None
    reval: dict[str, Any] = meta.get("reval") if isinstance(meta.get("reval"), dict) else {}
    case = meta.get("reval_class")
    if case is None and reval.get("test") is not None:
        case = {"test": reval["test"], "class": reval.get("entry", entry), "index": reval.get("index", 0)}
    if isinstance(case, dict):
        return {"entry": str(entry), "args": "", "reval_class": case}
    if "args" in meta:
        return {"entry": str(entry), "args": str(meta["args"])}
    shown = str(meta.get("input", ""))
    if shown.startswith(f"{entry}(") and shown.endswith(")"):
        return {"entry": str(entry), "args": shown[len(str(entry)) + 1 : -1]}
    return None


def traceable_call(task: Task) -> tuple[str, str, str] | None:
    """(program, entry, args) of the call ``task`` asks about, for a plain tracer to rerun."""
    call = probe_call(task)
    if call is None:
        return None
    if "reval_class" in call:
        program, driver = class_case_program(str(task.meta["program"]), call["reval_class"])
        return program, driver, ""
    return str(task.meta["program"]), call["entry"], call["args"]

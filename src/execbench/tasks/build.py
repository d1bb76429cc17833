"""``build_tasks``: SOURCE -> subjects -> (variants) -> one sandboxed probe batch -> tasks.

Ground truth always comes from tracing the call inside the sandbox (the probe); nothing is
read from a benchmark's own answer columns except CRUXEval's output text, which its scorer
compares against and which must therefore be kept verbatim. Builds are deterministic for a
seed: subjects come in source order, questions are drawn from seeded generators, and
duplicate tasks (same program, input, kind and question) are dropped keeping the first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execbench import __version__
from execbench.datasets.humaneval import Problem
from execbench.datasets.sources import parse_source
from execbench.datasets.variants import make_variants
from execbench.errors import UserError
from execbench.sandbox.types import ExecRequest, Limits
from execbench.tasks._exec import open_pool, run_requests
from execbench.tasks.facts import CallFacts
from execbench.tasks.kinds import KINDS
from execbench.tasks.make import Subject, dedup_key, make_tasks, state_queries
from execbench.tasks.prompts import render_codegen
from execbench.tasks.subjects import problem_number, subjects_for
from execbench.tasks.types import Task

__all__ = ["BuildReport", "build", "build_tasks", "probe_project"]

#: The sandbox runner that traces one call (see :mod:`execbench.tasks._probe`).
PROBE_RUNNER = "execbench.tasks._probe:probe"
#: The same for a module of a project (see :func:`probe_project`).
PROJECT_PROBE_RUNNER = "execbench.tasks.build:probe_project"
_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
#: Tracing is slower than running; a call gets this long before it is dropped.
PROBE_TIMEOUT = 4.0
_VARIANT_SOURCES = ("builtin", "user", "ldb", "humaneval", "mbpp", "cruxeval")


@dataclass(frozen=True)
class BuildReport:
    tasks: list[Task]
    subjects: int
    """Calls traced (variants included)."""
    dropped: dict[str, int] = field(default_factory=dict)
    """What was left out, by reason (probe failures, failed variants, duplicates, ...)."""
    failures: dict[str, int] = field(default_factory=dict)
    """Calls that could not be traced, by exception type (``ModuleNotFoundError: numpy`` -> 23)."""
    mode: str = "strict"
    """Semantics of the tasks: ``strict`` (execbench's own), ``reval`` or ``coconut``."""


def probe_project(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Sandbox runner: the probe for a module of a project (``args["project"]``).

    The project files the module needs are written to the sandbox's private folder, its
    import roots go first on ``sys.path`` and the module runs as part of its package, so
    its imports of sibling modules (relative ones too) work as they do in the project.
    """
    from execbench.datasets.pytest_project import materialize
    from execbench.tasks._probe import PROBE_LIMITS, facts_payload
    from execbench.trace.api import trace_call

    project = args["project"]
    root = materialize(project["files"], {}, os.getcwd())
    path = [os.path.join(root, r) if r else root for r in project.get("roots", [""])]
    queries = [(int(line), str(var)) for line, var in args.get("queries", [])]
    try:
        trace = trace_call(
            code,
            str(args["entry"]),
            str(args.get("args", "")),
            limits=PROBE_LIMITS,
            package=project.get("package"),
            path=path,
        )
    except Exception as exc:  # a bad entry or call text: the program cannot be asked about
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:500]}
    return facts_payload(trace, queries)


#: REval's and CoCoNUT's published items must not be cut silently: their calls get REval's
#: own time budget and a step limit far above the default probe's (cuts are reported).
LONG_SOURCES = ("reval", "coconut")
LONG_LIMITS = (2_000_000, 60.0)


def failure_key(facts: CallFacts) -> str:
    """``ModuleNotFoundError: numpy``, ``timeout`` ...: why a call was not traced, for the summary."""
    detail = facts.detail
    if facts.status != "error" or not detail:
        return facts.status
    text = detail.split(": ", 1)[1] if detail.startswith(("call: ", "setup: ", "compile: ")) else detail
    kind, _, message = text.partition(": ")
    if kind == "ModuleNotFoundError" and "'" in message:
        return f"{kind}: {message.split(chr(39))[1]}"
    return kind or facts.status


def _probe_request(subject: Subject) -> ExecRequest:
    if subject.source in LONG_SOURCES:
        steps, seconds = LONG_LIMITS
        return ExecRequest(
            code=subject.code,
            runner=PROBE_RUNNER,
            args={
                "entry": subject.entry,
                "args": subject.args,
                "queries": [list(q) for q in state_queries(subject)],
                "limits": [steps, seconds],
                **dict(subject.harness),
            },
            limits=Limits(timeout=seconds + 30),
        )
    return ExecRequest(
        code=subject.code,
        runner=PROJECT_PROBE_RUNNER if any(k == "project" for k, _ in subject.harness) else PROBE_RUNNER,
        args={
            "entry": subject.entry,
            "args": subject.args,
            "queries": [list(q) for q in state_queries(subject)],
            **dict(subject.harness),
        },
        limits=Limits(timeout=PROBE_TIMEOUT),
    )


def _variants(subjects: list[Subject], n: int, seed: int) -> list[Subject]:
    """Variant subjects, program by program (each variant keeps the original's input count)."""
    by_program: dict[str, list[Subject]] = {}
    for s in subjects:
        by_program.setdefault(s.program_id, []).append(s)
    out: list[Subject] = []
    for pid, calls in by_program.items():
        first = calls[0]
        if first.source not in _VARIANT_SOURCES:
            continue
        for k, variant in enumerate(
            make_variants(first.code, first.entry, [c.args for c in calls], n, seed=seed, key=pid), 1
        ):
            vid = f"{pid}~v{k}"
            for call, args in zip(calls, variant.inputs, strict=True):
                out.append(
                    replace(
                        call,
                        program_id=vid,
                        code=variant.code,
                        args=args,
                        id_prefix=vid + call.id_prefix[len(pid) :],
                        mode="strict",
                        expected_output=None,
                        extra=(*call.extra, ("variant_of", pid), ("mutations", list(variant.mutations))),
                    )
                )
    return out


def _codegen_tasks(name: str, problems: Sequence[Problem], provenance: dict[str, Any]) -> list[Task]:
    tasks = []
    for p in problems:
        tasks.append(
            Task(
                task_id=f"{name}/{problem_number(p.task_id)}/codegen",
                kind="codegen",
                prompt=render_codegen(p.prompt, p.entry_point, cot=False),
                prompt_cot=render_codegen(p.prompt, p.entry_point, cot=True),
                answer=p.test,
                meta={
                    "source": name,
                    "program_id": f"{name}/{problem_number(p.task_id)}",
                    "problem": p.task_id,
                    "prompt": p.prompt,
                    "test": p.test,
                    "entry": p.entry_point,
                    "mode": "humaneval" if name == "humaneval" else "mbpp",
                    "constructs": [],
                    "provenance": provenance,
                },
            )
        )
    return tasks


def build(
    source: str,
    *,
    kinds: Sequence[str] | None = None,
    variants: int = 0,
    seed: int = 0,
    pool: Any = None,
    mode: str | None = None,
) -> BuildReport:
    """Build the tasks of ``source`` and say what was dropped (see :func:`build_tasks`).

    ``mode``: ``strict`` (execbench's own semantics) or the source's compat mode (``reval``
    for REval files, ``coconut`` for CoCoNUT files; their default).
    """
    if kinds is not None:
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise UserError(f"unknown task kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    if variants < 0:
        raise UserError(f"--variants must be 0 or more, got {variants}")
    spec = parse_source(source)
    compat = {"reval": "reval", "coconut": "coconut"}.get(spec.name)
    mode = mode or compat or "strict"
    if mode != "strict" and mode != compat:
        raise UserError(
            f"--mode {mode} does not apply to {spec.name} sources (modes: strict"
            + (f", {compat})" if compat else ")")
        )
    chosen = tuple(kinds) if kinds else None
    subjects, problems, dropped = subjects_for(spec, chosen, pool=pool)
    dropped = dict(dropped)
    originals = len(subjects)
    if variants:
        subjects = subjects + _variants(subjects, variants, seed)
    requests = [_probe_request(s) for s in subjects]
    unique: dict[tuple[str, str, str], int] = {}
    slots = [unique.setdefault((r.code, repr(sorted(r.args.items())), ""), len(unique)) for r in requests]
    firsts = {slot: i for i, slot in reversed(list(enumerate(slots)))}
    to_run = [requests[firsts[u]] for u in range(len(unique))]
    if pool is None and to_run:
        with open_pool() as own:
            results = run_requests(to_run, own)
    else:
        results = run_requests(to_run, pool)
    status_of: dict[tuple[str, int], str] = {}
    failures: dict[str, int] = {}
    tasks: list[Task] = []
    for i, (subject, slot) in enumerate(zip(subjects, slots, strict=True)):
        result = results[slot]
        facts = (
            CallFacts.from_payload(result.payload)
            if result.passed and isinstance(result.payload, dict)
            else CallFacts(status=str(result.status), detail=result.exception_message or "")
        )
        is_variant = i >= originals
        if not is_variant:
            status_of[(subject.program_id, subject.input_idx)] = facts.status
        if facts.status not in ("returned", "raised") and subject.expected_output is None:
            key = "variant calls that failed to trace" if is_variant else f"calls not traced ({facts.status})"
            dropped[key] = dropped.get(key, 0) + 1
            if not is_variant:
                why = failure_key(facts)
                failures[why] = failures.get(why, 0) + 1
            continue
        if is_variant:
            origin = dict(subject.extra).get("variant_of", "")
            if status_of.get((origin, subject.input_idx)) not in (None, facts.status):
                dropped["variant calls whose outcome changed kind"] = (
                    dropped.get("variant calls whose outcome changed kind", 0) + 1
                )
                continue
        provenance = {"execbench": __version__, "python": _PYTHON, "isolation": result.isolation}
        tasks.extend(make_tasks(replace(subject, provenance=provenance), facts, seed=seed))
    if problems:
        tasks.extend(
            _codegen_tasks(
                spec.name, problems, {"execbench": __version__, "python": _PYTHON, "isolation": "none"}
            )
        )
    seen: set[tuple[str, ...]] = set()
    ids: set[str] = set()
    kept: list[Task] = []
    for task in tasks:
        key = dedup_key(task)
        if key in seen or task.task_id in ids:
            dropped["duplicate tasks"] = dropped.get("duplicate tasks", 0) + 1
            continue
        seen.add(key)
        ids.add(task.task_id)
        kept.append(task)
    if mode == "strict":
        return BuildReport(tasks=kept, subjects=len(subjects), dropped=dropped, failures=failures)
    return _compat_build(spec, mode, kept, chosen, pool, len(subjects))


def _compat_build(
    spec: Any, mode: str, strict: list[Task], kinds: tuple[str, ...] | None, pool: Any, calls: int
) -> BuildReport:
    """The compat-mode tasks of a REval or CoCoNUT source; ``strict`` supplies each item's strict truth."""
    provenance = {"execbench": __version__, "python": _PYTHON, "mode": mode}

    def run(requests: list[ExecRequest]) -> list[Any]:
        if pool is None:
            with open_pool() as own:
                return run_requests(requests, own)
        return run_requests(requests, pool)

    if mode == "reval":
        from execbench.tasks.reval_mode import build_reval

        chosen = kinds or ("coverage", "state", "next-line", "output")
        tasks, dropped = build_reval(spec.paths[0], spec.paths[1], chosen, strict, run, provenance)
        failures = {k.split(": ", 1)[1]: n for k, n in dropped.items() if k.startswith("calls not traced: ")}
        return BuildReport(tasks=tasks, subjects=calls, dropped=dropped, failures=failures, mode=mode)
    from execbench.tasks.coconut_mode import build_coconut

    tasks, dropped = build_coconut(spec.paths[0], strict, provenance)
    return BuildReport(tasks=tasks, subjects=calls, dropped=dropped, mode=mode)


def build_tasks(
    source: str,
    *,
    kinds: Sequence[str] | None = None,
    variants: int = 0,
    seed: int = 0,
    pool: Any = None,
    mode: str | None = None,
) -> list[Task]:
    """Tasks of ``source`` (see :mod:`execbench.datasets.sources` for the forms), deterministic for ``seed``.

    ``kinds`` limits the kinds (default: the source's own set); ``variants`` adds that many
    fresh variants per program; ``pool`` reuses an open sandbox pool.
    """
    return build(source, kinds=kinds, variants=variants, seed=seed, pool=pool, mode=mode).tasks

"""From a SOURCE to the calls to trace (:class:`Subject`) and the code-generation problems.

Each source has its loader in :mod:`execbench.datasets` (read as data, never run); this
module turns what they return into subjects with stable ids, default kinds and scoring
modes. Inputs of HumanEval/MBPP/LDB programs are the calls of the tests, found with ast:
every ``candidate(...)`` (or ``<entry>(...)``) call whose arguments are literals. LDB seed
programs get LDB's import header in front (its compatibility quirk: they were written and
judged with it, so without it many fail on a missing ``List`` or ``math``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from execbench import _pyast
from execbench.compat.ldb import LDB_PRELUDE
from execbench.datasets.coconut import load_coconut
from execbench.datasets.humaneval import Problem
from execbench.datasets.reval import load_reval
from execbench.datasets.sources import SourceSpec
from execbench.errors import UserError
from execbench.tasks.kinds import TRACE_KINDS
from execbench.tasks.make import Subject

__all__ = ["DEFAULT_SOURCE_KINDS", "subjects_for", "test_inputs", "problem_number"]

#: Kinds a source builds when ``--kinds`` is not given.
DEFAULT_SOURCE_KINDS: dict[str, tuple[str, ...]] = {
    "builtin": TRACE_KINDS,
    "user": TRACE_KINDS,
    "project": TRACE_KINDS,
    "ldb": TRACE_KINDS,
    "cruxeval": ("output", "input"),
    "humaneval": (*TRACE_KINDS, "codegen"),
    "mbpp": (*TRACE_KINDS, "codegen"),
    "reval": ("coverage", "state", "next-line", "output"),
    "coconut": ("path",),
}


def _literal(node: ast.expr) -> bool:
    try:
        _pyast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return True


def test_inputs(test: str, names: Sequence[str]) -> list[str]:
    """Argument texts of the calls to ``names`` in test code whose arguments are all literals."""
    try:
        tree = _pyast.parse(test)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
            continue
        if node.keywords or not node.args or not all(_literal(a) for a in node.args):
            continue
        text = ", ".join(ast.get_source_segment(test, a) or ast.unparse(a) for a in node.args)
        if text not in found:
            found.append(text)
    return found


def problem_number(task_id: str) -> str:
    """``HumanEval/12`` -> ``12`` (ids keep the number only, ``/`` separates id parts)."""
    return task_id.rsplit("/", 1)[-1]


def _builtin(kinds: tuple[str, ...]) -> list[Subject]:
    from execbench.datasets.pyfiles import builtin_programs

    return _from_programs(builtin_programs(), kinds)


def _from_programs(programs: Sequence[object], kinds: tuple[str, ...]) -> list[Subject]:
    out = []
    for p in programs:
        for i, args in enumerate(p.inputs):  # type: ignore[attr-defined]
            out.append(
                Subject(
                    source=p.source,  # type: ignore[attr-defined]
                    program_id=p.program_id,  # type: ignore[attr-defined]
                    code=p.code,  # type: ignore[attr-defined]
                    entry=p.entry,  # type: ignore[attr-defined]
                    args=args,
                    input_idx=i,
                    id_prefix=f"{p.program_id}/{i}",  # type: ignore[attr-defined]
                    kinds=kinds,
                    constructs=tuple(p.constructs),  # type: ignore[attr-defined]
                )
            )
    return out


def _user(path: str, kinds: tuple[str, ...]) -> list[Subject]:
    from execbench.datasets.pyfiles import load_program_dir, load_program_file

    target = Path(path)
    programs = load_program_dir(target) if target.is_dir() else load_program_file(target)
    return _from_programs(programs, kinds)


#: pytest exit codes that mean the suite did not really run (1 = some tests failed, 2 = stopped).
_PYTEST_TROUBLE = {
    3: "an internal error",
    4: "a usage error (check the project's pytest options)",
    5: "no tests collected",
}


def _project(path: str, kinds: tuple[str, ...], pool: Any) -> tuple[list[Subject], dict[str, int]]:
    """A project with a pytest suite: run the suite in the sandbox, one subject per kept call.

    See :mod:`execbench.datasets.pytest_project` for what is run and kept.
    """
    import importlib.util

    from execbench.datasets import pytest_project as pp
    from execbench.sandbox.types import ExecRequest, Limits
    from execbench.tasks._exec import run_requests

    if importlib.util.find_spec("pytest") is None:
        raise UserError(
            f"{path} is a project with a pytest suite, and running it needs pytest in "
            "execbench's environment: pip install pytest"
        )
    project = pp.read_project(path)
    request = ExecRequest(
        code="",
        runner=pp.PYTEST_RUNNER,
        args=pp.suite_args(project, per_test_timeout=pp.PER_TEST_TIMEOUT, budget=pp.SUITE_TIMEOUT),
        limits=Limits(timeout=pp.SUITE_TIMEOUT + 30, output_bytes=16 * 1024, output_kill_bytes=256 * 1024**2),
        guard=False,  # pytest needs temporary files; the walls (read-only /, own uid) still hold
    )
    [result] = run_requests([request], pool)
    run = pp.parse_run(result.payload if result.passed else None)
    notes: dict[str, int] = {}
    if not result.passed:
        why = (
            f"{result.status.value}, {result.exception_type}"
            if result.exception_type
            else result.status.value
        )
        notes[f"project test runs that ended {why} (no calls recorded)"] = 1
    for name, count in (("failed", run.failed), ("errored", run.errors)):
        if count:
            notes[f"project tests {name} (the calls they made are kept)"] = count
    if run.exit_code in _PYTEST_TROUBLE:
        notes[f"project test runs where pytest reported {_PYTEST_TROUBLE[run.exit_code]}"] = 1
    if run.stopped:
        notes["project test runs stopped at the time budget"] = 1
    if run.non_literal:
        notes["project calls with non-literal arguments"] = run.non_literal
    subjects = []
    roots = project.roots()
    closures: dict[str, dict[str, str]] = {}
    for call in run.calls:
        code = project.texts.get(call.file)
        if code is None:
            continue
        if call.file not in closures:
            closures[call.file] = pp.closure(project.texts, call.file)
        program_id = f"project/{call.file}:{call.function}"
        subjects.append(
            Subject(
                source="project",
                program_id=program_id,
                code=code,
                entry=call.function,
                args=call.args,
                input_idx=call.index,
                id_prefix=f"{program_id}/{call.index}",
                kinds=kinds,
                extra=(("file", call.file),),
                harness=(
                    (
                        "project",
                        {
                            "files": closures[call.file],
                            "roots": roots,
                            "package": pp.module_context(project.texts, call.file)[1],
                        },
                    ),
                ),
            )
        )
    return subjects, notes


def _cruxeval(path: str | None, kinds: tuple[str, ...]) -> list[Subject]:
    from execbench.datasets.cruxeval import load_cruxeval

    return [
        Subject(
            source="cruxeval",
            program_id=f"cruxeval/{s.id}",
            code=s.code,
            entry="f",
            args=s.input,
            input_idx=0,
            id_prefix=f"cruxeval/{s.id}",
            kinds=kinds,
            mode="cruxeval",
            expected_output=s.output,
            extra=(("sample_id", s.id),),
        )
        for s in load_cruxeval(path)
    ]


def _problems(name: str, problems: dict[str, Problem], kinds: tuple[str, ...]) -> list[Subject]:
    out = []
    for problem in problems.values():
        code = (
            problem.prompt + problem.canonical_solution if name == "humaneval" else problem.canonical_solution
        )
        if not code.strip():
            continue
        number = problem_number(problem.task_id)
        for i, args in enumerate(test_inputs(problem.test, ("candidate", problem.entry_point))):
            out.append(
                Subject(
                    source=name,
                    program_id=f"{name}/{number}",
                    code=code,
                    entry=problem.entry_point,
                    args=args,
                    input_idx=i,
                    id_prefix=f"{name}/{number}/{i}",
                    kinds=kinds,
                    extra=(("problem", problem.task_id),),
                )
            )
    return out


def _ldb(path: str, kinds: tuple[str, ...]) -> list[Subject]:
    from execbench.datasets.loading import read_jsonl

    root = Path(path)
    files = sorted(root.rglob("seed.jsonl")) if root.is_dir() else [root]
    if not files or not all(f.is_file() for f in files):
        raise UserError(f"{path}: no LDB seed file (give a seed.jsonl or a folder holding them)")
    out = []
    for file in files:
        model = file.parent.name
        for line, row in read_jsonl(file, what="LDB seed file"):
            solution, entry, task_id = row.get("solution"), row.get("entry_point"), row.get("task_id")
            if not (isinstance(solution, str) and isinstance(entry, str) and isinstance(task_id, str)):
                raise UserError(
                    f"{file}:{line}: an LDB seed row needs 'task_id', 'entry_point' and 'solution'"
                )
            tests = str(row.get("test", "")) + "\n" + "\n".join(str(t) for t in row.get("given_tests") or [])
            number = problem_number(task_id)
            bench = task_id.split("/")[0].lower()
            for i, args in enumerate(test_inputs(tests, ("candidate", entry))):
                out.append(
                    Subject(
                        source="ldb",
                        program_id=f"ldb/{model}/{bench}/{number}",
                        code=LDB_PRELUDE + solution,
                        entry=entry,
                        args=args,
                        input_idx=i,
                        id_prefix=f"ldb/{model}/{bench}/{number}/{i}",
                        kinds=kinds,
                        extra=(
                            ("model", model),
                            ("problem", task_id),
                            ("is_solved", bool(row.get("is_solved"))),
                        ),
                    )
                )
    return out


def _reval(data: str, tasks: str, kinds: tuple[str, ...]) -> tuple[list[Subject], int]:
    programs, items = load_reval(data, tasks)
    grouped: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for item in items:
        bucket = grouped.setdefault((item.idx, item.input_idx), [])
        if (item.lineno, item.var) not in bucket:
            bucket.append((item.lineno, item.var))
    out, skipped = [], 0
    for (idx, input_idx), questions in grouped.items():
        program = programs[idx]
        specific: dict[str, Any] = {
            "args": program.inputs[input_idx],
            "kinds": kinds,
            "extra": (("problem", program.task_id),),
        }
        if program.test is not None:
            case = {"test": program.test, "class": program.entry, "index": input_idx}
            # ClassEval: the i-th test case of the class drives the code; REval asks no plain
            # output there (its output task is completing the test's asserts), so none is built
            specific = {
                "args": "",
                "kinds": tuple(k for k in kinds if k != "output"),
                "shown_call": f"the test code:\n{program.inputs[input_idx].rstrip()}\n",
                "harness": (("reval_class", case),),
                "extra": (("problem", program.task_id), ("reval_class", case)),  # the viewer retraces it
            }
        out.append(
            Subject(
                source="reval",
                program_id=f"reval/{idx}",
                code=program.code,
                entry=program.entry,
                input_idx=input_idx,
                id_prefix=f"reval/{idx}/{input_idx}",
                questions=tuple(questions),
                **specific,
            )
        )
    return out, skipped


def _coconut(path: str) -> list[Subject]:
    from execbench.datasets.coconut import is_advanced

    if is_advanced(path):  # whole scripts, not calls: their compat truth is the CSV's own column
        return []
    return [
        Subject(
            source="coconut",
            program_id=f"coconut/{row.humaneval_id}",
            code=row.code,
            entry=row.entry,
            args=row.args,
            input_idx=row.row,
            id_prefix=f"coconut/{row.row}",
            kinds=("path",),
            extra=(("row", row.row), ("problem", row.humaneval_id)),
        )
        for row in load_coconut(path)
    ]


def subjects_for(
    spec: SourceSpec, kinds: tuple[str, ...] | None, *, pool: Any = None
) -> tuple[list[Subject], list[Problem], dict[str, int]]:
    """Subjects to trace, problems for codegen tasks, and counts of what was left out (and why).

    A folder with a pytest suite and no ``# execbench:`` directives is a project: its suite
    runs in the sandbox (over ``pool`` when given) to find the calls.
    """
    name = spec.name
    if name == "user" and Path(spec.paths[0]).is_dir():
        from execbench.datasets.pytest_project import has_pytest_suite

        if has_pytest_suite(Path(spec.paths[0])):
            name = "project"
    chosen = kinds or DEFAULT_SOURCE_KINDS[name]
    path = spec.paths[0] if spec.paths else None
    notes: dict[str, int] = {}
    problems: list[Problem] = []
    if spec.name == "builtin":
        subjects = _builtin(chosen)
    elif name == "project":
        subjects, notes = _project(spec.paths[0], chosen, pool)
    elif spec.name == "user":
        subjects = _user(spec.paths[0], chosen)
    elif spec.name == "cruxeval":
        subjects = _cruxeval(path, chosen)
    elif spec.name in ("humaneval", "mbpp"):
        from execbench.datasets.humaneval import load_humaneval
        from execbench.datasets.mbpp import load_mbpp

        loaded = load_humaneval(path) if spec.name == "humaneval" else load_mbpp(path)
        subjects = _problems(spec.name, loaded, chosen)
        if "codegen" in chosen:
            problems = list(loaded.values())
    elif spec.name == "ldb":
        subjects = _ldb(spec.paths[0], chosen)
    elif spec.name == "reval":
        subjects, skipped = _reval(spec.paths[0], spec.paths[1], chosen)
        if skipped:
            notes["reval questions skipped"] = skipped
    elif spec.name == "coconut":
        subjects = _coconut(spec.paths[0])
        from execbench.datasets.coconut import is_advanced, load_coconut_advanced

        if is_advanced(spec.paths[0]):
            rows = len(load_coconut_advanced(spec.paths[0]))
            notes["Advanced rows not traced in strict mode (whole scripts; --mode coconut builds them)"] = (
                rows
            )
    else:  # pragma: no cover - parse_source only makes the names above
        raise UserError(f"unknown source {spec.name!r}")
    subjects = [s for s in subjects if any(k != "codegen" for k in s.kinds)]
    return subjects, problems, notes

"""The acceptance reference tracer and the dataset calls it is compared on.

The reference is deliberately the plainest possible ``sys.settrace`` tracer: run the
module untraced, evaluate the arguments, then record ``frame.f_lineno`` on every ``line``
event of frames whose code comes from the traced source. It stops after ``cap`` line
events (by raising, like the tracer under test) so a looping program cannot hang the test.
"""

from __future__ import annotations

import ast
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from execbench.trace.snapshot import Encoder

REF_FILE = "<reference-trace>"
CAP = 5_000


class _Stop(BaseException):
    pass


def _prepare(code: str, call: str) -> tuple[dict[str, Any], tuple[Any, ...], dict[str, Any]] | None:
    ns: dict[str, Any] = {"__name__": "__reference__"}
    try:
        exec(compile(code, REF_FILE, "exec"), ns)
        args, kwargs = eval(f"__c({call}\n)", ns, {"__c": lambda *a, **k: (a, k)})
    except BaseException:
        return None
    return ns, args, kwargs


def _traced(
    local: Any, ns: dict[str, Any], entry: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, bool]:
    """(result-or-exception, ok) of ``ns[entry](...)`` with ``local`` as the trace function
    of every frame of the traced source (the plainest settrace tracer), stdout discarded."""

    def glob(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == REF_FILE else None

    saved = sys.stdout
    sys.stdout = open("/dev/null", "w")  # noqa: SIM115
    sys.settrace(glob)
    try:
        return ns[entry](*args, **kwargs), True
    except BaseException as exc:
        return exc, False
    finally:
        sys.settrace(None)
        sys.stdout.close()
        sys.stdout = saved


def reference_lines(code: str, entry: str, call: str, cap: int = CAP) -> tuple[list[int], Any, bool]:
    """(lines, result-or-exception, ok) of ``entry(<call>)``."""
    prepared = _prepare(code, call)
    if prepared is None:
        return [], None, False
    ns, args, kwargs = prepared
    lines: list[int] = []

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            if len(lines) >= cap:
                raise _Stop
            lines.append(frame.f_lineno)
        return local

    result, ok = _traced(local, ns, entry, args, kwargs)
    return lines, result, ok


def reference_full_states(code: str, entry: str, call: str, cap: int = 2000) -> list[dict[str, Any]]:
    """At every line event: a full snapshot of the frame's locals (ids stripped)."""
    prepared = _prepare(code, call)
    if prepared is None:
        return []
    ns, args, kwargs = prepared
    states: list[dict[str, Any]] = []
    enc = Encoder()

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            if len(states) >= cap:
                raise _Stop
            module_like = not frame.f_code.co_flags & 0x2
            states.append(
                {
                    k: strip_ids(enc.encode(v))
                    for k, v in frame.f_locals.items()
                    if not k.startswith(".") and not (module_like and k.startswith("__"))
                }
            )
        return local

    _traced(local, ns, entry, args, kwargs)
    return states


def strip_ids(snap: Any) -> Any:
    if isinstance(snap, dict):
        return {k: strip_ids(v) for k, v in snap.items() if k != "id"}
    if isinstance(snap, list):
        return [strip_ids(v) for v in snap]
    return snap


# -- dataset calls -------------------------------------------------------------------------


def calls_in_tests(test_code: str, names: tuple[str, ...]) -> list[str]:
    """Argument texts of the calls to any of ``names`` in the test code, whose arguments
    are self-contained (no variables), in order, without duplicates."""
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            if any(
                isinstance(n, (ast.Name, ast.Lambda))
                for a in [*node.args, *node.keywords]
                for n in ast.walk(a)
            ):
                continue
            parts = [ast.unparse(a) for a in node.args]
            parts += [
                f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}"
                for k in node.keywords
            ]
            text = ", ".join(parts)
            if text not in out:
                out.append(text)
    return out


def cruxeval(data: Path) -> Iterator[tuple[str, str, str, str, str]]:
    """(id, code, entry, call, output)"""
    with open(data / "cruxeval" / "cruxeval.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            yield row["id"], row["code"], "f", row["input"], row["output"]


def humaneval(data: Path) -> Iterator[tuple[str, str, str, str]]:
    """(id, canonical program, entry, call) for each test input."""
    with gzip.open(data / "humaneval" / "HumanEval.jsonl.gz", "rt") as fh:
        for line in fh:
            row = json.loads(line)
            code = row["prompt"] + row["canonical_solution"]
            for call in calls_in_tests(row["test"], ("candidate",)):
                yield row["task_id"], code, row["entry_point"], call


def humaneval_inputs(data: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for task_id, _code, _entry, call in humaneval(data):
        out.setdefault(task_id, []).append(call)
    return out


def ldb_seeds(data: Path) -> Iterator[tuple[str, str, str, str]]:
    """(id, solution, entry, call) for the LDB HumanEval and MBPP seed programs."""
    inputs = humaneval_inputs(data)
    for seed in sorted((data / "ldb" / "humaneval" / "seed").glob("*/seed.jsonl")):
        with open(seed) as fh:
            for line in fh:
                row = json.loads(line)
                for call in inputs.get(row["task_id"], []):
                    yield f"{seed.parent.name}/{row['task_id']}", row["solution"], row["entry_point"], call
    probs: dict[str, list[str]] = {}
    with open(data / "ldb" / "mbpp" / "probs.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            probs[row["task_id"]] = calls_in_tests(row["test"], (row["entry_point"], "candidate"))
    for seed in sorted((data / "ldb" / "mbpp" / "seed").glob("*/seed.jsonl")):
        with open(seed) as fh:
            for line in fh:
                row = json.loads(line)
                for call in probs.get(row["task_id"], []):
                    yield (
                        f"mbpp/{seed.parent.name}/{row['task_id']}",
                        row["solution"],
                        row["entry_point"],
                        call,
                    )

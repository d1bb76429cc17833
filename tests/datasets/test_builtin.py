"""The built-in suite: structural invariants, and every call executed twice under different hash seeds."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from execbench.datasets.builtin import CONSTRUCTS, builtin_programs, check_builtin
from execbench.datasets.pyfiles import Program

# Runs in a child interpreter: each call gets a fresh module namespace (as the sandbox does),
# a 2-second alarm, and reports repr(result) or the exception's type name.
_RUNNER = r"""
import json, signal, sys, time

def _alarm(*_):
    raise TimeoutError("call took too long")

signal.signal(signal.SIGALRM, _alarm)
out = []
for program in json.load(sys.stdin):
    for index, args in enumerate(program["inputs"]):
        namespace = {"__name__": "__execbench__"}
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, 2.0)
        try:
            exec(compile(program["code"], program["id"], "exec"), namespace)
            value = eval(f"{program['entry']}({args})", namespace)
            row = {"status": "ok", "repr": repr(value)}
        except TimeoutError:
            row = {"status": "timeout"}
        except BaseException as exc:
            row = {"status": "raised", "type": type(exc).__name__}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        row.update(id=program["id"], index=index, seconds=time.perf_counter() - start)
        out.append(row)
json.dump(out, sys.stdout)
"""


@pytest.fixture(scope="module")
def programs() -> list[Program]:
    return builtin_programs()


def _run_all(programs: list[Program], seeds: tuple[str, ...]) -> list[list[dict[str, Any]]]:
    payload = json.dumps(
        [{"id": p.program_id, "code": p.code, "entry": p.entry, "inputs": p.inputs} for p in programs]
    )
    procs = []
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-I", "-c", _RUNNER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(payload, timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.fixture(scope="module")
def runs(programs: list[Program]) -> list[list[dict[str, Any]]]:
    return _run_all(programs, ("0", "4242"))


def test_check_builtin_is_clean(programs: list[Program]) -> None:
    assert check_builtin(programs) == []


def test_size_and_labels(programs: list[Program]) -> None:
    assert len(programs) >= 150
    primary = Counter(p.constructs[0] for p in programs)
    assert set(primary) == set(CONSTRUCTS)
    assert all(n >= 15 for n in primary.values()), primary
    assert all(p.source == "builtin" and p.program_id.startswith("builtin/") for p in programs)
    assert sum(len(p.raising) for p in programs) >= 15  # enough calls for the exception kind


def test_check_builtin_reports_problems(programs: list[Program]) -> None:
    problems = check_builtin(programs[:3] + programs[:1])
    assert "duplicate program ids" in problems
    assert any("want at least 150" in p for p in problems)
    assert any(p.startswith("construct numeric:") for p in problems)


def test_programs_are_valid_python_with_entry(programs: list[Program]) -> None:
    for program in programs:
        tree = ast.parse(program.code)
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert program.entry in names, program.program_id
        assert "execbench:" not in program.code, program.program_id
        for node in ast.walk(tree):  # no I/O, randomness or clocks in the suite
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                assert set(modules) <= {
                    "copy",
                    "itertools",
                    "functools",
                    "math",
                    "inspect",
                    "operator",
                    "decimal",
                }, program.program_id
            if isinstance(node, ast.Name):
                assert node.id not in {"print", "open", "input", "hash", "id"}, program.program_id


def test_every_call_terminates_and_is_deterministic(runs: list[list[dict[str, Any]]]) -> None:
    first, second = runs
    assert len(first) == len(second) > 450
    for a, b in zip(first, second, strict=True):
        assert a["status"] != "timeout", a
        assert (a["id"], a["index"], a["status"], a.get("repr"), a.get("type")) == (
            b["id"],
            b["index"],
            b["status"],
            b.get("repr"),
            b.get("type"),
        ), f"{a['id']} input {a['index']} differs between hash seeds"


def test_results_are_literals_and_raising_marks_match(
    programs: list[Program], runs: list[list[dict[str, Any]]]
) -> None:
    by_id = {p.program_id: p for p in programs}
    for row in runs[0]:
        program = by_id[row["id"]]
        expected_raise = row["index"] in program.raising
        assert (row["status"] == "raised") == expected_raise, (row, program.inputs[row["index"]])
        if row["status"] == "ok":
            value = ast.literal_eval(row["repr"])
            assert repr(value) == row["repr"], row


# Hand-checked answers (reasoned out, not copied from a run): the tricky ones.
HAND_CHECKED = {
    ("builtin/closures/late_binding", 0): "([20, 20, 20], [0, 10, 20])",
    ("builtin/exceptions/finally_overrides", 2): "'finally'",
    ("builtin/exceptions/return_in_loop_finally", 0): "[0, 0, 1, -1]",
    ("builtin/numeric/floor_div_negative", 1): "(-4, 1, -3, (-4, 1), -3, True)",
    ("builtin/aliasing/mutable_default", 0): "([[0, 1, 2], [0, 1, 2], [0, 1, 2]], ['x'], 3)",
    ("builtin/aliasing/list_multiply", 0): "[[1, 2, 3], [1, 2], [1, 2]]",
    ("builtin/aliasing/modify_while_iterating", 0): "[1, 3, 2]",
    ("builtin/oop/mro_super", 0): "(['D', 'B', 'C', 'A'], ['D', 'B', 'C', 'A', 'object'])",
    ("builtin/semantics/bool_keys", 0): "({1: 2, 'one': 3}, 2)",
    ("builtin/numeric/bankers_round", 0): "([0, 2, 2, 0], [0.5, 1.5, 2.5, -0.5], [0, 1, 2, 0])",
    ("builtin/generators/exhausted_twice", 0): "(14, [], 3)",
    ("builtin/generators/tee_like", 0): "([1, 2], [(3, 4)])",
    ("builtin/comprehensions/grid_comp", 0): "([[1, 0, 0], [0, 0, 0]], [[1, 0, 0], [1, 0, 0]])",
    ("builtin/recursion/power_set", 2): "[[], [3], [2], [2, 3], [1], [1, 3], [1, 2], [1, 2, 3]]",
    ("builtin/call_chains/short_circuit_calls", 0): "('z', 0, ['a', 'c', 'd', 'e'])",
}
HAND_RAISED = {
    ("builtin/closures/unbound_local", 1): "UnboundLocalError",
    ("builtin/aliasing/dict_iter_copy", 2): "RuntimeError",
    ("builtin/numeric/decimal_money", 2): "AttributeError",
}


def test_hand_checked_outputs(runs: list[list[dict[str, Any]]]) -> None:
    rows = {(r["id"], r["index"]): r for r in runs[0]}
    for key, expected in HAND_CHECKED.items():
        assert rows[key]["status"] == "ok" and rows[key]["repr"] == expected, key
    for key, name in HAND_RAISED.items():
        assert rows[key]["status"] == "raised" and rows[key]["type"] == name, key

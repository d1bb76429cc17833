"""Acceptance on REval's own files (``../shared/data/reval``): ground truth item for item, and scoring.

The ground truth of ``build reval:...`` (REval mode) is compared with a small settrace
re-implementation of REval's ``dynamics.py`` written for the tests (``reval_reference.py``,
run in a subprocess): every coverage, next-line and state item of the 154 programs. Calls
whose programs import a module the sandbox lacks (numpy, gensim) are dropped and reported by
exception type; both sides must agree on which.

Scoring runs ``execbench score tasks --out`` on predictions written so that the right answer
of each item is known by construction, and checks REval's five figures against counts made
here (Consistency with REval's weights over the verdicts written to ``--out``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main
from execbench.tasks import build, write_tasks
from execbench.tasks.types import Task

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reval"
pytestmark = pytest.mark.skipif(not (DATA / "DREval_data.jsonl").is_file(), reason="REval files absent")
SOURCE = f"reval:{DATA / 'DREval_data.jsonl'},{DATA / 'DREval_tasks.jsonl'}"


@pytest.fixture(scope="module")
def dreval(pool: Any) -> tuple[Any, dict[str, Any]]:
    report = build(SOURCE, pool=pool)
    reference = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("reval_reference.py")), *SOURCE[6:].split(",")],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return report, json.loads(reference.stdout)


def test_ground_truth_equals_reference_item_for_item(dreval: tuple[Any, dict[str, Any]]) -> None:
    report, reference = dreval
    failed = {k for k, v in reference.items() if "error" in v}
    items = [t for t in report.tasks if t.kind != "output"]
    built_calls = {f"{t.meta['program_id'].split('/')[1]}/{t.meta['input_idx']}" for t in items}
    assert not built_calls & failed
    expected_items = sum(1 for k, v in reference.items() if "error" not in v and k.count("/") >= 3)
    assert len(items) == 3 * expected_items
    mismatches = []
    for task in items:
        m = task.meta
        key = f"{m['program_id'].split('/')[1]}/{m['input_idx']}/{m['line']}/{m['var']}"
        if reference[key][task.kind] != task.answer:
            mismatches.append((task.task_id, task.answer, reference[key][task.kind]))
    assert mismatches == []
    assert Counter(t.kind for t in report.tasks)["coverage"] == expected_items
    # every call not built is reported with its reason, and so is every item it held
    assert sum(n for k, n in report.dropped.items() if k.startswith("calls not traced")) == len(failed)
    if len(failed):
        assert all(reason.startswith("ModuleNotFoundError") for reason in report.failures)
        assert sum(report.failures.values()) == len(failed)


def _state_answer(truth: list[list[str]] | None, k: int) -> tuple[str, bool]:
    """An answer to a state item and whether REval must find it right (known by construction)."""
    if truth is None:
        return "Nil", True
    text, kind = truth[0]
    safe = kind in ("int", "str", "bool", "list", "dict", "tuple", "set", "float")
    try:
        value = ast.literal_eval(text) if kind != "set" or text != "set()" else set()
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        safe = False
    else:
        safe = safe and type(value).__name__ == kind and "..." not in text
    if not safe:
        return "Nil", False
    if k % 3 == 0:
        return f"{text}; bytes", False
    return f"{text}; {kind}", True


def _predictions(tasks: list[Task]) -> tuple[list[dict[str, Any]], dict[str, bool | None]]:
    rows, expected = [], {}
    data = [json.loads(x) for x in (DATA / "DREval_data.jsonl").open(encoding="utf-8")]
    for k, task in enumerate(tasks):
        m = task.meta
        if task.kind == "coverage":
            said = bool(task.answer) != (k % 7 == 0)
            text, ok = ("YES" if said else "NO"), k % 7 != 0
        elif task.kind == "next-line":
            first = task.answer[0]
            code_line = m["program"].split("\n")[first - 1].strip() if first != -1 else "-1"
            text, ok = ("no such line", False) if k % 5 == 0 else (code_line, True)
        elif task.kind == "state":
            text, ok = _state_answer(task.answer, k)
        else:
            row = data[int(m["program_id"].split("/")[1])]
            if k % 4 == 0:
                text, ok = "assert True", False
            elif row["test"]:
                text, ok = row["inputs"][m["input_idx"]], None
            else:
                text, ok = m["question"].replace("??", row["outputs"][m["input_idx"]]), None
        rows.append({"task_id": task.task_id, "prediction": f"[ANSWER]\n{text}\n[/ANSWER]"})
        expected[task.task_id] = ok
    return rows, expected


def _consistency(verdicts: dict[str, bool]) -> float:
    """REval's Consistency: items weighted 1 / 0.5 / 0.25 / 0.125, over every (line, var) item."""
    total, score = 0, 0.0
    for task_id, s in verdicts.items():
        if not task_id.endswith("/state"):
            continue
        stem = task_id[: -len("/state")]
        c, p = verdicts[stem + "/coverage"], verdicts[stem + "/next-line"]
        o = verdicts["/".join(task_id.split("/")[:3]) + "/output"]
        total += 1
        score += {
            (True, True, True, True): 1.0,
            (True, True, True, False): 0.5,
            (True, True, False, False): 0.25,
            (True, False, False, False): 0.125,
        }.get((c, s, p, o), 0.0)
    return 100 * score / total


def test_score_tasks_reproduces_reval_figures(
    dreval: tuple[Any, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, _ = dreval
    tasks_file, preds_file, out = tmp_path / "t.jsonl", tmp_path / "p.jsonl", tmp_path / "v.jsonl"
    write_tasks(report.tasks, str(tasks_file))
    rows, expected = _predictions(report.tasks)
    preds_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = main(
        ["score", "tasks", "--tasks", str(tasks_file), "--predictions", str(preds_file), "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    verdicts = [json.loads(x) for x in out.read_text().splitlines()]
    assert [v["task_id"] for v in verdicts] == [r["task_id"] for r in rows]
    got = {v["task_id"]: v["correct"] for v in verdicts}
    for task_id, ok in expected.items():
        if ok is not None:
            assert got[task_id] == ok, task_id
    real = [t for t, ok in expected.items() if ok is None]
    assert sum(got[t] for t in real) >= 0.95 * len(real)  # REval's own outputs complete its tests
    by_kind: dict[str, list[bool]] = {}
    kinds = {t.task_id: t.kind for t in report.tasks}
    for task_id, ok in got.items():
        by_kind.setdefault(kinds[task_id], []).append(ok)
    figures = {
        "coverage": sum(by_kind["coverage"]) / len(by_kind["coverage"]),
        "path": sum(by_kind["next-line"]) / len(by_kind["next-line"]),
        "state": sum(by_kind["state"]) / len(by_kind["state"]),
        "output": sum(by_kind["output"]) / len(by_kind["output"]),
        "consistency": _consistency(got),
    }
    shown = ", ".join(f"{k} {v!r}" for k, v in figures.items())
    assert f"REval figures (as REval computes them): {shown}" in printed
    assert "strict vs compat:" in printed

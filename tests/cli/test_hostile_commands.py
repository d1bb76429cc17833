"""Hostile samples through every command that executes programs.

Each attack of a representative subset of the hostile corpus (forks by every route, threads
and descriptors on the report channel, exit tricks, huge texts, forged frames, execbench's
modules patched in the judged process, writes outside the sandbox) is wrapped into a wrong
answer and scored next to honest ones, by ``score humaneval``, ``score mbpp``, ``score
cruxeval`` (input and output), ``score tasks``, ``eval --model replay:``, ``trace --batch``
and ``build PATH``. Every command exits 0 without a traceback, no hostile sample passes,
the honest batch mates keep their verdicts, and the canary outside the sandbox is intact.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hostile import ALL, HOST_TMP_CANARY, Hostile, as_wrong_answer

from execbench.cli import main

SUBSET = (
    "fork_posix_forged_reports",
    "fork_ctypes_libc",
    "fork_raw_syscall",
    "fork_multiprocessing",
    "fork_subprocess_inherits_fd3",
    "fork_child_reports_parent_exits",
    "thread_forged_frames",
    "close_report_fd",
    "dup2_stdout_onto_report_fd",
    "systemexit_hostile_code",
    "killpg_self",
    "huge_exception_str",
    "forge_frame_then_exit",
    "patch_send_report",
    "patch_trace_records",
    "patch_facts_payload",
    "patch_probe_deep_payload",
    "sys_modules_wiped",
    "os_exit_0",
    "delete_via_posix",
    "write_host_tmp",
)
ATTACKS: list[Hostile] = [h for h in ALL if h.name in SUBSET]
HONEST = 3

PROMPT = 'def add(a, b):\n    """Add two numbers."""\n'
HE_TEST = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 5) == 7\n"
CRUX_CODE = "def f(x):\n    return x + 1"


def _body(text: str) -> str:
    return textwrap.indent(text, "    ")


def _attack_expr(h: Hostile) -> str:
    """A CRUXEval-style prediction: runs the attack, then evaluates to a wrong value."""
    return f"(exec(compile({h.code!r}, '<attack>', 'exec'), {{'__name__': '__main__'}}), 99)[1]"


@pytest.fixture
def canary() -> object:
    Path(HOST_TMP_CANARY).write_text("canary")
    yield None
    try:
        assert Path(HOST_TMP_CANARY).read_text() == "canary"
    finally:
        Path(HOST_TMP_CANARY).unlink(missing_ok=True)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert Path(HOST_TMP_CANARY).read_text() == "canary"
    return captured.out


def test_corpus_subset_exists() -> None:
    assert len(ATTACKS) == len(SUBSET)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("benchmark", ["humaneval", "mbpp"])
def test_score_humaneval_and_mbpp(
    benchmark: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], canary: object
) -> None:
    test = HE_TEST if benchmark == "humaneval" else "assert add(1, 2) == 3\nassert add(2, 5) == 7\n"
    problem = {"task_id": "T/0", "prompt": PROMPT, "entry_point": "add", "test": test}
    (tmp_path / "problems.jsonl").write_text(json.dumps(problem) + "\n")
    samples = [{"task_id": "T/0", "completion": "    return a + b\n"} for _ in range(HONEST)]
    samples.append({"task_id": "T/0", "completion": "    return a - b\n"})
    samples += [{"task_id": "T/0", "completion": _body(as_wrong_answer(h))} for h in ATTACKS]
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    out = tmp_path / "results.jsonl"
    _run(
        capsys,
        "score",
        benchmark,
        "--samples",
        str(path),
        "--problems",
        str(tmp_path / "problems.jsonl"),
        "--out",
        str(out),
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["passed"] for r in rows[:HONEST]] == [True] * HONEST
    bad = [
        (h.name, r["result"][:200]) for h, r in zip(ATTACKS, rows[HONEST + 1 :], strict=True) if r["passed"]
    ]
    assert not rows[HONEST]["passed"] and not bad


def _crux_files(tmp_path: Path, mode: str) -> tuple[Path, Path, list[str]]:
    """One CRUXEval sample per answer (distinct inputs: tasks are not merged)."""
    ids = [f"sample_{i}" for i in range(HONEST + len(ATTACKS))]
    data = tmp_path / "crux.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": key, "code": CRUX_CODE, "input": str(i), "output": str(i + 1)}) + "\n"
            for i, key in enumerate(ids)
        )
    )
    # output predictions are values, input predictions whole calls
    wrap = "{}" if mode == "output" else "f({})"
    gens = {ids[i]: [wrap.format(i + 1 if mode == "output" else i)] for i in range(HONEST)}
    gens.update({ids[HONEST + i]: [wrap.format(_attack_expr(h))] for i, h in enumerate(ATTACKS)})
    path = tmp_path / f"gens_{mode}.json"
    path.write_text(json.dumps(gens))
    return data, path, ids


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", ["output", "input"])
def test_score_cruxeval(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], canary: object
) -> None:
    data, gens, ids = _crux_files(tmp_path, mode)
    out = tmp_path / "scored.json"
    _run(
        capsys,
        "score",
        "cruxeval",
        "--mode",
        mode,
        "--generations",
        str(gens),
        "--data",
        str(data),
        "--out",
        str(out),
    )
    scored = json.loads(out.read_text())["raw_scored_generations"]
    assert [scored[i] for i in ids[:HONEST]] == [[True]] * HONEST
    bad = [h.name for h, i in zip(ATTACKS, ids[HONEST:], strict=True) if scored[i] != [False]]
    assert not bad


@pytest.mark.timeout(600)
def test_eval_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str], canary: object) -> None:
    data, gens, ids = _crux_files(tmp_path, "output")
    out = _run(
        capsys,
        "eval",
        "--suite",
        f"cruxeval-o:{data}",
        "--model",
        f"replay:{gens}",
        "--n",
        "1",
        "--store",
        str(tmp_path / "runs.sqlite"),
        "--quiet",
        "--json",
    )
    value = json.loads(out)["metrics"]["output"]["pass@1"]["value"]
    assert value == pytest.approx(100 * HONEST / len(ids))


def _program_file(h: Hostile | None) -> str:
    body = "return x + 1\n" if h is None else as_wrong_answer(h, "x")
    return "# execbench: entry=f\n# execbench: input=1\ndef f(x):\n" + _body(body)


@pytest.mark.timeout(600)
def test_build_path_and_score_tasks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], canary: object
) -> None:
    folder = tmp_path / "progs"
    folder.mkdir()
    (folder / "honest.py").write_text(_program_file(None))
    for h in ATTACKS:
        (folder / f"hostile_{h.name}.py").write_text(_program_file(h))
    tasks = tmp_path / "tasks.jsonl"
    _run(capsys, "build", str(folder), "--kinds", "output", "--out", str(tasks))
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    honest = [r for r in rows if "honest" in r["task_id"]]
    assert len(honest) == 1 and honest[0]["answer"] == "2"
    # the patched probes never become tasks built from forged facts
    for name in ("patch_facts_payload", "patch_probe_deep_payload"):
        assert not [r for r in rows if name in r["task_id"] and r.get("answer") not in (None, "")], name
    # answers that attack the verifier: never correct; the honest answer keeps its verdict
    task_id = honest[0]["task_id"]
    predictions = [{"task_id": task_id, "prediction": "2", "sample": 0}]
    predictions += [
        {"task_id": task_id, "prediction": _attack_expr(h), "sample": i + 1} for i, h in enumerate(ATTACKS)
    ]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps(p) + "\n" for p in predictions))
    out = _run(capsys, "score", "tasks", "--tasks", str(tasks), "--predictions", str(preds), "--json")
    summary = json.loads(out)
    assert summary["output"]["accuracy"] == pytest.approx(100 / len(predictions), abs=1e-3)


@pytest.mark.timeout(600)
def test_trace_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str], canary: object) -> None:
    calls = [
        {"code": _program_file(None), "entry": "f", "call": "1", "id": f"honest{i}"} for i in range(HONEST)
    ]
    calls += [{"code": _program_file(h), "entry": "f", "call": "1", "id": h.name} for h in ATTACKS]
    batch = tmp_path / "calls.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in calls))
    out = tmp_path / "traces.jsonl"
    _run(capsys, "trace", "--batch", str(batch), "--out", str(out))
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert len(rows) == len(calls)
    for i in range(HONEST):
        assert rows[f"honest{i}"]["status"] == "ok" and rows[f"honest{i}"]["return"] == "2"
    for h in ATTACKS:
        assert rows[h.name]["return"] != "1", h.name  # the wrong answer never comes back as a clean return
    for name in ("patch_trace_records", "patch_probe_deep_payload"):
        assert rows[name]["status"] not in ("ok", "error"), rows[name]

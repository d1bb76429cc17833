"""The whole hostile corpus through every command that executes programs (issue 9 acceptance).

Every program of ``tests/hostile.py`` -- the sandbox corpus, the CRUXEval-style predictions,
the report-channel attacks and the forgers (forks by every route, threads and descriptors,
nonce hunting through frames and ``gc``, rebound harness and execbench globals,
``sys.modules`` patching, always-equal / always-true objects, ``builtins`` and
``AssertionError`` patching, exit tricks, huge exception texts, forged payloads), plus two
attacks on this test's own canaries -- is wrapped into a wrong answer in each command's input
format and run by the real CLI (``python -m execbench`` in a subprocess) next to honest batch
mates and one plainly wrong mate:

==========================  ===============================================================
``score humaneval``/``mbpp``  a completion of ``add(a, b)``; compat and ``--strict``
``score cruxeval``            an output prediction, and an input prediction ``f(...)``;
                              compat and ``--strict``
``score tasks``               input and output predictions for tasks built from an honest file
``eval --model replay:``      a human-eval sample of its own codegen task (strict judging)
``trace --batch``             a call of a program file whose ``f`` is the attack
``build PATH``                the same program files in one folder
==========================  ===============================================================

One batch per command. Every command exits 0 without a traceback; no hostile sample passes
in strict judging; compat judging passes exactly the samples upstream itself passes
(:data:`UPSTREAM_PASSES`, each with its reason); the honest mates pass and the wrong mate
fails; the canaries outside the sandbox (a file in the host's /tmp, a directory and a HOME
in this test's tmp) are unchanged and no escape file appears.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hostile import (
    ALL,
    CATEGORIES,
    FORGER_GENERATIONS,
    FORGERS,
    HOST_TMP_CANARY,
    REPO_CANARY_DIR,
    as_wrong_answer,
)

pytestmark = pytest.mark.timeout(900)

PROMPT = 'def add(a, b):\n    """Add two numbers."""\n'
HE_TEST = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 5) == 7\n"
MBPP_TEST = "assert add(1, 2) == 3\nassert add(2, 5) == 7\n"
HONEST_BODY = "    return a + b\n"
WRONG_BODY = "    return a - b\n"
#: What every wrapped corpus program returns after its attack: never a right answer here.
WRONG_RESULT = "a * 1000 + b"
CRUX_CODE = "def f(x):\n    return x + 1"
#: Seconds per program where a command takes it, and sandbox workers: a dozen programs of the
#: corpus run until they are stopped, and most of a batch's time is spent waiting for them.
TIMEOUT = "0.5"
WORKERS = ("--workers", "3")
#: Escape paths the corpus writes to (``write_world_writable_dirs``, ``chdir_root_and_write``).
ESCAPES = ("/var/tmp/execbench-escape.txt", "/dev/shm/execbench-escape.txt", "/run/lock/execbench-escape.txt",
           "/pwned.txt")  # fmt: skip


@dataclass(frozen=True)
class Attack:
    name: str
    category: str
    body: str
    """Statements of a function body (parameters ``a, b``, indented) that attack, then
    return a wrong answer."""
    expr: str
    """An expression that runs the attack and evaluates to its wrong answer."""


def _expr(body: str) -> str:
    source = "def _attack(a, b=1):\n" + body
    return (
        f"(lambda ns: (exec(compile({source!r}, '<attack>', 'exec'), ns), ns['_attack'](1, 98))[1])"
        "({'__name__': '__main__'})"
    )


def _attacks(canary_dir: Path, home: Path) -> list[Attack]:
    out: list[Attack] = []
    for h in ALL:
        code = h.code.replace(REPO_CANARY_DIR, str(canary_dir))
        body = textwrap.indent(as_wrong_answer(dataclasses.replace(h, code=code), WRONG_RESULT), "    ")
        out.append(Attack(h.name, h.category, body, _expr(body)))
    for f in FORGERS:
        out.append(Attack(f"forger_{f.name}", f.klass, f.completion, _expr(f.completion)))
    own = {
        "write_home_canary": f"open({str(home / 'canary.txt')!r}, 'w').write('pwned')\n",
        "delete_test_canary_dir": f"import shutil\nshutil.rmtree({str(canary_dir)!r})\n",
    }
    for name, code in own.items():
        body = textwrap.indent(f"exec({code!r}, {{}})\nreturn {WRONG_RESULT}\n", "    ")
        out.append(Attack(name, "walls", body, _expr(body)))
    return out


#: Hostile samples upstream itself passes, per command (compat reproduces upstream exactly):
#: objects whose ``__eq__`` answers True (or a truthy object) for anything. openai/human-eval
#: and CRUXEval compare with the program's own objects in the program's process, so
#: ``candidate(1, 2) == 3`` and ``assert f(1) == <object>`` take the object's word for it
#: (``int.__eq__`` returns NotImplemented, the reflected ``__eq__`` answers). In CRUXEval's
#: input mode the wrapped forgers' objects go through ``x + 1`` first and fail; only the
#: generation that also defines ``__add__`` passes there. Strict judging passes none.
_ALWAYS_EQUAL = {f"forger_{f.name}" for f in FORGERS if f.upstream}
UPSTREAM_PASSES: dict[str, set[str]] = {
    "humaneval": _ALWAYS_EQUAL,
    "mbpp": _ALWAYS_EQUAL,
    "cruxeval-output": _ALWAYS_EQUAL | {f"gen_{g[0]}" for g in FORGER_GENERATIONS if g[4]},
    "cruxeval-input": {f"gen_{g[0]}" for g in FORGER_GENERATIONS if g[4]},
}


@dataclass(frozen=True)
class World:
    root: Path
    home: Path
    canary_dir: Path
    attacks: list[Attack]
    env: dict[str, str]

    def untouched(self) -> None:
        """Nothing outside the sandbox changed."""
        assert Path(HOST_TMP_CANARY).read_text() == "canary"
        assert sorted(p.name for p in self.canary_dir.iterdir()) == ["keep.txt"]
        assert (self.canary_dir / "keep.txt").read_text() == "canary"
        assert sorted(p.name for p in self.home.iterdir()) == ["canary.txt"]
        assert (self.home / "canary.txt").read_text() == "canary"
        assert not [p for p in ESCAPES if Path(p).exists() and p not in self.preexisting]

    @property
    def preexisting(self) -> set[str]:
        return set(json.loads(self.env["_S9_PREEXISTING"]))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("matrix")
    home, canary_dir = root / "home", root / "canary-dir"
    home.mkdir()
    canary_dir.mkdir()
    (home / "canary.txt").write_text("canary")
    (canary_dir / "keep.txt").write_text("canary")
    Path(HOST_TMP_CANARY).write_text("canary")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECBENCH_STORE")}
    env.update(HOME=str(home), _S9_PREEXISTING=json.dumps([p for p in ESCAPES if Path(p).exists()]))
    try:
        yield World(root, home, canary_dir, _attacks(canary_dir, home), env)
    finally:
        Path(HOST_TMP_CANARY).unlink(missing_ok=True)


def _cli(world: World, *argv: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "execbench", *argv],
        capture_output=True,
        text=True,
        env=world.env,
        cwd=world.root,
        timeout=800,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]
    world.untouched()
    return proc.stdout


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_corpus_covers_every_class(world: World) -> None:
    assert len(world.attacks) >= 60
    assert len({a.name for a in world.attacks}) == len(world.attacks)
    classes = {a.category for a in world.attacks}
    assert set(CATEGORIES) <= classes
    for klass in ("fork", "threads", "descriptors", "exit", "huge_text", "forgery", "patching", "nonce-frames",
                  "nonce-gc", "rebind-harness", "rebind-execbench", "sys-modules", "always-equal",
                  "always-true", "builtins", "assertion-error", "forged-payload"):  # fmt: skip
        assert klass in classes, klass


# -- score humaneval / mbpp ------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["compat", "strict"])
@pytest.mark.parametrize("benchmark", ["humaneval", "mbpp"])
def test_score_humaneval_and_mbpp(world: World, benchmark: str, strict: bool) -> None:
    folder = world.root / f"{benchmark}-{strict}"
    folder.mkdir()
    test = HE_TEST if benchmark == "humaneval" else MBPP_TEST
    problem = {"task_id": "T/0", "prompt": PROMPT, "entry_point": "add", "test": test}
    (folder / "problems.jsonl").write_text(json.dumps(problem) + "\n")
    names = ["honest", "honest", "wrong", *(a.name for a in world.attacks)]
    bodies = [HONEST_BODY, HONEST_BODY, WRONG_BODY, *(a.body for a in world.attacks)]
    samples = folder / "samples.jsonl"
    samples.write_text("".join(json.dumps({"task_id": "T/0", "completion": b}) + "\n" for b in bodies))
    out = folder / "results.jsonl"
    _cli(world, "score", benchmark, "--samples", str(samples), "--problems", str(folder / "problems.jsonl"),
         "--out", str(out), "--timeout", TIMEOUT, *WORKERS, *(["--strict"] if strict else []))  # fmt: skip
    rows = _jsonl(out)
    assert len(rows) == len(names)
    assert [r["passed"] for r in rows[:3]] == [True, True, False]
    passed = {n for n, r in zip(names[3:], rows[3:], strict=True) if r["passed"]}
    assert passed == (set() if strict else UPSTREAM_PASSES[benchmark])


# -- score cruxeval ---------------------------------------------------------------------------


def _crux_batch(world: World, mode: str, folder: Path) -> tuple[Path, Path, list[str]]:
    """One CRUXEval sample per answer: ``f(x) = x + 1`` at input ``i`` (distinct inputs, so no
    two samples are one task), except the generations of FORGER_GENERATIONS, written for
    input 1 / output 2."""
    wrap = "{}" if mode == "output" else "f({})"
    answers: list[tuple[str, str, int]] = [
        ("honest", str(1) if mode == "output" else "f(0)", 0),
        ("honest2", str(2) if mode == "output" else "f(1)", 1),
        ("wrong", str(4) if mode == "output" else "f(3)", 2),
    ]
    answers += [(a.name, wrap.format(a.expr), 3 + i) for i, a in enumerate(world.attacks)]
    answers += [(f"gen_{g[0]}", g[2] if mode == "output" else g[3], 1) for g in FORGER_GENERATIONS]
    data = folder / "crux.jsonl"
    data.write_text("".join(
        json.dumps({"id": f"sample_{k}", "code": CRUX_CODE, "input": str(x), "output": str(x + 1)}) + "\n"
        for k, (_, _, x) in enumerate(answers)
    ))  # fmt: skip
    gens = folder / f"gens_{mode}.json"
    gens.write_text(json.dumps({f"sample_{k}": [text] for k, (_, text, _) in enumerate(answers)}))
    return data, gens, [name for name, _, _ in answers]


@pytest.mark.parametrize("strict", [False, True], ids=["compat", "strict"])
@pytest.mark.parametrize("mode", ["output", "input"])
def test_score_cruxeval(world: World, mode: str, strict: bool) -> None:
    folder = world.root / f"crux-{mode}-{strict}"
    folder.mkdir()
    data, gens, names = _crux_batch(world, mode, folder)
    out = folder / "scored.json"
    _cli(world, "score", "cruxeval", "--mode", mode, "--generations", str(gens), "--data", str(data),
         "--out", str(out), "--timeout", TIMEOUT, *WORKERS, *(["--strict"] if strict else []))  # fmt: skip
    scored = json.loads(out.read_text())["raw_scored_generations"]
    verdicts = [scored[f"sample_{i}"] for i in range(len(names))]
    assert verdicts[:3] == [[True], [True], [False]]
    passed = {n for n, v in zip(names[3:], verdicts[3:], strict=True) if v != [False]}
    assert passed == (set() if strict else UPSTREAM_PASSES[f"cruxeval-{mode}"])


# -- program files: trace --batch, build PATH, score tasks ------------------------------------


def _program_file(body: str) -> str:
    return "# execbench: entry=f\n# execbench: input=1\ndef f(a, b=1):\n" + body


def test_trace_batch(world: World) -> None:
    calls = [
        {"code": _program_file(HONEST_BODY), "entry": "f", "call": "1", "id": f"honest{i}"} for i in range(2)
    ]
    calls += [{"code": _program_file(a.body), "entry": "f", "call": "1", "id": a.name} for a in world.attacks]
    batch = world.root / "calls.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in calls))
    out = world.root / "traces.jsonl"
    _cli(world, "trace", "--batch", str(batch), "--out", str(out), "--max-time", "1", *WORKERS)
    rows = {r["id"]: r for r in _jsonl(out)}
    assert set(rows) == {c["id"] for c in calls}
    for i in range(2):
        assert rows[f"honest{i}"]["status"] == "ok" and rows[f"honest{i}"]["return"] == "2"
    # a trace reports what the call did: no attack makes it show the right answer
    assert not [a.name for a in world.attacks if rows[a.name].get("return") == "2"]
    for name in ("patch_trace_records", "patch_probe_deep_payload"):
        assert rows[name]["status"] not in ("ok", "error"), rows[name]


@pytest.fixture(scope="module")
def honest_tasks(world: World) -> Path:
    folder = world.root / "honest-progs"
    folder.mkdir()
    (folder / "honest.py").write_text(_program_file(HONEST_BODY))
    tasks = world.root / "honest-tasks.jsonl"
    _cli(world, "build", str(folder), "--kinds", "output,input", "--out", str(tasks))
    return tasks


def test_build_path(world: World) -> None:
    folder = world.root / "progs"
    folder.mkdir()
    (folder / "honest.py").write_text(_program_file(HONEST_BODY))
    for a in world.attacks:
        (folder / f"hostile_{a.name}.py").write_text(_program_file(a.body))
    tasks = world.root / "tasks.jsonl"
    _cli(world, "build", str(folder), "--kinds", "output,input", "--out", str(tasks), *WORKERS)
    rows = _jsonl(tasks)
    honest = {r["kind"]: r["answer"] for r in rows if r["task_id"].startswith("user/honest/")}
    assert honest == {"output": "2", "input": "f(1)"}
    hostile = [r for r in rows if not r["task_id"].startswith("user/honest/")]
    # no task built from an attack claims the honest answer
    assert not [r["task_id"] for r in hostile if r["kind"] == "output" and r["answer"] == "2"]
    # the patched probes never become tasks built from forged facts
    for name in ("patch_facts_payload", "patch_probe_deep_payload"):
        assert not [r for r in hostile if f"hostile_{name}/" in r["task_id"]], name


def test_score_tasks(world: World, honest_tasks: Path) -> None:
    ids = {r["kind"]: r["task_id"] for r in _jsonl(honest_tasks)}
    lines = [
        {"task_id": ids["output"], "prediction": "2", "name": "honest"},
        {"task_id": ids["input"], "prediction": "f(1)", "name": "honest"},
        {"task_id": ids["output"], "prediction": "3", "name": "wrong"},
        {"task_id": ids["input"], "prediction": "f(2)", "name": "wrong"},
    ]
    for a in world.attacks:
        lines.append({"task_id": ids["output"], "prediction": a.expr, "name": a.name})
        lines.append({"task_id": ids["input"], "prediction": f"f({a.expr})", "name": a.name})
    for g in FORGER_GENERATIONS:
        lines.append({"task_id": ids["output"], "prediction": g[2], "name": f"gen_{g[0]}"})
        lines.append({"task_id": ids["input"], "prediction": g[3], "name": f"gen_{g[0]}"})
    preds = world.root / "preds.jsonl"
    preds.write_text("".join(json.dumps({**p, "sample": i}) + "\n" for i, p in enumerate(lines)))
    out = world.root / "scored-tasks.jsonl"
    _cli(
        world,
        "score",
        "tasks",
        "--tasks",
        str(honest_tasks),
        "--predictions",
        str(preds),
        "--out",
        str(out),
        *WORKERS,
    )
    rows = _jsonl(out)
    assert len(rows) == len(lines)
    verdicts = {(r["task_id"], r["sample"]): r["correct"] for r in rows}
    got = [verdicts[(p["task_id"], i)] for i, p in enumerate(lines)]
    assert got[:4] == [True, True, False, False]
    assert not [(p["name"], p["task_id"]) for p, ok in zip(lines[4:], got[4:], strict=True) if ok]


# -- eval --model replay: (codegen, judged strictly) -----------------------------------------


def test_eval_replay(world: World) -> None:
    folder = world.root / "eval"
    folder.mkdir()
    names = ["honest", "honest2", "wrong", *(a.name for a in world.attacks)]
    bodies = [HONEST_BODY, HONEST_BODY, WRONG_BODY, *(a.body for a in world.attacks)]
    problems = folder / "problems.jsonl"
    problems.write_text("".join(
        json.dumps({"task_id": f"T/{i}", "prompt": PROMPT, "entry_point": "add", "test": HE_TEST,
                    "canonical_solution": HONEST_BODY}) + "\n"
        for i in range(len(names))
    ))  # fmt: skip
    samples = folder / "samples.jsonl"
    samples.write_text(
        "".join(json.dumps({"task_id": f"T/{i}", "completion": b}) + "\n" for i, b in enumerate(bodies))
    )
    store = folder / "runs.sqlite"
    summary = json.loads(_cli(world, "eval", "--suite", f"humaneval:{problems}", "--model", f"replay:{samples}",
                              "--store", str(store), "--quiet", "--json", *WORKERS))  # fmt: skip
    assert summary["n_scored"] == len(names)
    rows = [json.loads(line) for line in _cli(world, "export", summary["run_id"], "--format", "jsonl",
                                               "--store", str(store)).splitlines()]  # fmt: skip
    correct = {int(r["task_id"].split("/")[1]): r["correct"] for r in rows}
    assert [correct[i] for i in range(3)] == [True, True, False]
    assert not [names[i] for i in range(3, len(names)) if correct[i]]

"""Helpers of the report tests (importable from the tests and their conftest)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main


@dataclass
class Watched:
    page: Any
    errors: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not self.errors and not self.remote


@dataclass(frozen=True)
class Built:
    store: Path
    run_id: str
    site: Path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("EXECBENCH_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


_PROGRAMS = (
    ("def f(n):\n    if n <= 1:\n        return 1\n    return n * f(n - 1)\n", "f"),
    ("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n", "f"),
)


def synthetic_store(
    path: Path, n_tasks: int, *, runs: int = 2, repair: bool = False, codegen: bool = False
) -> list[str]:
    """A store with ``runs`` complete runs of ``n_tasks`` tasks each, filled through the Store API
    (the shape ``execbench eval`` writes; verdicts follow a fixed pattern). Returns the run ids."""
    import time

    from execbench.runs.store import ResultRow, RunRecord, Store
    from execbench.runs.summary import summarize_rows
    from execbench.tasks.types import Task

    kinds = ("output", "input", "path")
    tasks = []
    for i in range(n_tasks):
        code, entry = _PROGRAMS[i % 2]
        args = str(i % 6) if i % 2 == 0 else str(list(range(i % 7)))
        kind = "codegen" if codegen and i % 5 == 0 else kinds[i % 3]
        meta: dict[str, Any] = {
            "constructs": ["recursion"] if i % 2 == 0 else ["loops"],
            "source": "synthetic",
        }
        if kind != "codegen":
            meta.update(program=code, entry=entry, args=args, program_id=f"p{i % 2}")
        tasks.append(Task(f"syn/{i}/{kind}", kind, f"prompt {i}", f"cot {i}", str(i), meta))
    ids = []
    with Store.open(path) as store:
        for r in range(runs):
            run_id = f"synthetic{r}"
            now = time.time()
            store.create_run(
                RunRecord(
                    run_id,
                    f"h{r}",
                    {"prompt": "direct"},
                    f"model-{r}",
                    "synthetic",
                    "running",
                    now,
                    now,
                    "0",
                    "3",
                    {},
                    n_tasks=n_tasks,
                )
            )
            store.add_tasks(run_id, tasks)
            rows = []
            for i, t in enumerate(tasks):
                right = (i * (r + 2)) % 3 != 0
                details: dict[str, Any] = {}
                if codegen and t.kind == "codegen":
                    details["plus"] = right and i % 2 == 0
                    details["efficiency"] = 1.0 + (i % 4) / 4
                if repair:
                    its = [
                        {
                            "feedback": f"fails test {k}",
                            "blocks": [[k, k % 2 == 0]],
                            "diff": f"-a{k}\n+b{k}",
                            "passed": right and k == (i % 3),
                        }
                        for k in range(3)
                    ]
                    details["repair"] = {"method": "ldb" if r == 0 else "self-debug", "iterations": its}
                rows.append(
                    ResultRow(
                        t.task_id,
                        0,
                        t.kind,
                        f"answer {i}",
                        str(i) if right else "x",
                        right,
                        float(right),
                        False,
                        "passed" if right else "failed",
                        details,
                    )
                )
            store.put_results(run_id, rows)
            store.update_run(
                run_id,
                status="complete",
                summary=summarize_rows(tasks, store.load_results(run_id), 1, resamples=200),
            )
            ids.append(run_id)
    return ids

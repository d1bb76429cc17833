"""In-process fakes for the runs tests: a task file, a backend and an executor.

They stand in for the model server and the sandbox so the engine's bookkeeping (cache,
resume, idempotence, statistics) is tested on its own, quickly and deterministically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from execbench.models import Generation, GenRequest
from execbench.tasks.types import Prediction, Task, Verdict


def make_tasks(count: int, kinds: Sequence[str] = ("output", "input")) -> list[Task]:
    """``count`` tasks per kind whose answer is the string of their index."""
    tasks = []
    for kind in kinds:
        for i in range(count):
            tasks.append(
                Task(
                    task_id=f"fake/{i}/{kind}",
                    kind=kind,
                    prompt=f"direct {kind} {i}",
                    prompt_cot=f"cot {kind} {i}",
                    answer=str(i),
                    meta={"constructs": ["loops"] if i % 2 else ["strings"]},
                )
            )
    return tasks


@dataclass
class FakeBackend:
    """Answers right when (task index + sample) % every == 0; counts calls."""

    every: int = 2
    name: str = "fake:model"
    calls: list[tuple[str, int]] = field(default_factory=list)
    fail_on: set[tuple[str, int]] = field(default_factory=set)

    def info(self) -> dict[str, Any]:
        return {"backend": "fake", "model": self.name}

    async def generate(self, req: GenRequest) -> Generation:
        self.calls.append((req.task_id, req.sample))
        if (req.task_id, req.sample) in self.fail_on:
            return Generation(text="", error="injected failure")
        index = int(req.task_id.split("/")[1])
        right = (index + req.sample) % self.every == 0
        return Generation(text=str(index) if right else "wrong", prompt_tokens=3, completion_tokens=1)

    async def aclose(self) -> None:
        return None


class FakeExecutor:
    """Correct iff the text equals the answer; 'skip' marks the sample skipped (CRUXEval rule)."""

    name = "fake"

    def __init__(self) -> None:
        self.scored = 0

    def score(self, tasks: Sequence[Task], predictions: Sequence[Prediction]) -> list[Verdict]:
        by_id = {t.task_id: t for t in tasks}
        out = []
        for p in predictions:
            self.scored += 1
            ok = p.text == by_id[p.task_id].answer
            out.append(
                Verdict(
                    task_id=p.task_id,
                    sample=p.sample,
                    extracted=p.text,
                    correct=ok,
                    score=float(ok),
                    skipped=p.text == "skip",
                    details={"status": "passed" if ok else "failed", "isolation": "fake", "mode": "strict"},
                )
            )
        return out

    def close(self) -> None:
        return None

"""CRUXEval through ``build cruxeval`` + ``score``: the published engine's pass@1, exactly.

Predictions are CRUXEval's own generations (codellama-7b, temperature 0.2, 10 samples per
problem) turned into prediction lines; tasks from CRUXEval are scored in its compatibility
mode, so pass@1 (unbiased estimator, skip rule) must equal the engine's scored files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from execbench.tasks import Prediction, build_tasks, score, summarize
from execbench.tasks.types import Task


@pytest.fixture(scope="module")
def crux_tasks(shared_data: Path, pool: Any) -> list[Task]:
    return build_tasks(
        f"cruxeval:{shared_data / 'cruxeval' / 'cruxeval.jsonl'}", kinds=["output", "input"], pool=pool
    )


@pytest.mark.parametrize(("mode", "expected"), [("output", 34.2125), ("input", 35.95)])
def test_pass_at_1_reproduces(
    crux_tasks: list[Task], shared_data: Path, pool: Any, mode: str, expected: float
) -> None:
    samples = shared_data / "cruxeval" / "samples"
    generations = json.loads((samples / f"codellama-7b_temp0.2_{mode}_generations.json").read_text())
    reference = json.loads((samples / f"codellama-7b_temp0.2_{mode}_scored.json").read_text())
    predictions = [
        Prediction(f"cruxeval/{sid}/{mode}", text, i)
        for sid, texts in generations.items()
        for i, text in enumerate(texts)
    ]
    verdicts = score(crux_tasks, predictions, pool=pool)
    summary = summarize(crux_tasks, verdicts)[mode]
    assert summary["pass@1"] == pytest.approx(expected, abs=1e-9)
    assert summary["pass@1"] == pytest.approx(reference["pass_at_1"], abs=1e-9)
    # verdict for verdict, in CRUXEval's per-sample list form
    mine: dict[str, list[Any]] = {}
    for prediction, verdict in zip(predictions, verdicts, strict=True):
        mine.setdefault(prediction.task_id.split("/")[1], []).append(verdict)
    for sid, verdict_list in mine.items():
        ran = [v.correct for v in verdict_list if not v.skipped]
        assert (ran if True in ran else [False] * len(verdict_list)) == reference["raw_scored_generations"][
            sid
        ], sid
    assert all(v.details["mode"] == "cruxeval" for v in verdicts)
    assert summary["disagreements"] >= 0

"""Rendered prompts are pinned by gold files: a prompt change must change a file in review.

To accept a deliberate change: ``EXECBENCH_UPDATE_GOLD=1 pytest tests/tasks/test_prompts_gold.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from execbench.tasks.kinds import Question
from execbench.tasks.prompts import render_codegen, render_prompt

GOLD = Path(__file__).parent / "gold"
CODE = "def f(s, k):\n    out = []\n    for ch in s:\n        if ch.isdigit():\n            out.append(int(ch) * k)\n    return out\n"
CALL = "f('a1b2', 3)"

CASES = {
    "output": Question("output"),
    "input": Question("input"),
    "path": Question("path"),
    "coverage": Question("coverage", line=5),
    "state": Question("state", line=5, var="out"),
    "next-line": Question("next-line", line=4),
    "steps": Question("steps"),
    "branch": Question("branch", line=4, occurrence=2),
    "loop": Question("loop", line=3),
    "exception": Question("exception"),
}


def _check(name: str, text: str) -> None:
    path = GOLD / f"{name}.txt"
    if os.environ.get("EXECBENCH_UPDATE_GOLD"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing gold file {path}; run with EXECBENCH_UPDATE_GOLD=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"prompt {name} changed; update the gold file if deliberate"
    )


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("cot", [False, True], ids=["direct", "cot"])
def test_prompt_gold(kind: str, cot: bool) -> None:
    output = "[3, 6]" if kind == "input" else None
    _check(
        f"{kind}-{'cot' if cot else 'direct'}",
        render_prompt(kind, CODE, CALL, CASES[kind], cot=cot, output=output),
    )


@pytest.mark.parametrize("cot", [False, True], ids=["direct", "cot"])
def test_codegen_gold(cot: bool) -> None:
    prompt = 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n'
    _check(f"codegen-{'cot' if cot else 'direct'}", render_codegen(prompt, "add", cot=cot))


def test_input_prompt_hides_the_input() -> None:
    text = render_prompt("input", CODE, CALL, Question("input"), cot=False, output="[3, 6]")
    task_part = text.split("Now the task:")[1]
    assert "'a1b2'" not in task_part and "[3, 6]" in task_part

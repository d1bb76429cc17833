"""The messages each method sends. LDB's texts follow its ``generators/py_generate.py``
(chat models, HumanEval/MBPP); Self-Debugging's and the codegen prompt are execbench's,
short and named here. Golden files in ``tests/repair/gold/`` pin every message.
"""

from __future__ import annotations

import json
from typing import Any

from execbench.repair.ldbcompat import split_feedback

__all__ = [
    "SYSTEM",
    "codegen_messages",
    "ldb_opening",
    "ldb_trace_message",
    "ldb_plain_feedback",
    "FIX_REQUEST",
    "selfdebug_feedback",
    "parse_block_verdicts",
    "DEBUG_STOP",
]

Message = tuple[str, str]
SYSTEM = "You are an expert programming assistant."
FIX_REQUEST = "Please fix the Python code."
#: LDB stops the explanation at these texts.
DEBUG_STOP = ("[debug end]", "Here is the updated code:")

_LDB_INSTRUCTIONS = (
    "\nHere is the code execution trace block by block with the intermediate variable values. "
    "Please explain the execution FOR EACH BLOCK and answer whether this block is correct or not. "
    "If not, give an explanation on what is wrong. Please wrap your response into a JSON object "
    "that contains keys `block` with the name of each block, key `correct` with value False or True, "
    "and key `explanation` with an explanation on the bug. \nExample Answers:\n"
    '{"block": "BLOCK-1", "correct": "True", "explanation": "The block initializes variable `a` and `b`."}\n'
    '{"block": "BLOCK-2", "correct": "False", "explanation": "The block is incorrect because the code '
    "does not add the two integers together, but instead subtracts the second integer from the first. "
    "To fix this issue, we should change the operator from `-` to `+` in the return statement. This will "
    'ensure that the function returns the correct output for the given input."}'
)


def codegen_messages(prompt: str, visible: tuple[str, ...]) -> tuple[Message, ...]:
    """The codegen prompt (seeds with ``generate``, ``resample``): LDB's ``simple_text2code``."""
    if visible:
        user = (
            "Complete the following task in Python. Remember to repeat all imports and function header. "
            f"Here is a unit test:\n{visible[0].strip()}\n\n{prompt.rstrip()}"
        )
    else:
        user = (
            "Complete the following task in Python. Please respond with code only "
            f"(with the code inside a Markdown code block).\n{prompt}"
        )
    return (("system", SYSTEM), ("user", user))


def ldb_opening(prompt: str, shown_program: str) -> tuple[Message, ...]:
    """The first three messages of an LDB conversation."""
    return (
        ("system", SYSTEM),
        (
            "user",
            "Complete the following task in Python. Please respond with code only "
            f"(with the code inside a Markdown code block).\n{prompt}",
        ),
        ("assistant", shown_program),
    )


def ldb_plain_feedback(failed: str) -> str:
    """LDB's message when no trace can be shown."""
    assertion, output = split_feedback(failed)
    return f"Feedback: With the above function, the assertion is `{assertion}` but the real execution output is `{output}`."


def ldb_trace_message(failed: str, blocks: list[list[str]]) -> str:
    """LDB's debugging request: the failing test, the instructions, the blocks."""
    text = f"The code above fails the given unit test:\n{failed}. \nHelp me debug this.\n" + _LDB_INSTRUCTIONS
    for i, block in enumerate(blocks):
        text += f"\n[BLOCK-{i}]\n" + "\n".join(block)
    return text + "\n"


def selfdebug_feedback(kind: str, failed: str, trace_lines: list[list[str]] | str | None = None) -> str:
    """Self-Debugging's feedback forms: ``simple``, ``unittest`` (LDB's recorded text),
    ``trace`` (the unit-test feedback plus the failing call's line-by-line trace)."""
    if kind == "simple":
        return "The code above is wrong. Please fix it."
    text = f"The code above fails the given unit test:\n{failed}."
    if kind == "trace":
        if isinstance(trace_lines, list) and trace_lines:
            shown = "\n".join("\n".join(b) for b in trace_lines)
            text += f"\nHere is the execution trace of the failing call, line by line, with the variable values after each line:\n{shown}"
        else:
            text += "\nThe failing call could not be traced."
    return text + "\n" + FIX_REQUEST


def parse_block_verdicts(text: str) -> list[dict[str, Any]]:
    """The ``{"block", "correct", "explanation"}`` objects in an LDB explanation, one per
    line as LDB parses them; ``correct`` made a bool (``"True"``/``"false"`` strings too)."""
    out: list[dict[str, Any]] = []
    for line in text.strip().strip(".").split("\n"):
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict) or not {"block", "correct", "explanation"} <= set(item):
            continue
        correct = item["correct"]
        if isinstance(correct, str):
            correct = correct.lower() == "true"
        out.append(
            {"block": str(item["block"]), "correct": bool(correct), "explanation": str(item["explanation"])}
        )
    return out

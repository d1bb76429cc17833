"""Prompts: one direct and one chain-of-thought prompt per kind, with our own few-shot example.

Every prompt ends by asking for the final answer between ``[ANSWER]`` and ``[/ANSWER]``
(the extractors look there first). Line-based kinds show the program with line numbers, so
a model never has to count lines. The few-shot example is one small program, written for
execbench, with its answers worked out by hand (and checked against the tracer in tests),
so that every kind shows the exact answer format once.

Rendered prompts are pinned by gold files under ``tests/tasks/gold``: changing a prompt is
a deliberate act that shows up in review.
"""

from __future__ import annotations

from execbench.tasks.kinds import Question

__all__ = [
    "render_prompt",
    "render_codegen",
    "number_lines",
    "FEWSHOT_CODE",
    "FEWSHOT_CALL",
    "FEWSHOT_ANSWERS",
]

FEWSHOT_CODE = """def f(xs):
    total = 0
    for x in xs:
        if x % 2 == 0:
            total += x
    return total
"""
FEWSHOT_CALL = "f([1, 2, 4])"

#: Hand-checked answers for the example (the trace is 2 3 4 3 4 5 3 4 5 3 6).
FEWSHOT_ANSWERS: dict[str, tuple[Question, str, str]] = {
    "output": (
        Question("output"),
        "6",
        "total starts at 0; 1 is odd, 2 and 4 are even and are added: 0 + 2 + 4 = 6.",
    ),
    "input": (
        Question("input"),
        "f([1, 2, 4])",
        "The result 6 is the sum of the even items; [1, 2, 4] has even items 2 and 4.",
    ),
    "path": (
        Question("path"),
        "[2, 3, 4, 3, 4, 5, 3, 4, 5, 3, 6]",
        "Line 2 sets total; the loop header (3) runs before each of the 3 items and once more at the end; "
        "line 4 tests each item and line 5 runs for 2 and 4; then line 6 returns.",
    ),
    "coverage": (
        Question("coverage", line=5),
        "YES",
        "2 is even, so the condition on line 4 holds and line 5 runs.",
    ),
    "state": (
        Question("state", line=5, var="total"),
        "2; int",
        "Line 5 runs twice: total becomes 2, then 6. Any value it holds after line 5 is correct; the first is 2, an int.",
    ),
    "next-line": (
        Question("next-line", line=4),
        "5",
        "After line 4 tests x = 2 the condition holds, so line 5 runs next (after x = 1 it would be line 3; either is correct).",
    ),
    "steps": (Question("steps"), "11", "The executed lines are 2 3 4 3 4 5 3 4 5 3 6: 11 steps."),
    "branch": (
        Question("branch", line=4, occurrence=1),
        "NO",
        "The first time line 4 runs, x = 1, and 1 % 2 == 0 is False.",
    ),
    "loop": (Question("loop", line=3), "3", "The list has 3 items, so the body of the loop starts 3 times."),
    "exception": (Question("exception"), "None", "Only additions and comparisons of ints: nothing raises."),
}

_INTRO = "You are given a Python program and a call to it."


def number_lines(code: str) -> str:
    """The program with ``<n>\\t`` before each line (REval's numbering, 1-based)."""
    return "\n".join(f"{i}\t{line}" for i, line in enumerate(code.rstrip("\n").split("\n"), 1))


def _question(q: Question, call: str, output: str | None) -> str:
    """What to answer, in one or two sentences, per kind."""
    k = q.kind
    if k == "output":
        return f"What does {call} return? Answer with a Python literal (no expression, no call)."
    if k == "input":
        return (
            f"Find an input such that the call returns {output}. Answer with the whole call, "
            f"e.g. {call.split('(')[0]}(...), using Python literals as arguments."
        )
    if k == "path":
        return (
            f"List the line numbers executed during {call}, in order, as a Python list. Include lines in every "
            "function the call reaches, never the 'def' line of a function being called, and write a line "
            "repeated consecutively only once."
        )
    if k == "coverage":
        return f"Is line {q.line} executed during {call}? Answer YES or NO."
    if k == "state":
        return (
            f"What is the value of {q.var} right after line {q.line} executes during {call}? "
            f"Answer as 'value; type' (e.g. '[1, 2]; list'). If line {q.line} never executes, answer Nil."
        )
    if k == "next-line":
        return (
            f"Which line executes right after line {q.line} during {call}? If line {q.line} runs several times, "
            "any of the lines that follow it is correct. Answer with a line number, or -1 if the execution "
            f"ends after line {q.line}."
        )
    if k == "steps":
        return f"How many line steps does {call} execute? Count every execution of every line, as in a line-by-line trace."
    if k == "branch":
        return (
            f"The {_ordinal(q.occurrence or 1)} time the condition on line {q.line} is evaluated during {call}, "
            "is it true (does control enter its body)? Answer YES or NO."
        )
    if k == "loop":
        return f"How many times does the body of the loop on line {q.line} start during {call}? Answer with an integer."
    if k == "exception":
        return f"Does {call} raise an exception? Answer with the exception's type name (e.g. ValueError), or None."
    raise ValueError(f"no prompt for kind {k!r}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _block(code: str, call: str, q: Question, output: str | None) -> str:
    shown = number_lines(code) if q.kind not in ("output", "input", "exception") else code.rstrip("\n")
    return f"[PYTHON]\n{shown}\n[/PYTHON]\n{_question(q, call, output)}\n"


def render_prompt(
    kind: str, code: str, call: str, question: Question, *, cot: bool, output: str | None = None
) -> str:
    """The prompt for one task. ``output`` is the expected result (input kind only)."""
    q, answer, thought = FEWSHOT_ANSWERS[kind]
    example_output = "6" if kind == "input" else None
    example_call = "f(...)" if kind == "input" else FEWSHOT_CALL
    head = f"{_INTRO} Answer the question about it. " + (
        "Think step by step between [THOUGHT] and [/THOUGHT], then give the final answer between [ANSWER] and [/ANSWER]."
        if cot
        else "Give only the final answer, between [ANSWER] and [/ANSWER]."
    )
    example = _block(FEWSHOT_CODE, example_call, q, example_output)
    if cot:
        example += f"[THOUGHT]\n{thought}\n[/THOUGHT]\n"
    example += f"[ANSWER]\n{answer}\n[/ANSWER]\n"
    shown_call = f"{call.split('(')[0]}(...)" if kind == "input" else call
    task = _block(code, shown_call, question, output)
    tail = "[THOUGHT]\n" if cot else "[ANSWER]\n"
    return f"{head}\n\nExample:\n{example}\nNow the task:\n{task}{tail}"


def render_codegen(problem_prompt: str, entry: str, *, cot: bool) -> str:
    """Code generation (HumanEval/MBPP): complete the function; the code goes in the answer block."""
    how = "Think step by step between [THOUGHT] and [/THOUGHT], then give" if cot else "Give"
    return (
        f"Complete the Python function {entry} below so that it does what its docstring says. "
        f"{how} the complete function (signature included) between [ANSWER] and [/ANSWER], "
        "as a ```python fenced block.\n\n"
        f"[PYTHON]\n{problem_prompt.rstrip()}\n[/PYTHON]\n" + ("[THOUGHT]\n" if cot else "[ANSWER]\n")
    )

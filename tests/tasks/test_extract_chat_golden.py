"""Golden cases from real chat and base-model replies: each was graded wrong once.

Codegen: a tagged solution followed by an "example usage" fence, a solution fence followed
by a test fence, prints and ``__main__`` blocks around a solution. CRUXEval-style outputs:
a fenced answer, "The output is X.", bold answers. Trace kinds: numbers in prose next to a
tagged answer, and a base model continuing the prompt's ``[ANSWER]``.
"""

from __future__ import annotations

import pytest

from execbench.tasks.extract import complete_answer, extract, extract_code, extract_int, extract_output

SOLUTION = "def add(a, b):\n    return a + b"


def test_tagged_fence_then_example_fence() -> None:
    text = (
        "Here is the function.\n[ANSWER]\n```python\n" + SOLUTION + "\n```\n[/ANSWER]\n\n"
        "Example usage:\n```python\nprint(add(1, 2))  # 3\n```\n"
    )
    assert extract_code(text, entry="add") == SOLUTION


def test_solution_fence_then_test_fence() -> None:
    text = (
        "```python\n" + SOLUTION + "\n```\n\nAnd some tests:\n\n"
        "```python\nassert add(1, 2) == 3\nassert add(0, 0) == 0\n```\n"
    )
    assert extract_code(text, entry="add") == SOLUTION
    assert extract_code(text) == SOLUTION  # without the entry: the block that defines a function


def test_the_block_defining_the_entry_point_wins_over_a_helper_demo() -> None:
    text = (
        "First a helper idea:\n```python\nx = [1, 2]\nprint(sum(x))\n```\n"
        "The solution:\n```python\nimport math\n\ndef add(a, b):\n    return a + b\n```\n"
        "```python\ndef test_add():\n    assert add(1, 1) == 2\n```"
    )
    assert extract_code(text, entry="add") == "import math\ndef add(a, b):\n    return a + b"


def test_prints_tests_and_main_blocks_are_dropped() -> None:
    text = (
        "```python\nimport re\nLIMIT = 10\n\n@staticmethod\ndef helper(x):\n    return x\n\n"
        + SOLUTION
        + "\n\nprint(add(2, 3))\nassert add(1, 1) == 2\nfor i in range(3):\n    print(add(i, i))\n"
        "def check(candidate):\n    assert candidate(1, 2) == 3\n\n"
        'if __name__ == "__main__":\n    print(add(1, 2))\n```'
    )
    assert extract_code(text, entry="add") == (
        "import re\nLIMIT = 10\n@staticmethod\ndef helper(x):\n    return x\n" + SOLUTION
    )


def test_code_that_does_not_parse_is_kept_as_written() -> None:
    text = "```python\ndef add(a, b)\n    return a + b\nprint(1)\n```"
    assert extract_code(text, entry="add") == "def add(a, b)\n    return a + b\nprint(1)"


def test_base_model_continuation_of_the_prompt_tag() -> None:
    prompt = "... give the function between [ANSWER] and [/ANSWER].\n[ANSWER]\n"
    completion = SOLUTION + "\n\nprint(add(1, 2))\n"  # the server stopped at [/ANSWER]
    assert extract("codegen", complete_answer(prompt, completion), entry="add") == SOLUTION


@pytest.mark.parametrize(
    "text",
    [
        "```python\n'abcd'\n```",
        "The output is 'abcd'.",
        "**Answer:** `'abcd'`",
        "Let me trace it: s becomes 'ab', then 'abc'.\n\n**Answer:** 'abcd'",
        "[ANSWER]\nassert f('ab') == 'abcd'\n[/ANSWER]",
    ],
)
def test_chat_formatted_outputs_read_strictly(text: str) -> None:
    assert extract_output(text) == "'abcd'"


def test_cruxeval_mode_fails_the_chat_forms_strict_reads() -> None:
    # why both numbers are printed: CRUXEval pastes the raw text into an assert
    assert extract("output", "The output is 'abcd'.", mode="cruxeval") == "The output is 'abcd'."
    assert extract("output", "The output is 'abcd'.") == "'abcd'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Line 2 runs first, then the loop.\n[ANSWER] 3 [/ANSWER]\nbecause line 2 ...", 3),
        ("[ANSWER]\nLine 3 (right after line 2)\n[/ANSWER]", 3),
        ("The next line is 3, right after line 2.", 3),
        ("**Answer: 4**", 4),
        ("After line 7 comes line 9. The answer is 9.", 9),
    ],
)
def test_prose_numbers_never_beat_a_tagged_or_stated_answer(text: str, expected: int) -> None:
    assert extract_int(text) == expected


def test_base_model_continuation_is_a_marked_answer() -> None:
    prompt = "What line runs next?\n[ANSWER]\n"
    completion = "Line 3 (right after line 2)\n"
    assert extract("next-line", completion) == "2"  # read as prose, the last number would win
    assert extract("next-line", complete_answer(prompt, completion)) == "3"
    # a reply that brings its own tags is left alone
    assert complete_answer(prompt, "[ANSWER] 5 [/ANSWER]") == "[ANSWER] 5 [/ANSWER]"
    assert complete_answer("no tag at the end", "7") == "7"

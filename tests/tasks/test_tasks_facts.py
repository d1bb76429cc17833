"""Pure derivations of ground truth from traced lines, on hand-checked programs."""

from __future__ import annotations

from tasks_helpers import facts_of, subject

from execbench.tasks.facts import (
    Arm,
    assigned_names,
    branch_outcome,
    collapse,
    control_lines,
    loop_iterations,
    next_lines,
    statement_lines,
)

LOOP = """def f(xs):
    total = 0
    for x in xs:
        if x % 2 == 0:
            total += x
    return total
"""

WHILE = """def f(n):
    k = 0
    while n > 1:
        n //= 2
        k += 1
    return k
"""


def test_collapse_drops_consecutive_repeats_only() -> None:
    assert collapse([2, 3, 3, 3, 2, 2, 4]) == [2, 3, 2, 4]
    assert collapse([]) == []


def test_next_lines_any_occurrence_and_end() -> None:
    lines = [2, 3, 4, 3, 4, 5, 3, 4, 5, 3, 6]
    assert next_lines(lines, 4) == [3, 5]
    assert next_lines(lines, 6) == [-1]
    assert next_lines(lines, 9) == []


def test_fewshot_trace_is_what_the_prompt_says() -> None:
    facts = facts_of(subject(LOOP, "[1, 2, 4]"))
    assert facts.lines() == [2, 3, 4, 3, 4, 5, 3, 4, 5, 3, 6]
    assert facts.output == "6" and facts.status == "returned"


def test_branch_and_loop_facts_by_hand() -> None:
    facts = facts_of(subject(LOOP, "[1, 2, 4]"))
    arms = control_lines(LOOP)
    assert arms[4] == Arm("if", 4, 5) and arms[3] == Arm("for", 3, 4)
    assert branch_outcome(facts.events, arms[4], 1) is False  # x = 1
    assert branch_outcome(facts.events, arms[4], 2) is True  # x = 2
    assert branch_outcome(facts.events, arms[4], 4) is None  # only 3 evaluations
    assert loop_iterations(facts.events, arms[3]) == 3


def test_while_loop_counts_iterations() -> None:
    facts = facts_of(subject(WHILE, "9"))  # 9 -> 4 -> 2 -> 1: three halvings
    arms = control_lines(WHILE)
    assert loop_iterations(facts.events, arms[3]) == 3
    assert branch_outcome(facts.events, arms[3], 4) is False
    assert facts.output == "3"


def test_branch_in_recursive_frames_uses_same_frame_successor() -> None:
    code = "def f(n):\n    if n <= 0:\n        return 0\n    return 1 + f(n - 1)\n"
    facts = facts_of(subject(code, "2"))
    arm = control_lines(code)[2]
    assert [branch_outcome(facts.events, arm, k) for k in (1, 2, 3)] == [False, False, True]


def test_static_helpers() -> None:
    assert statement_lines(LOOP) == [2, 3, 4, 5, 6]
    assert assigned_names(LOOP) == {2: ["total"], 3: ["x"], 5: ["total"]}
    code = "class A:\n    def set(self, v):\n        self.v, w = v, 1\n"
    assert assigned_names(code) == {3: ["self.v", "w"]}

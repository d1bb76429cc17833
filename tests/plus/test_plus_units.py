"""Pure parts of execbench.plus: seeds, shapes (validity), mutation, judging, reduction, files."""

from __future__ import annotations

import json
import random

import pytest

from execbench.cli.augment import load_contracts
from execbench.datasets.humaneval import Problem
from execbench.errors import UserError
from execbench.plus.judge import judge_outputs, outputs_match
from execbench.plus.mutate import mutate_args, repeat_args, scale_args
from execbench.plus.plusfile import read_plus
from execbench.plus.reduce import greedy_cover, mutants
from execbench.plus.seeds import args_text, extract_seeds, function_under_test
from execbench.plus.shape import conforms, digit_runs, infer_signature, is_prime, skeleton, template


def test_seeds_from_tests_and_docstring() -> None:
    prompt = 'def f(xs, k):\n    """\n    >>> f([1, 2], 3)\n    4\n    f([5], 0) ➞ 1\n    """\n'
    test = "def check(candidate):\n    assert candidate([1, 2], 3) == 4\n    assert candidate(*[1]) == 2\n    assert abs(candidate([0], 1) - 1) < 1e-6\n"
    seeds = extract_seeds(prompt, test, "f")
    assert [s.args for s in seeds] == [([1, 2], 3), ([0], 1), ([5], 0)]
    assert [s.origin for s in seeds] == ["test", "test", "docstring"]
    assert args_text(seeds[0].args) == "[[1, 2], 3]"
    mbpp = extract_seeds("def g(s):\n", 'def check(candidate):\n    assert g("ab") == 1\ncheck(g)\n', "g")
    assert [s.args for s in mbpp] == [("ab",)]


def test_recorded_seeds_and_the_function_under_test() -> None:
    test = "def check(candidate):\n    for s in make():\n        assert candidate(s) == s\n"
    assert extract_seeds("def f(s):\n", test, "f") == []
    seeds = extract_seeds(
        "def f(s):\n", test, "f", recorded=["['abc']", "['abc']", "not literal", "5", "['x', 1]"]
    )
    assert [(s.args, s.origin) for s in seeds] == [(("abc",), "test-run")]  # distinct, lists, one arity
    code = "def helper(s):\n    return list(s)\ndef real(a, b):\n    return helper(a)\n"
    mbpp = "def check(candidate):\n    assert real('ab', 'c') == ['a', 'b']\n    assert real('x', 'y') == ['x']\ncheck(helper)\n"
    assert function_under_test(code, mbpp, "helper") == "real"
    assert (
        function_under_test(code, "def check(candidate):\n    assert candidate('a')\n", "helper") == "helper"
    )
    assert function_under_test(code, "assert helper('a') and real('a', 'b')\n", "helper") == "helper"
    assert function_under_test(code, "assert undefined(1)\n", "helper") == "helper"


def test_shape_keeps_sign_lengths_and_relations() -> None:
    sig = infer_signature([([3, 1, 2], 2), ([5, 4, 9, 7], 0), ([8, 8], 1)])
    assert conforms([[1, 2, 3], 1], sig) is None
    assert "type" in (conforms([[1.5, 2], 1], sig) or "")
    assert conforms([[1, 2], -1], sig) is not None  # below the smallest seed (none is negative)
    assert conforms([[1], 0], sig) is not None  # shorter than every seed
    assert "outside 0..len" in (conforms([[1, 2], 3], sig) or "")  # index-like, as in every seed
    pair = infer_signature([("abc", "xyz"), ("ab", "qr"), ("hello", "world")])
    assert "lengths differ" in (conforms(["abc", "de"], pair) or "")


def test_shape_text_formats() -> None:
    dates = infer_signature([("03-11-2000",), ("15-01-2012",), ("04-0-2040",), ("06-04-2020",)])
    assert conforms(["01-02-2003"], dates) is None
    assert conforms(["01/02/2003"], dates) is not None
    fruit = infer_signature(
        [("5 apples and 6 oranges", 19), ("0 apples and 1 oranges", 3), ("2 apples and 3 oranges", 100)]
    )
    assert conforms(["7 apples and 1 oranges", 20], fruit) is None
    assert "template" in (conforms(["7 aples and 1 oranges", 20], fruit) or "")
    ops = infer_signature([(["**", "*", "+"], [2, 3, 4, 5]), (["+", "-"], [1, 2, 3])])
    assert conforms([["*", "+"], [1, 2, 3]], ops) is None
    assert "symbol" in (conforms([["*+", "+"], [1, 2, 3]], ops) or "")
    parens = infer_signature([("(()) ()",), ("((()))",), ("() (())",)])
    assert "unbalanced" in (conforms(["(()"], parens) or "")
    assert skeleton("03-11-2000") == "9-9-9" and template("5 apples") == "9 apples"
    assert digit_runs("03-11-2000") == (2, 2, 4) and digit_runs("ab") == ()
    assert "digit run 3" in (conforms(["03-11-200"], dates) or "")  # a 3-digit year: no seed has one
    assert "digit run 1" in (conforms(["003-11-2000"], dates) or "")
    assert conforms(["4-0-2040"], dates) is not None and conforms(["04-1-2040"], dates) is None
    lone = infer_signature([("12",), ("345",), ("7",), ("9999",)])  # one run: its length is the string's
    assert conforms(["123456"], lone) is None
    binary = infer_signature([("0101", "1100"), ("111", "000")])
    assert "characters" in (conforms(["0121", "1111"], binary) or "")


def test_many_seeds_of_one_list_length_keep_it() -> None:
    pairs = [(["()(", ")"],), ([")", ")"],), (["(()(())", "())())"],), ([")())", "(()()("],), (["(())))", "(()())(("],), (["()", "())"],), (["(()(", "()))()"],), (["((((", "((())"],)]  # fmt: skip
    sig = infer_signature(pairs)
    assert conforms([["(", ")"]], sig) is None
    assert "list length 3" in (conforms([["(", ")", "()"]], sig) or "")
    assert conforms([["(", ")", "()"]], infer_signature(pairs[:7])) is None  # seven seeds: no rule


def test_wide_leaves_the_seed_shape() -> None:
    narrow = infer_signature([("ab", 3), ("cd", 5)])
    wide = infer_signature([("ab", 3), ("cd", 5)], wide=True)
    assert conforms(["a-B", -2], narrow) is not None
    assert conforms(["a-B", -2], wide) is None
    assert conforms(["ab", 10**9], wide) is not None  # still bounded: far outside every seed


def test_composite_seeds_keep_inputs_composite() -> None:
    assert [n for n in range(40) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
    assert is_prime(2**61 - 1) and not is_prime(3215031751)  # a strong pseudoprime to bases 2, 3, 5, 7
    sig = infer_signature([(15,), (27,), (63,), (330,), (13195,)])  # HumanEval/59's seeds
    assert conforms([333], sig) is None
    assert conforms([331], sig) == "arg 0: not composite (every seed is)"
    assert conforms([31], infer_signature([(15,), (27,), (63,)], wide=True)) is None
    assert conforms([31], infer_signature([(15,), (27,), (7,)])) is None  # one seed is prime
    assert conforms([17], infer_signature([(15,), (15,), (27,)])) is None  # two distinct values only
    nested = infer_signature([([15, 27, 63],), ([330],)])
    assert conforms([[31]], nested) is None  # only top-level arguments


def test_repeating_keeps_the_seed_parts() -> None:
    assert repeat_args(["(()) ()", [1, 2], 7, ""], 3) == ["(()) () (()) () (()) ()", [1, 2] * 3, 7, ""]
    assert repeat_args(["ab"], 2) == ["abab"]


def test_mutation_and_scaling_are_deterministic() -> None:
    sig = infer_signature([([3, 1, 1], "ab"), ([4], "xyz")])
    one = [mutate_args([[1, 2, 3], "ab"], sig, random.Random(7)) for _ in range(1)]
    two = [mutate_args([[1, 2, 3], "ab"], sig, random.Random(7)) for _ in range(1)]
    assert one == two
    big = scale_args([[1, 2, 3], "ab"], sig, 16, random.Random(1))
    assert len(big[0]) == 48 and len(big[1]) == 32


def test_judge_semantics_follow_evalplus() -> None:
    assert outputs_match(True, 1, 0.0)  # == as EvalPlus
    assert outputs_match(0.30000000000000004, 0.3, 0.0)  # float outputs get atol 1e-6
    assert not outputs_match(0.31, 0.3, 0.0)
    assert outputs_match([1.0000001, 2.0], [1.0, 2.0], 1e-6)
    assert not outputs_match([1, 2], [1, 2, 3], 1e-6)
    assert outputs_match(2.0, 1.0, 0.0, oracle="poly_root", args=[[-2, 1]])  # any root of x - 2
    assert not outputs_match(1.0, 1.0, 0.0, oracle="poly_root", args=[[-2, 1]])
    rows = [{"status": "ok", "out": "1"}, {"status": "ok", "out": "[1, 2]"}]
    assert judge_outputs(rows, ["1", "[1, 2]"], 0.0).passed
    verdict = judge_outputs(rows, ["1", "[2, 1]"], 0.0)
    assert not verdict.passed and verdict.failing == 1
    assert (
        judge_outputs([{"status": "error", "error": "IndexError"}], ["1"], 0.0).detail == "error: IndexError"
    )
    assert judge_outputs([{"status": "ok", "out": None, "kind": "Foo"}], ["1"], 0.0).failing == 0
    assert judge_outputs(rows[:1], ["1", "2"], 0.0).failing == 1


def test_reduction_cover_and_mutants() -> None:
    sets = [frozenset({"a", "b"}), frozenset({"b"}), frozenset({"c"}), frozenset({"a", "c"})]
    assert greedy_cover(sets) == [0, 2]
    code = "def f(x):\n    if x < 3:\n        return x + 1\n    return 0\n"
    ms = mutants(code, random.Random(0))
    assert ms and all(m != code for m in ms) and len(set(ms)) == len(ms)
    assert any("x <= 3" in m for m in ms) and any("x - 1" in m for m in ms)


def _problems() -> dict[str, Problem]:
    return {
        "HumanEval/0": Problem(
            "HumanEval/0", "def f(x):\n", "f", "def check(candidate): pass\n", "    return x\n"
        ),
        "MBPP/2": Problem(
            "MBPP/2", "def g(x):\n", "g", "def check(candidate): pass\n", "def g(x):\n    return x\n"
        ),
    }


def test_read_plus_both_formats(tmp_path) -> None:  # type: ignore[no-untyped-def]
    own = tmp_path / "plus.jsonl"
    own.write_text(
        json.dumps({"task_id": "HumanEval/0", "inputs": ["[1]"], "expected": ["1"], "atol": 0}) + "\n"
    )
    suites = read_plus(own, _problems())
    assert suites["HumanEval/0"].inputs == ("[1]",) and suites["HumanEval/0"].expected == ("1",)
    ep = tmp_path / "evalplus.jsonl"
    ep.write_text(
        json.dumps(
            {
                "task_id": "Mbpp/2",
                "entry_point": "g",
                "base_input": [[1]],
                "plus_input": [["a"], [[2]]],
                "atol": 0,
            }
        )
        + "\n"
    )
    suite = read_plus(ep, _problems())["MBPP/2"]
    assert suite.evalplus and suite.inputs == ("[1]", "['a']", "[[2]]") and suite.base_count == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"task_id": "HumanEval/0", "inputs": ["[1]"], "expected": []}) + "\n")
    with pytest.raises(UserError, match="differ in length"):
        read_plus(bad, _problems())
    bad.write_text(json.dumps({"task_id": "HumanEval/9", "inputs": [], "expected": []}) + "\n")
    with pytest.raises(UserError, match="unknown task_id"):
        read_plus(bad, _problems())


def test_contracts_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"T/1": "    assert n > 0  # $_CONTRACT_$\n    x = 1\n"}))
    assert load_contracts(path) == {"T/1": "    assert n > 0"}
    path.write_text(json.dumps({"task_id": "T/2", "contract": "assert n >= 0"}) + "\n")
    assert load_contracts(path) == {"T/2": "assert n >= 0"}
    path.write_text("[1, 2]")
    with pytest.raises(UserError):
        load_contracts(path)


def test_forged_runner_rows_cannot_crash_the_host() -> None:
    from execbench.plus.execute import _clean

    assert _clean({"status": "ok", "out": 5, "cost": "9"}) == {"status": "invalid"}
    assert _clean({"status": "ok", "out": "1", "cost": True, "tampered": "yes", "x": 1}) == {
        "status": "ok",
        "out": "1",
    }
    assert _clean({"status": "ok", "out": "1", "cost": -3, "features": ["a", 2]}) == {
        "status": "ok",
        "out": "1",
        "features": ["a"],
    }
    verdict = judge_outputs([_clean({"status": "ok", "out": ["x"]})], ["1"], 0.0)
    assert not verdict.passed and verdict.failing == 0


def test_prime_lists_and_fractional_floats_stay_so() -> None:
    seeds = [
        ([0, 3, 2, 1, 181],),
        ([1, 0, 4597],),
        ([8, 109],),
        ([0, 7],),
        ([5, 4],),
        ([8191],),
        ([127, 8192],),
        ([1, 2],),
    ]
    sig = infer_signature(seeds)  # HumanEval/94's shape: every one of eight seeds holds a prime
    assert conforms([[4, 6, 13]], sig) is None
    assert conforms([[1, 0, 42, 12]], sig) == "arg 0: no prime (every seed has one)"
    assert conforms([[1, 0, 42, 12]], infer_signature(seeds[:7])) is None  # too few seeds to say
    mixed = infer_signature([([0.1, 0.2],), ([0.2, 3, 5],), ([5, 4],)])  # HumanEval/151's seeds
    assert conforms([[1.5, 2]], mixed) is None
    assert conforms([[1.0, 2]], mixed) == "arg 0: an integral float (seeds mix ints and fractional floats)"
    assert conforms([[2.0]], infer_signature([([1.5, 2.0],), ([3],)])) is None  # a seed float is integral


def test_relating_numbers_digit_fields_and_code_constants() -> None:
    from execbench.plus.augment import code_constants
    from execbench.plus.mutate import _constant, _digit_field, _related

    assert code_constants("def f(d):\n    return d > 29 or d < 1.5 or d == 29\n") == (29, 1.5)
    rng = random.Random(0)
    fields = {_digit_field("03-11-2000", rng) for _ in range(300)}
    assert {"02-11-2000", "03-12-2000", "11-03-2000", "03-11-1999"} <= fields  # +-1 per field, swaps
    assert all(len(f) == 10 and f[2] == f[5] == "-" for f in fields)  # zero padding kept
    assert "03-29-2000" in {_constant(["03-11-2000"], (29,), rng)[0] for _ in range(100)}
    gaps = {_related([[1.0, 2.5, 4.0], 0.3], rng)[1] for _ in range(200)}
    assert {1.5, 3.0, 2.5} <= gaps  # a threshold equal to a distance (or an element)
    assert all(type(g) is float for g in gaps)


def test_related_numbers_skip_infinities() -> None:
    """An inf or nan in a seed (``1e999`` is a literal) must not crash the mutation."""
    import random

    from execbench.plus.mutate import _related

    rng = random.Random(0)
    for _ in range(200):
        out = _related([3, [float("inf"), float("nan"), 1.5]], rng)
        assert type(out[0]) is int
        out = _related([[2, 5], float("inf")], rng)
        assert all(type(x) is int for x in out[0])

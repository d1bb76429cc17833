"""The three public loaders on the shared copies, and their validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from execbench.datasets import load_cruxeval, load_humaneval, load_mbpp
from execbench.errors import UserError


def test_humaneval_gz(shared_data: Path) -> None:
    problems = load_humaneval(shared_data / "humaneval" / "HumanEval.jsonl.gz")
    assert len(problems) == 164
    first = problems["HumanEval/0"]
    assert first.entry_point == "has_close_elements" and "def check(candidate)" in first.test


def test_mbpp_ldb_format(shared_data: Path) -> None:
    problems = load_mbpp(shared_data / "ldb" / "mbpp" / "probs.jsonl")
    assert len(problems) == 500
    assert problems["MBPP/11"].test.rstrip().endswith("check(remove_Occ)")


def test_cruxeval(shared_data: Path) -> None:
    samples = load_cruxeval(shared_data / "cruxeval" / "cruxeval.jsonl")
    assert len(samples) == 800
    assert samples[0].id == "sample_0" and samples[0].code.startswith("def f(")


def test_duplicates_and_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    row = {"task_id": "A/1", "prompt": "", "entry_point": "f", "test": ""}
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(UserError, match="p.jsonl:2: duplicate task_id 'A/1'"):
        load_humaneval(path)
    path.write_text(json.dumps({"task_id": "A/1", "prompt": ""}) + "\n")
    with pytest.raises(UserError, match="p.jsonl:1: missing field 'entry_point'"):
        load_mbpp(path)
    path.write_text(json.dumps({"id": "sample_0", "code": 1, "input": "", "output": ""}) + "\n")
    with pytest.raises(UserError, match="field 'code' must be a string, got int"):
        load_cruxeval(path)

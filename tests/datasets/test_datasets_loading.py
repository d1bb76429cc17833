"""Reading user files: every failure is one UserError naming the file (and line)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from execbench.datasets.loading import read_json, read_jsonl, read_text
from execbench.errors import UserError


def test_gz_is_transparent(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n\n{"a": 2}\n'))
    assert read_jsonl(path) == [(1, {"a": 1}), (3, {"a": 2})]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b'{"a": 1}\n{"a": \n', r"x.jsonl:2: malformed JSON line"),
        (b'{"a": 1}\n[1, 2]\n', r"x.jsonl:2: expected a JSON object per line, got list"),
        (b'{"a": 1}\n{"b": "\xff"}\n', r"x.jsonl:2: not valid UTF-8"),
    ],
)
def test_jsonl_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        read_jsonl(path)


def test_json_errors_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{\n  "a": [1,\n}')
    with pytest.raises(UserError, match=r"g.json:3:1: malformed JSON"):
        read_json(path)
    path.write_text('{"sample_0": []}')
    assert read_json(path) == {"sample_0": []}


def test_missing_directory_and_bad_gzip(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        read_text(tmp_path / "nope.jsonl")
    with pytest.raises(UserError, match="is a directory"):
        read_text(tmp_path)
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(UserError, match="cannot read"):
        read_text(bad)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert read_jsonl(path) == [(1, {"a": 1})]

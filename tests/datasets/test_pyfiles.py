"""The "Python file(s) of functions with inputs" convention: parsing, ids, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from execbench.datasets.pyfiles import Program, load_program_dir, load_program_file, parse_program_text
from execbench.errors import UserError

SIMPLE = """\
# execbench: entry=g constructs=recursion,closures
# execbench: input=[1, 2, 3], 4
# execbench: raises=[], 0

def g(xs, n):
    return xs[n % len(xs)]
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_directives_are_read_and_stripped(tmp_path: Path) -> None:
    [p] = load_program_file(_write(tmp_path / "mod.py", SIMPLE))
    assert p == Program(
        program_id="user/mod",
        code="def g(xs, n):\n    return xs[n % len(xs)]\n",
        entry="g",
        inputs=("[1, 2, 3], 4", "[], 0"),
        constructs=("recursion", "closures"),
        source="user",
        path=str(tmp_path / "mod.py"),
        raising=(1,),
    )
    assert p.calls() == ("g([1, 2, 3], 4)", "g([], 0)")
    # line numbers refer to ``code``: line 1 is the def
    assert p.code.splitlines()[0].startswith("def g")


def test_default_entry_and_comments_before_directives() -> None:
    text = "#!/usr/bin/env python\n# a note\n# execbench: input=1\n# execbench: input=\n# kept comment\ndef f(x=0):\n    return x\n"
    [p] = parse_program_text(text, where="t.py", program_id="user/t")
    assert p.entry == "f" and p.inputs == ("1", "")
    assert p.code == "# kept comment\ndef f(x=0):\n    return x\n"


def test_several_entries_in_one_file() -> None:
    text = (
        "# execbench: entry=a\n# execbench: input=1\n# execbench: entry=b constructs=numeric\n"
        "# execbench: input=2\n# execbench: input=3\ndef a(x):\n    return x\n\n\ndef b(x):\n    return -x\n"
    )
    programs = parse_program_text(text, where="t.py", program_id="user/t")
    assert [(p.program_id, p.entry, p.inputs, p.constructs) for p in programs] == [
        ("user/t:a", "a", ("1",), ()),
        ("user/t:b", "b", ("2", "3"), ("numeric",)),
    ]


def test_doctest_examples(tmp_path: Path) -> None:
    text = '''def area(w, h):
    """Rectangle area.

    >>> area(2, 3)
    6
    >>> area(0,
    ...      5)
    0
    """
    return w * h


def helper(x):
    """No examples here."""
    return x
'''
    [p] = load_program_file(_write(tmp_path / "shapes.py", text))
    assert p.entry == "area" and p.inputs == ("2, 3",)  # the multi-line example is skipped
    assert ">>>" not in p.code and "    6\n" not in p.code
    assert "Rectangle area." in p.code and "return w * h" in p.code
    compile(p.code, "shapes.py", "exec")


def test_directory_is_recursive_sorted_and_skips_plain_modules(tmp_path: Path) -> None:
    _write(tmp_path / "b.py", SIMPLE)
    _write(tmp_path / "a" / "z.py", SIMPLE)
    _write(tmp_path / "a" / "helpers.py", "def util():\n    return 1\n")
    _write(tmp_path / ".hidden" / "x.py", SIMPLE)
    programs = load_program_dir(tmp_path)
    assert [p.program_id for p in programs] == ["user/a/z", "user/b"]
    assert [p.path for p in programs] == ["a/z.py", "b.py"]
    assert load_program_dir(tmp_path) == programs  # deterministic


def test_crlf_files(tmp_path: Path) -> None:
    path = tmp_path / "w.py"
    path.write_bytes(SIMPLE.replace("\n", "\r\n").encode())
    [p] = load_program_file(path)
    assert "\r" not in p.code and p.inputs[0] == "[1, 2, 3], 4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def f(:\n", "syntax error"),
        ("# execbench: input=1\ndef g(x):\n    return x\n", "entry function 'f' is not defined"),
        ("# execbench: entry=f\ndef f(x):\n    return x\n", "has no inputs"),
        ("# execbench: input=1)(\ndef f(x):\n    return x\n", "not a valid argument list"),
        ("# execbench: input=1) # x\ndef f(x):\n    return x\n", "not a valid argument list"),
        ("# execbench: input=1), _(2\ndef f(x):\n    return x\n", "not a valid argument list"),
        ("# execbench: frobnicate=1\ndef f(x):\n    return x\n", "unknown directive"),
        ("# execbench: entry=1x\n# execbench: input=1\ndef f(x):\n    return x\n", "not a function name"),
        (
            "# execbench: constructs=Bad!\n# execbench: input=1\ndef f(x):\n    return x\n",
            "bad construct label",
        ),
        ("def f(x):\n    return x\n# execbench: input=1\n", "must come first"),
        ("def f(x):\n    return x\n", "declares no programs"),
        (
            "# execbench: entry=f\n# execbench: input=1\n# execbench: entry=f\n# execbench: input=2\ndef f(x):\n    return x\n",
            "declared twice",
        ),
    ],
)
def test_invalid_files_are_one_line_user_errors(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "bad.py", text)
    with pytest.raises(UserError) as info:
        load_program_file(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and "bad.py" in str(info.value)


def test_missing_paths_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_program_file(tmp_path / "nope.py")
    with pytest.raises(UserError, match="no such folder"):
        load_program_dir(tmp_path / "nope")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserError, match="not UTF-8"):
        load_program_file(tmp_path / "bin.py")
    empty = tmp_path / "empty"
    _write(empty / "plain.py", "x = 1\n")
    with pytest.raises(UserError, match="no .py file declares a program"):
        load_program_dir(empty)


def test_files_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"# execbench: input=1\nopen({str(marker)!r}, 'w').close()\ndef f(x):\n    return x\n"
    load_program_file(_write(tmp_path / "side.py", text))
    assert not marker.exists()

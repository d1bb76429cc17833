"""``execbench build PATH`` on a project with a pytest suite: calls from its tests become tasks."""

from __future__ import annotations

import ast
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from execbench.cli import main
from execbench.datasets import pytest_project as pp
from execbench.sandbox.types import ExecRequest, Limits
from execbench.tasks import build, write_tasks
from execbench.tasks._exec import run_requests
from execbench.trace.api import trace_call

UTIL = """\
def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def _square(x):
    return x * x
"""

CORE = """\
from .util import _square, clamp


def scaled_sum(xs, limit=100):
    total = 0
    for x in xs:
        total += _square(x)
    return clamp(total, 0, limit)


def parse_pair(text, *, sep=","):
    a, b = text.split(sep)
    return int(a), int(b)


def describe(obj):
    return type(obj).__name__


def first_words(texts):
    return [t.split()[0] for t in texts]


class Box:
    def area(self, w, h):
        return w * h
"""

DATA = """\
HERE = __file__


def where():
    return HERE
"""

TESTS = """\
import pytest

from calc.core import Box, describe, first_words, parse_pair, scaled_sum
from calc.data import where
from calc.util import clamp


def test_sum():
    assert scaled_sum([1, 2, 3]) == 14
    assert scaled_sum([10, 10], limit=50) == 50


def test_clamp_many():
    for x in range(10):
        assert 0 <= clamp(x, 0, 3) <= 3


def test_parse():
    assert parse_pair("1,2") == (1, 2)
    assert parse_pair("3;4", sep=";") == (3, 4)
    with pytest.raises(ValueError):
        parse_pair("1;2")


def test_fails():
    assert clamp(2, 0, 1) == 2


def test_non_literal_and_methods():
    assert describe(object()) == "object"
    assert Box().area(2, 3) == 6
    assert first_words(["a b", "c d"]) == ["a", "c"]


def test_data_file():
    assert where().endswith("data.py")
"""

HOSTILE = """\
from pathlib import Path

from calc.util import clamp


def test_writes_outside():
    assert clamp(7, 0, 9) == 7
    for target in ({outside!r}, str(Path(__file__).resolve().parent.parent / "written.txt")):
        try:
            Path(target).write_text("pwned")
        except OSError:
            pass


def test_loops_forever():
    while True:
        try:
            while True:
                pass
        except Exception:
            pass


def test_after_the_loop():
    assert clamp(-5, 0, 9) == 0
"""


def make_project(root: Path, outside: Path | None = None) -> Path:
    (root / "calc").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "calc" / "__init__.py").write_text("")
    (root / "calc" / "util.py").write_text(UTIL)
    (root / "calc" / "core.py").write_text(CORE)
    (root / "calc" / "data.py").write_text(DATA)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    if outside is not None:
        (root / "tests" / "test_hostile.py").write_text(HOSTILE.format(outside=str(outside)))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("proj"))


@pytest.fixture(scope="module")
def built(project: Path, pool: Any) -> Any:
    return build(str(project), pool=pool)


def _host_value(project: Path, module: str, call: str) -> Any:
    """What the (trusted, test-written) function returns, computed here to check the ground truth."""
    sys.path.insert(0, str(project))
    try:
        mod = importlib.import_module(module)
        return eval(call, vars(mod))
    finally:
        sys.path.remove(str(project))
        for name in [n for n in sys.modules if n == "calc" or n.startswith("calc.")]:
            del sys.modules[name]


def test_tasks_from_the_suite_calls(built: Any, project: Path) -> None:
    tasks = built.tasks
    programs = {t.meta["program_id"] for t in tasks}
    assert programs == {
        "project/calc/core.py:scaled_sum",
        "project/calc/core.py:parse_pair",
        "project/calc/core.py:first_words",
        "project/calc/util.py:clamp",
        "project/calc/util.py:_square",
    }
    inputs = {t.meta["input"] for t in tasks if t.meta["entry"] == "clamp"}
    # the first 5 distinct calls to complete, in test order (scaled_sum's inner calls come first)
    assert inputs == {
        "clamp(14, 0, 100)",
        "clamp(200, 0, 50)",
        "clamp(0, 0, 3)",
        "clamp(1, 0, 3)",
        "clamp(2, 0, 3)",
    }
    assert {t.meta["input"] for t in tasks if t.meta["entry"] == "parse_pair"} == {
        "parse_pair('1,2', sep=',')",
        "parse_pair('3;4', sep=';')",
        "parse_pair('1;2', sep=',')",
    }
    first = next(t for t in tasks if t.task_id == "project/calc/core.py:scaled_sum/0/output")
    assert (
        first.meta["program"] == CORE
        and first.meta["source"] == "project"
        and first.meta["file"] == "calc/core.py"
    )
    raised = next(t for t in tasks if t.task_id == "project/calc/core.py:parse_pair/2/exception")
    assert raised.answer == "ValueError"


def test_ground_truth_is_what_the_functions_return(built: Any, project: Path) -> None:
    outputs = [t for t in built.tasks if t.kind == "output"]
    assert len(outputs) >= 10
    for task in outputs:
        module = task.meta["file"].removesuffix(".py").replace("/", ".")
        expected = _host_value(project, module, task.meta["input"])
        assert ast.literal_eval(task.answer) == expected, task.task_id


def test_failing_tests_and_untraceable_calls_are_reported(built: Any) -> None:
    assert built.dropped["project tests failed (the calls they made are kept)"] == 1
    assert built.dropped["project calls with non-literal arguments"] == 1  # describe(object())
    # calc/data.py needs __file__ at import: its call runs in the suite but cannot be traced alone
    assert built.dropped["calls not traced (error)"] == 1
    assert not any(t.meta["entry"] in ("where", "describe", "area") for t in built.tasks)


def test_builds_are_byte_identical(built: Any, project: Path, pool: Any, tmp_path: Path) -> None:
    write_tasks(built.tasks, tmp_path / "a.jsonl")
    write_tasks(build(str(project), pool=pool).tasks, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    ids = [json.loads(line)["task_id"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids))


def test_hostile_tests_neither_harm_nor_hang(
    tmp_path: Path, pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.txt"
    root = make_project(tmp_path / "proj", outside=outside)
    before = snapshot(root)
    monkeypatch.setattr(pp, "PER_TEST_TIMEOUT", 1.0)
    report = build(str(root), kinds=["output"], pool=pool)
    assert snapshot(root) == before and not outside.exists()
    inputs = {t.meta["input"] for t in report.tasks}
    assert "clamp(7, 0, 9)" not in inputs  # clamp already had its 5 calls from test_calc.py
    assert report.dropped["project tests failed (the calls they made are kept)"] == 2  # test_fails + the loop
    assert "scaled_sum([1, 2, 3], 100)" in inputs


def test_suite_budget_skips_the_rest(tmp_path: Path, pool: Any) -> None:
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text("def double(x):\n    return 2 * x\n")
    (root / "tests" / "test_mod.py").write_text(
        "import time\nfrom mod import double\n\n\ndef test_a():\n    time.sleep(0.6)\n    assert double(1) == 2\n\n\n"
        "def test_b():\n    assert double(2) == 4\n"
    )
    args = pp.suite_args(pp.read_project(root), budget=0.3, per_function=1)
    [result] = run_requests(
        [ExecRequest("", runner=pp.PYTEST_RUNNER, args=args, limits=Limits(timeout=60), guard=False)], pool
    )
    run = pp.parse_run(result.payload)
    assert run.stopped and run.passed == 1 and run.collected == 2
    assert [(c.file, c.function, c.args) for c in run.calls] == [("mod.py", "double", "1")]


def test_cli_builds_a_project(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tasks.jsonl"
    assert main(["build", str(project), "--kinds", "output", "--out", str(out), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "built " in err and "dropped: 1 project tests failed" in err
    assert all(
        json.loads(line)["task_id"].startswith("project/calc/") for line in out.read_text().splitlines()
    )


def test_directive_folders_stay_user_programs(tmp_path: Path, pool: Any) -> None:
    (tmp_path / "prog.py").write_text(
        "# execbench: entry=f\n# execbench: input=3\ndef f(n):\n    return n + 1\n"
    )
    (tmp_path / "test_prog.py").write_text("from prog import f\n\n\ndef test_f():\n    assert f(1) == 2\n")
    assert not pp.has_pytest_suite(tmp_path)
    tasks = build(str(tmp_path), kinds=["output"], pool=pool).tasks
    assert [t.task_id for t in tasks] == ["user/prog/0/output"]


def test_literal_rule() -> None:
    class Int(int):
        def __repr__(self) -> str:
            return "1"

    assert pp.literal_text([1, "a", (2.5, None), {"k": {True}}]) == "[1, 'a', (2.5, None), {'k': {True}}]"
    assert pp.literal_text(set()) == "set()"
    for bad in (float("nan"), float("inf"), Int(2), object(), [object()], frozenset({1}), "x" * 2000):
        assert pp.literal_text(bad) is None
    deep: list[Any] = []
    for _ in range(50):
        deep = [deep]
    assert pp.literal_text(deep) is None


def test_project_layout_helpers() -> None:
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/sub/__init__.py": "",
        "src/pkg/sub/m.py": "from ..a import x\n",
        "src/pkg/a.py": "import pkg.b\n",
        "src/pkg/b.py": "",
        "src/pkg/c.py": "",
        "tool.py": "",
        "tests/test_x.py": "",
        "tests/helpers.py": "",
    }
    assert pp.module_context(files, "src/pkg/sub/m.py") == ("src", "pkg.sub")
    assert pp.module_context(files, "tool.py") == ("", None)
    assert sorted(pp.closure(files, "src/pkg/sub/m.py")) == [
        "src/pkg/__init__.py",
        "src/pkg/a.py",
        "src/pkg/b.py",
        "src/pkg/sub/__init__.py",
        "src/pkg/sub/m.py",
    ]
    project = pp.Project("x", dict(files))
    assert "tests/helpers.py" not in project.modules() and project.roots() == ["", "src"]
    assert (
        pp.is_test_file("a/b_test.py")
        and pp.is_test_file("conftest.py")
        and not pp.is_test_file("contest.py")
    )
    assert (
        pp.parse_run("junk").calls == ()
        and pp.parse_run({"calls": [{"file": 1}], "passed": True}).passed == 0
    )


def test_trace_call_runs_a_module_in_its_package(project: Path) -> None:
    try:
        trace = trace_call(CORE, "scaled_sum", "[3]", package="calc", path=[str(project)])
    finally:
        for name in [n for n in sys.modules if n == "calc" or n.startswith("calc.")]:
            del sys.modules[name]
    assert trace.exception is None and trace.return_value is not None and trace.return_value["repr"] == "9"
    assert str(project) not in sys.path
    standalone = trace_call(CORE, "scaled_sum", "[3]")
    assert standalone.exception is not None and standalone.exception.phase == "module"


def test_decorated_generators_and_star_arguments(tmp_path: Path, pool: Any) -> None:
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text(
        "import functools\n\n\n@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\n"
        "def gen(n):\n    yield from range(n)\n\n\ndef pack(*xs, **kw):\n    return xs, kw\n"
    )
    (root / "tests" / "test_mod.py").write_text(
        "from mod import fib, gen, pack\n\n\ndef test_all():\n    assert fib(3) == 2\n    assert list(gen(2)) == [0, 1]\n"
        "    assert pack(1, 2, k=[3]) == ((1, 2), {'k': [3]})\n    assert pack(1, **{'not id': 1})\n"
    )
    args = pp.suite_args(pp.read_project(root), per_function=2)
    [result] = run_requests(
        [ExecRequest("", runner=pp.PYTEST_RUNNER, args=args, limits=Limits(timeout=60), guard=False)], pool
    )
    run = pp.parse_run(result.payload)
    assert run.passed == 1 and run.non_literal == 1  # pack(1, **{'not id': 1}) cannot be written as a call
    assert [(c.function, c.args) for c in run.calls] == [("fib", "1"), ("fib", "0"), ("pack", "1, 2, k=[3]")]


def test_pytest_usage_errors_are_reported(tmp_path: Path, pool: Any) -> None:
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text("def one():\n    return 1\n")
    (root / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\n")
    (root / "tests" / "test_mod.py").write_text(
        "from mod import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    report = build(str(root), pool=pool)
    assert report.tasks == [] and report.subjects == 0
    assert any("usage error" in reason for reason in report.dropped)

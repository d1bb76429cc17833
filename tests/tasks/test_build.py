"""``build_tasks``: the built-in suite offline, byte-identical files, dedup, variants, sources."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import execbench.datasets.builtin as builtin_module
from execbench.datasets.sources import parse_source
from execbench.datasets.variants import make_variants
from execbench.errors import UserError
from execbench.tasks import KINDS, SUITES, build, read_tasks, write_tasks
from execbench.tasks.kinds import TRACE_KINDS
from execbench.tasks.types import Task


@pytest.fixture(scope="module")
def builtin_tasks(pool: Any) -> list[Task]:
    return build("builtin", pool=pool).tasks


def test_builtin_covers_every_kind_and_construct(builtin_tasks: list[Task]) -> None:
    kinds = Counter(t.kind for t in builtin_tasks)
    assert set(kinds) == set(TRACE_KINDS)
    constructs = Counter(t.meta["constructs"][0] for t in builtin_tasks)
    assert len(constructs) == 10 and min(constructs.values()) > 100
    first = builtin_tasks[0]
    assert first.task_id.startswith("builtin/") and first.schema_version == 1
    assert set(first.meta) >= {
        "source",
        "program_id",
        "program",
        "entry",
        "input",
        "constructs",
        "provenance",
    }
    assert first.meta["provenance"]["python"].startswith("3.")


def test_builtin_ids_are_readable_and_unique(builtin_tasks: list[Task]) -> None:
    ids = [t.task_id for t in builtin_tasks]
    assert len(ids) == len(set(ids))
    state = next(t for t in builtin_tasks if t.kind == "state")
    construct, name = state.meta["program_id"].split("/")[1:]
    assert (
        state.task_id
        == f"builtin/{construct}/{name}/{state.meta['input_idx']}/state/{state.meta['line']}/{state.meta['var']}"
    )


def test_builtin_files_are_byte_identical(builtin_tasks: list[Task], pool: Any, tmp_path: Path) -> None:
    write_tasks(builtin_tasks, tmp_path / "a.jsonl")
    write_tasks(build("builtin", pool=pool).tasks, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert read_tasks(tmp_path / "a.jsonl") == builtin_tasks


def test_kinds_filter_and_user_files(tmp_path: Path, pool: Any) -> None:
    (tmp_path / "prog.py").write_text(
        "# execbench: entry=f\n# execbench: input=3\n# execbench: input=3\n"
        "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
    )
    report = build(str(tmp_path / "prog.py"), kinds=["output", "loop"], pool=pool)
    assert {t.kind for t in report.tasks} == {"output", "loop"}
    assert report.dropped.get("duplicate tasks") == 2  # the repeated input asks the same questions
    loop = next(t for t in report.tasks if t.kind == "loop")
    assert loop.answer == 3 and loop.meta["line"] == 3


def test_variants_are_deterministic_and_fresh(pool: Any) -> None:
    folder = Path(builtin_module.__file__).parent / "programs" / "recursion"
    a = build(str(folder), kinds=["output"], variants=2, seed=7, pool=pool).tasks
    b = build(str(folder), kinds=["output"], variants=2, seed=7, pool=pool).tasks
    assert a == b
    variants = [t for t in a if "~v" in t.task_id]
    assert len(variants) > 40
    originals = {t.meta["program_id"]: t.meta["program"] for t in a if "~v" not in t.task_id}
    for task in variants[:50]:
        assert (
            task.meta["variant_of"] in originals
            and task.meta["program"] != originals[task.meta["variant_of"]]
        )
        assert task.meta["mutations"]


def test_variant_rewrites() -> None:
    code = "def f(xs, k):\n    total = 0\n    for x in xs:\n        if x > 2:\n            total += x * k\n        else:\n            total -= 1\n    return total\n"
    out = make_variants(code, "f", ["[1, 5], 3"], 3, seed=1, key="t")
    assert out and all("def f(" in v.code for v in out)
    assert make_variants(code, "f", ["[1, 5], 3"], 3, seed=1, key="t") == out
    assert any("rename" in v.mutations for v in out)
    for v in out:
        compile(v.code, "<variant>", "exec")


def test_sources_and_suites() -> None:
    assert parse_source("builtin").name == "builtin"
    assert parse_source("reval:a.jsonl,b.jsonl").paths == ("a.jsonl", "b.jsonl")
    assert parse_source("cruxeval").paths == ()
    for bad in ("reval:a.jsonl", "coconut", "nonexistent/path.py", "builtin:x"):
        with pytest.raises(UserError):
            parse_source(bad)
    assert SUITES["cruxeval-o"] == ("cruxeval", ("output",)) and SUITES["humaneval"][1] == ("codegen",)
    assert all(k in KINDS for _, kinds in SUITES.values() for k in (kinds or ()))
    with pytest.raises(UserError, match="unknown task kind"):
        build("builtin", kinds=["outputs"])


def _head(source: Path, target: Path, n: int) -> Path:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt") as handle:
        target.write_text("".join(line for _, line in zip(range(n), handle, strict=False)))
    return target


def test_humaneval_inputs_and_codegen(shared_data: Path, pool: Any, tmp_path: Path) -> None:
    problems = _head(shared_data / "humaneval" / "HumanEval.jsonl.gz", tmp_path / "he.jsonl", 12)
    tasks = build(f"humaneval:{problems}", kinds=["output", "codegen"], pool=pool).tasks
    codegen = [t for t in tasks if t.kind == "codegen"]
    assert len(codegen) == 12 and codegen[0].task_id == "humaneval/0/codegen"
    outputs = {t.task_id: t for t in tasks if t.kind == "output"}
    # HumanEval/0's first test: candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True
    assert outputs["humaneval/0/0/output"].answer == "True"
    assert (
        outputs["humaneval/0/0/output"].meta["input"]
        == "has_close_elements([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3)"
    )


def test_ldb_seeds_give_tasks_on_buggy_code(shared_data: Path, pool: Any, tmp_path: Path) -> None:
    folder = tmp_path / "gpt-3.5-turbo-0613"
    folder.mkdir()
    seed = _head(
        shared_data / "ldb" / "humaneval" / "seed" / "gpt-3.5-turbo-0613" / "seed.jsonl",
        folder / "seed.jsonl",
        40,
    )
    tasks = build(f"ldb:{seed}", kinds=["exception", "output"], pool=pool).tasks
    unsolved = [t for t in tasks if t.meta.get("is_solved") is False]
    assert unsolved and any(t.kind == "exception" for t in unsolved)
    assert all(t.task_id.startswith("ldb/gpt-3.5-turbo-0613/humaneval/") for t in tasks)

"""``--python PATH``: DREval's programs that need packages, traced by a virtualenv's interpreter.

DREval's ClassEval half imports numpy (``<2``, as REval's programs expect), gensim and
BeautifulSoup with lxml. The virtualenv with them (made from this Python, ~300 MB with
scipy) lives under ``~/.cache/execbench/test-venvs`` and is reused across runs, so only the
first run pays its ~1 min install; the test is skipped when it cannot be made (no package
index).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from execbench.cli import main
from execbench.tasks import build
from execbench.tasks._exec import open_pool

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reval"
pytestmark = pytest.mark.skipif(not (DATA / "DREval_data.jsonl").is_file(), reason="REval files absent")
EXTRAS = ("numpy<2", "gensim", "beautifulsoup4", "lxml")  # what DREval's programs import
NEEDS = ("numpy", "gensim", "bs4")


@pytest.fixture(scope="module")
def venv_python() -> str:
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    root = Path.home() / ".cache" / "execbench" / "test-venvs" / f"numpy-{version}"
    python = root / "bin" / "python"
    check = [str(python), "-c", "import numpy, gensim, bs4, lxml; assert numpy.__version__ < '2'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    try:
        if not python.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(root)], check=True, capture_output=True, timeout=300
            )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *EXTRAS],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot make a virtualenv with {' '.join(EXTRAS)} here: {exc}")
    return str(python)


@pytest.fixture(scope="module")
def extras_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """DREval's programs that import numpy, gensim or bs4, renumbered into their own files."""
    data = [json.loads(x) for x in (DATA / "DREval_data.jsonl").open(encoding="utf-8")]
    tasks = [json.loads(x) for x in (DATA / "DREval_tasks.jsonl").open(encoding="utf-8")]
    keep = [
        i
        for i, row in enumerate(data)
        if any(f"import {m}" in row["code"] or f"from {m} " in row["code"] for m in NEEDS)
    ]
    assert len(keep) == 6  # DREval's ClassEval programs 106, 117, 122, 126, 127, 149
    root = tmp_path_factory.mktemp("dreval-extras")
    (root / "data.jsonl").write_text("".join(json.dumps(data[i]) + "\n" for i in keep))
    renumbered = [{**t, "idx": keep.index(t["idx"])} for t in tasks if t["idx"] in keep]
    (root / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in renumbered))
    return root / "data.jsonl", root / "tasks.jsonl"


def test_programs_needing_packages_need_the_environment(
    extras_files: tuple[Path, Path], venv_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, tasks = extras_files
    source = f"reval:{data},{tasks}"
    import importlib.util

    if importlib.util.find_spec("numpy") is None:  # execbench's own environment lacks numpy
        assert main(["build", source, "--out", str(tmp_path / "t.jsonl"), "--workers", "1"]) == 0
        err = capsys.readouterr().err
        assert "not traced: ModuleNotFoundError: numpy (" in err and "ModuleNotFoundError: gensim (" in err
    with open_pool(1, python=venv_python) as pool:
        report = build(source, pool=pool)
    assert report.failures == {} and report.dropped == {}
    reference = subprocess.run(
        [venv_python, str(Path(__file__).with_name("reval_reference.py")), str(data), str(tasks)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    expected = json.loads(reference.stdout)
    items = [t for t in report.tasks if t.kind != "output"]
    assert items and not any("error" in v for v in expected.values())
    for task in items:
        m = task.meta
        key = f"{m['program_id'].split('/')[1]}/{m['input_idx']}/{m['line']}/{m['var']}"
        assert expected[key][task.kind] == task.answer, task.task_id
    assert any("numpy" in str(t.answer) for t in items if t.kind == "state")
    traced = {t.meta["program_id"].split("/")[1] for t in items}
    assert len(traced) == 6  # every program, the gensim ones included


def test_bad_interpreter_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "builtin", "--python", "/nonexistent/python", "--out", "-"]) == 2
    assert capsys.readouterr().err.strip().startswith("execbench: error: --python /nonexistent/python")


def test_trace_runs_execbench_tracer_in_the_virtualenv(
    venv_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "np_sum.py"
    program.write_text("import numpy as np\n\n\ndef f(n):\n    a = np.arange(n)\n    return int(a.sum())\n")
    args = [
        "trace",
        str(program),
        "--entry",
        "f",
        "--call",
        "4",
        "--sandbox",
        "--json",
        "--python",
        venv_python,
    ]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "ok" and result["return"] == "6" and result["lines"] == [5, 6]


def test_other_python_version_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    import glob

    others = [
        p
        for p in sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*" / "bin" / "python3")))
        if f"/{sys.version_info[0]}.{sys.version_info[1]}." not in p
    ]
    if not others:
        pytest.skip("no other Python version installed here")
    assert main(["build", "builtin", "--python", others[0], "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "its workers need the same version" in err and err.count("\n") == 1

"""Fallback isolation levels never run programs as root or as the host's user, and programs
cannot read other processes' environments (API keys live there)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from execbench.errors import UserError
from execbench.sandbox import ExecRequest, SandboxPool, Status, detect_isolation
from execbench.sandbox import isolation as iso

PROBE = (
    "import glob, os\n"
    "readable = []\n"
    "for path in glob.glob('/proc/[0-9]*/environ'):\n"
    "    try:\n"
    "        if b'EXECBENCH_TEST_SECRET' in open(path, 'rb').read():\n"
    "            readable.append(path)\n"
    "    except OSError:\n"
    "        pass\n"
    "import decimal, xml.dom.minidom  # imports the worker did not preload\n"
    "print(os.getuid(), len(readable))\n"
)


def _available(level: str) -> None:
    if level not in detect_isolation().available:
        pytest.skip(f"{level} isolation is not available here")


def test_namespaces_runs_programs_unprivileged_with_a_closed_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _available("namespaces")
    monkeypatch.setenv("EXECBENCH_TEST_SECRET", "sk-do-not-leak")  # in the host's environ
    with SandboxPool(workers=1, isolation="namespaces") as pool:
        res = pool.run(ExecRequest(PROBE))
    assert res.status is Status.PASSED, res.stderr
    uid, readable = map(int, res.stdout.split())
    assert readable == 0
    if os.geteuid() == 0:
        assert uid != 0


def test_process_level_refuses_in_one_line_where_programs_would_keep_the_host_uid() -> None:
    weak = os.geteuid() != 0 or not iso.unprivileged_can_import()
    env = {k: v for k, v in os.environ.items() if k != iso.ALLOW_WEAK_ENV}
    env[iso.ENV_VAR] = "process"
    calls = '{"code": "def f():\\n    return 1\\n", "entry": "f"}\n'
    proc = subprocess.run(
        [sys.executable, "-m", "execbench", "trace", "--batch", "-"],
        input=calls,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if weak:
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "bubblewrap" in proc.stderr and "--allow-weak-isolation" in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr


def test_process_level_with_consent_or_a_reachable_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECBENCH_TEST_SECRET", "sk-do-not-leak")
    monkeypatch.delenv(iso.ALLOW_WEAK_ENV, raising=False)
    weak = os.geteuid() != 0 or not iso.unprivileged_can_import()
    if weak:
        with pytest.raises(UserError, match="bubblewrap"):
            SandboxPool(workers=1, isolation="process")
    with SandboxPool(workers=1, isolation="process", allow_weak_isolation=True) as pool:
        res = pool.run(ExecRequest(PROBE))
    assert res.status is Status.PASSED, res.stderr
    uid, readable = map(int, res.stdout.split())
    if not weak:  # root with an interpreter other users can read: an unprivileged uid
        assert uid != 0 and readable == 0


def test_closed_interpreter_paths_are_what_namespaces_binds_back() -> None:
    pairs = iso.closed_interpreter_paths()
    assert all(path == closed or path.startswith(closed + "/") for closed, path in pairs)
    if not iso.unprivileged_can_import():
        assert pairs or iso.interpreter_in_tmp()

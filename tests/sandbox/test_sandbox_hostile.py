"""The hostile corpus, with the reliability guard on and off: clean verdicts, intact host.

For every program: the status is one of the acceptable ones; after each, a trivial
program in the same pool sees a clean interpreter; after all, the canaries outside the
sandbox are unchanged, no process of any execution survives, the listener got nothing.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import ALL, CORPUS, HOST_TMP_CANARY, PREDICTIONS, QUICK_LIMITS, REPO_CANARY_DIR, REPO_DIR
from sandbox_support import job_processes

from execbench.sandbox import ExecRequest, Limits, SandboxPool, Status

CLEAN_CHECK = (
    "import builtins, os, sys\n"
    "assert len([1, 2]) == 2 and print is not None and builtins.__import__ is not None\n"
    "assert AssertionError.__name__ == 'AssertionError'\n"
    "assert os.kill.__module__ != 'posix' or True\n"
    "print('clean', os.getcwd())\n"
)


class _Listener:
    """A TCP server on 127.0.0.1 that records whatever reaches it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    self.received.append(conn.recv(100) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _repo_entries() -> list[str]:
    """The checkout's top-level entries, less what a concurrent test session may create there
    (CI runs the other interpreters' suites beside this one: hypothesis's example database)."""
    return sorted(name for name in os.listdir(REPO_DIR) if name != ".hypothesis")


@pytest.fixture
def canaries(pool: SandboxPool) -> Iterator[None]:
    weak = pool.isolation == "process"
    Path(HOST_TMP_CANARY).write_text("canary")
    os.chmod(HOST_TMP_CANARY, 0o644)
    os.makedirs(REPO_CANARY_DIR, exist_ok=True)
    Path(REPO_CANARY_DIR, "keep.txt").write_text("keep")
    repo_before = _repo_entries()
    yield
    try:
        assert Path(HOST_TMP_CANARY).read_text() == "canary"
        assert sorted(os.listdir(REPO_CANARY_DIR)) == ["keep.txt"]
        assert Path(REPO_CANARY_DIR, "keep.txt").read_text() == "keep"
        assert _repo_entries() == repo_before
        assert not os.path.exists("/pwned.txt")
        for d in ("/var/tmp", "/dev/shm", "/run/lock"):
            escaped = os.path.join(d, "execbench-escape.txt")
            if os.path.exists(escaped):  # only plain-process isolation lets this through
                os.unlink(escaped)
                assert weak, escaped
        assert "evil::" not in Path("/etc/passwd").read_text()
    finally:
        Path(HOST_TMP_CANARY).unlink(missing_ok=True)
        for name in os.listdir(REPO_CANARY_DIR):
            os.unlink(os.path.join(REPO_CANARY_DIR, name))
        os.rmdir(REPO_CANARY_DIR)


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CORPUS) >= 25 and len(PREDICTIONS) >= 5
    names = [h.name for h in ALL]
    assert len(names) == len(set(names))
    statuses = {s.value for s in Status}
    for h in ALL:
        assert h.expected and h.expected <= statuses, h.name
        assert h.acceptable(False) <= statuses and h.acceptable(True, "process") <= statuses, h.name


def _skip_if_unsafe(pool: SandboxPool) -> None:
    if pool.isolation == "process" and os.geteuid() != 0:
        pytest.skip("plain-process isolation without root cannot switch uid: the corpus would hit the host")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("guard", [True, False], ids=["guard", "no-guard"])
def test_corpus(pool: SandboxPool, canaries: None, guard: bool) -> None:
    _skip_if_unsafe(pool)
    listener = _Listener()
    try:
        reqs: list[ExecRequest] = []
        for h in ALL:
            limits = Limits(**{**QUICK_LIMITS, **h.limits})
            stdin = h.stdin.replace("{port}", str(listener.port))
            reqs.append(ExecRequest(h.code, limits=limits, stdin=stdin, guard=guard, id=h.name))
            reqs.append(ExecRequest(CLEAN_CHECK, guard=guard, id=f"clean-after-{h.name}"))
        start = time.monotonic()
        results = pool.map(reqs)
        elapsed = time.monotonic() - start
    finally:
        listener.close()
    wrong = []
    for h, res in zip(ALL, results[0::2], strict=True):
        ok = h.acceptable(guard, pool.isolation)
        if res.status.value not in ok:
            wrong.append(
                f"{h.name}: {res.status.value} not in {sorted(ok)} ({res.exception_type}: {res.exception_message})"
            )
    assert not wrong, "\n".join(wrong)
    for res in results[1::2]:
        assert res.status is Status.PASSED, (res.id, res.status, res.stderr[-500:])
        assert res.stdout.startswith("clean ")
    if pool.isolation != "process":
        assert listener.received == []
    assert job_processes(pool) == []
    assert elapsed < 120
    # the pool and the parent survived everything
    assert pool.run(ExecRequest("print(6 * 7)")).stdout == "42\n"


@pytest.mark.timeout(120)
def test_same_worker_sees_clean_interpreter_after_tampering() -> None:
    with SandboxPool(workers=1) as single:
        _skip_if_unsafe(single)
        tamper = next(h for h in CORPUS if h.name == "patch_builtins")
        for guard in (True, False):
            first, second = single.map([ExecRequest(tamper.code, guard=guard), ExecRequest(CLEAN_CHECK)])
            assert first.status is Status.PASSED
            assert second.status is Status.PASSED, second.stderr


@pytest.mark.timeout(120)
def test_no_survivors_right_after_leaving_processes(pool: SandboxPool) -> None:
    _skip_if_unsafe(pool)
    leavers = [h for h in CORPUS if h.name in ("popen_sleep", "setsid_double_fork", "fork_bomb_bounded")]
    for h in leavers:
        res = pool.run(ExecRequest(h.code, guard=False, limits=Limits(**{**QUICK_LIMITS, **h.limits})))
        assert res.status is Status.PASSED, (h.name, res)
        assert job_processes(pool) == [], h.name

"""The report channel: one sender, one report, bounded; the host reads it as untrusted input.

Unit tests drive :class:`ReportReader` with real processes writing to a real socket pair
(the sender check is the kernel's, so it is tested with real pids); the pool tests run the
channel attacks of the hostile corpus and check what each one gets.
"""

from __future__ import annotations

import logging
import os

import pytest
from hostile import CHANNEL, QUICK_LIMITS

from execbench.sandbox import ExecRequest, Limits, SandboxPool, Status
from execbench.sandbox.channel import CHUNK, ReportReader, report_messages, report_socketpair, send_report

NONCE = b"\x01" * 8


def _read_all(reader: ReportReader) -> None:
    reader.sock.setblocking(True)
    while not reader.eof:
        reader.feed()


def _child(fd: int, action: object) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked test child
        try:
            action()  # type: ignore[operator]
        finally:
            os._exit(0)
    return pid


def test_report_from_the_forked_child_is_read_whole() -> None:
    mine, theirs = report_socketpair()
    body = b'{"kind": "ok"}\n' + b"x" * (3 * CHUNK + 5)
    pid = _child(theirs, lambda: send_report(theirs, body, NONCE))
    os.close(theirs)
    reader = ReportReader(mine, pid, NONCE)
    _read_all(reader)
    os.waitpid(pid, 0)
    assert reader.body() == body and not reader.corrupt and reader.foreign == 0
    mine.close()


def test_descendants_cannot_add_or_corrupt_a_report() -> None:
    mine, theirs = report_socketpair()
    body = b'{"kind": "exception"}\n'

    def child() -> None:
        grandchild = os.fork()
        if grandchild == 0:
            # the exact frames of a passing report, nonce included, from another pid
            for message in report_messages(b'{"kind": "ok"}\n', NONCE):
                os.write(theirs, message)
            os._exit(0)
        os.waitpid(grandchild, 0)
        send_report(theirs, body, NONCE)

    pid = _child(theirs, child)
    os.close(theirs)
    reader = ReportReader(mine, pid, NONCE)
    _read_all(reader)
    os.waitpid(pid, 0)
    assert reader.body() == body and reader.foreign == 1
    mine.close()


def test_garbage_is_ignored_a_broken_sequence_is_corrupt_and_only_the_first_report_counts() -> None:
    mine, theirs = report_socketpair()
    first, second = report_messages(b"A" * (CHUNK + 1), NONCE)

    def child() -> None:
        os.write(theirs, b"garbage")
        os.write(theirs, b"EXR1" + b"\x02" * 8 + b"\x00" * 5 + b"other nonce")
        send_report(theirs, b"first", NONCE)
        send_report(theirs, b"second", NONCE)  # only once: ignored

    pid = _child(theirs, child)
    reader = ReportReader(mine, pid, NONCE)
    os.waitpid(pid, 0)  # a few small messages: they all fit in the socket buffer
    reader.feed()  # non-blocking: reads what is there
    assert reader.body() == b"first" and not reader.corrupt and not reader.eof

    pid = _child(theirs, lambda: (os.write(theirs, second), os.write(theirs, first)))
    os.close(theirs)
    broken = ReportReader(mine, pid, NONCE)
    _read_all(broken)
    os.waitpid(pid, 0)
    assert broken.corrupt and broken.body() is None
    mine.close()


def test_reader_stops_at_the_budget() -> None:
    mine, theirs = report_socketpair()
    pid = _child(theirs, lambda: [os.write(theirs, b"z" * 1000) for _ in range(100)])
    os.close(theirs)
    reader = ReportReader(mine, pid, NONCE)
    reader.sock.setblocking(True)
    reader.feed(budget=10_000)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    assert 10_000 < reader.received < 12_500
    mine.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("guard", [True, False], ids=["guard", "no-guard"])
def test_channel_attacks_get_the_programs_verdict(pool: SandboxPool, guard: bool) -> None:
    reqs = [
        ExecRequest(h.code, guard=guard, limits=Limits(**{**QUICK_LIMITS, **h.limits}), id=h.name)
        for h in CHANNEL
    ]
    wrong = []
    for h, res in zip(CHANNEL, pool.map(reqs), strict=True):
        if res.status.value not in h.acceptable(guard, pool.isolation):
            wrong.append(f"{h.name}: {res.status.value} ({res.exception_type}: {res.exception_message})")
        assert res.status is not Status.SANDBOX_ERROR, h.name
        assert len(res.exception_message or "") <= 4000, h.name
    assert not wrong, "\n".join(wrong)
    assert pool.run(ExecRequest("print(6 * 7)")).stdout == "42\n"


def test_huge_messages_are_cut_and_the_cut_is_recorded(pool: SandboxPool) -> None:
    res = pool.run(ExecRequest("raise ValueError('m' * 100_000)", limits=Limits(output_bytes=1000)))
    assert res.status is Status.FAILED and res.exception_message == "m" * 1000
    assert res.exception_message_truncated
    small = pool.run(ExecRequest("raise ValueError('short')"))
    assert small.exception_message == "short" and not small.exception_message_truncated


def test_the_report_counts_against_the_output_limit(pool: SandboxPool) -> None:
    ok = pool.run(ExecRequest("", runner="sandbox_runners:big", args={"n": 1000}))
    assert ok.passed and ok.payload == "x" * 1000
    res = pool.run(
        ExecRequest(
            "", runner="sandbox_runners:big", args={"n": 2_000_000}, limits=Limits(output_kill_bytes=10**6)
        )
    )
    assert res.status is Status.OUTPUT_LIMIT and res.payload is None


def test_an_undecodable_payload_is_the_programs_verdict(pool: SandboxPool) -> None:
    code = "import json\nclass E:\n    def encode(self, value):\n        return '{not json'\njson._default_encoder = E()\n"
    res = pool.run(ExecRequest(code, runner="sandbox_runners:exec_and_eval", args={"expr": "1"}))
    assert res.status is Status.CRASHED and "unreadable result" in (res.exception_message or "")


def test_sandbox_errors_are_retried_then_recorded_with_a_warning(
    pool: SandboxPool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="execbench.sandbox"):
        bad, good = pool.map(
            [ExecRequest("", runner="no_such_module:run", id="bad"), ExecRequest("print(1)")]
        )
    assert bad.status is Status.SANDBOX_ERROR and good.passed
    assert any("failed in the sandbox itself" in r.getMessage() for r in caplog.records)

"""The pool end to end: statuses, limits, output, stdin, runners, ordering, threads, recovery."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from execbench.sandbox import ExecRequest, ExecResult, Limits, SandboxPool, Status, execute
from execbench.sandbox.isolation import unprivileged_can_import

FAST = Limits(timeout=1.0)


def run(pool: SandboxPool, code: str, **kw: object) -> ExecResult:
    return pool.run(ExecRequest(code, **kw))  # type: ignore[arg-type]


# -- statuses ------------------------------------------------------------------------------


def test_passed_with_output_and_accounting(pool: SandboxPool) -> None:
    res = run(pool, "import sys\nprint('out')\nprint('err', file=sys.stderr)\n", id="p1")
    assert res.status is Status.PASSED and res.passed
    assert (res.stdout, res.stderr) == ("out\n", "err\n")
    assert res.exit_code == 0 and res.signal is None and res.payload is None
    assert res.id == "p1" and res.isolation == pool.isolation
    assert 0 < res.wall_time < 3 and res.cpu_time >= 0 and res.peak_memory_bytes > 0


def test_failed_reports_the_exception_and_a_clean_traceback(pool: SandboxPool) -> None:
    res = run(pool, "def f():\n    raise KeyError('k')\nf()\n")
    assert res.status is Status.FAILED
    assert (res.exception_type, res.exception_message) == ("KeyError", "'k'")
    assert res.stderr.startswith("Traceback") and 'File "<program>", line 2, in f' in res.stderr
    assert "_child.py" not in res.stderr


def test_syntax_error_is_failed(pool: SandboxPool) -> None:
    res = run(pool, "def (:\n")
    assert res.status is Status.FAILED and res.exception_type == "SyntaxError"


@pytest.mark.parametrize(
    ("code", "status", "etype"),
    [
        ("import sys; sys.exit(0)", Status.PASSED, None),
        ("import sys; sys.exit()", Status.PASSED, None),
        ("exit()", Status.PASSED, None),
        ("import sys; sys.exit(4)", Status.FAILED, "SystemExit"),
        ("import sys; sys.exit('bad')", Status.FAILED, "SystemExit"),
        ("import os; os._exit(0)", Status.CRASHED, None),
        ("import os; os._exit(5)", Status.CRASHED, None),
        ("import os; os.abort()", Status.CRASHED, None),
        ("import signal; signal.raise_signal(signal.SIGKILL)", Status.KILLED, None),
        ("import signal; signal.raise_signal(signal.SIGTERM)", Status.KILLED, None),
        ("raise MemoryError", Status.MEMORY, "MemoryError"),
    ],
)
def test_exit_and_death_mapping(pool: SandboxPool, code: str, status: Status, etype: str | None) -> None:
    res = run(pool, code, limits=FAST)
    assert res.status is status, res
    assert res.exception_type == etype


def test_exit_details(pool: SandboxPool) -> None:
    res = run(pool, "import os; os._exit(5)")
    assert res.exit_code == 5
    res = run(pool, "import sys; sys.exit('bad')")
    assert res.exception_message == "bad" and res.stderr == "bad\n"
    res = run(pool, "import signal; signal.raise_signal(signal.SIGTERM)")
    assert res.signal == signal.SIGTERM


# -- limits --------------------------------------------------------------------------------


def test_wall_clock_timeout(pool: SandboxPool) -> None:
    start = time.monotonic()
    res = run(pool, "import time\ntime.sleep(30)", limits=Limits(timeout=0.5))
    assert res.status is Status.TIMEOUT
    assert 0.5 <= res.wall_time < 5 and time.monotonic() - start < 10


def test_cpu_time_limit(pool: SandboxPool) -> None:
    res = run(pool, "while True: pass", limits=Limits(timeout=10, cpu_time=1))
    assert res.status is Status.TIMEOUT and res.signal in (signal.SIGXCPU, signal.SIGKILL)
    assert res.cpu_time >= 0.5  # tick-granular accounting


def test_memory_limit(pool: SandboxPool) -> None:
    res = run(pool, "x = bytearray(600 * 2**20)", limits=Limits(memory_bytes=256 * 2**20))
    assert res.status is Status.MEMORY
    res = run(pool, "x = bytearray(50 * 2**20)\nprint(len(x))", limits=Limits(memory_bytes=512 * 2**20))
    assert res.status is Status.PASSED


def _switches_uid(pool: SandboxPool) -> bool:
    """As root, programs run as an unprivileged uid -- except on the weaker levels when the
    interpreter sits where that uid could not import from (documented fallback)."""
    return os.geteuid() == 0 and (pool.isolation == "bwrap" or unprivileged_can_import())


def test_process_limit(pool: SandboxPool) -> None:
    code = (
        "import os, time\nn = 0\nfor _ in range(50):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
        "    n += 1\nprint(n)\n"
    )
    res = run(pool, code, guard=False, limits=Limits(timeout=5, max_processes=5))
    assert res.status is Status.PASSED
    if _switches_uid(pool):  # RLIMIT_NPROC does not bind root
        assert int(res.stdout) < 10


def test_open_files_and_file_size_limits(pool: SandboxPool) -> None:
    res = run(pool, "fs = [open(f'f{i}', 'w') for i in range(100)]", limits=Limits(max_open_files=20))
    assert res.status is Status.FAILED and res.exception_type == "OSError"
    res = run(pool, "open('big', 'wb').write(b'x' * 2**20)", limits=Limits(max_file_bytes=2**16))
    assert res.status is Status.FAILED and res.exception_type == "OSError"


def test_output_is_truncated_not_buffered(pool: SandboxPool) -> None:
    code = "import sys\nsys.stdout.write('a' * 100000)\nsys.stderr.write('b' * 100000)\n"
    res = run(pool, code, limits=Limits(output_bytes=1000))
    assert res.status is Status.PASSED
    assert res.stdout == "a" * 1000 and res.stdout_truncated
    assert res.stderr == "b" * 1000 and res.stderr_truncated
    res = run(pool, "print('x' * 10)", limits=Limits(output_bytes=1000))
    assert not res.stdout_truncated


def test_output_kill_limit(pool: SandboxPool) -> None:
    code = "import sys\nwhile True:\n    sys.stdout.write('z' * 65536)\n"
    res = run(pool, code, limits=Limits(output_bytes=10, output_kill_bytes=2**20))
    assert res.status is Status.OUTPUT_LIMIT and res.stdout == "z" * 10


def test_output_past_the_kill_limit_of_a_quick_program_is_still_output_limit(pool: SandboxPool) -> None:
    # Written and exited within the worker's first wait for the exit alone (it reads the
    # streams afterwards): the limit is judged on every byte all the same.
    res = run(pool, "print('q' * 5000)", limits=Limits(output_bytes=10, output_kill_bytes=1000))
    assert res.status is Status.OUTPUT_LIMIT and res.stdout == "q" * 10
    res = run(pool, "print('q' * 500)", limits=Limits(output_bytes=10, output_kill_bytes=1000))
    assert res.status is Status.PASSED and res.stdout_truncated


def test_defaults_match_the_anchors() -> None:
    assert Limits().timeout == 3.0 and ExecRequest("x").limits.timeout == 3.0


# -- environment of an execution -------------------------------------------------------------


def test_stdin(pool: SandboxPool) -> None:
    res = run(pool, "import sys\nprint(sys.stdin.read().upper(), end='')", stdin="héllo\nworld\n")
    assert res.stdout == "HÉLLO\nWORLD\n"
    assert run(pool, "print(repr(input()))", stdin="").exception_type == "EOFError"
    big = "x" * 300_000
    assert run(pool, "import sys; print(len(sys.stdin.read()))", stdin=big).stdout == "300000\n"


def test_fresh_private_working_directory(pool: SandboxPool) -> None:
    code = "import os\nprint(os.getcwd(), os.listdir('.'))\nopen('mine.txt', 'w').write('x')\n"
    first, second = (run(pool, code).stdout.split(" ", 1) for _ in range(2))
    assert first[1] == second[1] == "[]\n"
    assert first[0] != second[0]
    assert not os.path.exists(first[0]) or pool.isolation != "process"


def test_main_module_semantics(pool: SandboxPool) -> None:
    code = "import sys\nprint(__name__, sys.argv[0], __file__ if '__file__' in dir() else '-')\n"
    assert run(pool, code).stdout == "__main__ <program> -\n"


def test_walls_are_in_place_inside_the_runner(pool: SandboxPool) -> None:
    lim = Limits(memory_bytes=2**30, max_open_files=100)
    seen = pool.run(ExecRequest("", runner="sandbox_runners:walls", limits=lim)).payload
    assert seen["kill"] == "os.kill" and seen["pgid_is_pid"]
    assert seen["no_new_privs"] and seen["pdeathsig_set"]
    assert seen["as"] == 2**30 and seen["nofile"] == 100
    assert seen["fds"] == [0, 1, 2, 3, 4] or seen["fds"] == [0, 1, 2, 3]  # 4: listdir's own fd
    assert seen["cwd_entries"] == []
    if _switches_uid(pool):
        assert seen["uid"] != 0
    unguarded = pool.run(ExecRequest("", runner="sandbox_runners:walls", guard=False)).payload
    assert unguarded["kill"] == "kill"


def test_hash_seed_and_random_are_reproducible(pool: SandboxPool) -> None:
    code = "import random\nprint(hash('abc'), random.random())"
    outs = {run(pool, code).stdout for _ in range(4)}
    assert len(outs) == 1


# -- runners -------------------------------------------------------------------------------


def test_runner_payload(pool: SandboxPool) -> None:
    res = pool.run(ExecRequest("CODE", runner="sandbox_runners:echo", args={"a": [1, 2]}))
    assert res.status is Status.PASSED and res.payload == {"code": "CODE", "args": {"a": [1, 2]}}
    res = pool.run(ExecRequest("x = 20", runner="sandbox_runners:exec_and_eval", args={"expr": "x + 1"}))
    assert res.payload == 21


def test_runner_failures(pool: SandboxPool) -> None:
    res = pool.run(ExecRequest("c", runner="sandbox_runners:boom"))
    assert res.status is Status.FAILED and (res.exception_type, res.exception_message) == (
        "ValueError",
        "boom: c",
    )
    res = pool.run(ExecRequest("c", runner="sandbox_runners:not_json"))
    assert res.status is Status.FAILED and res.exception_type == "TypeError"
    for bad in ("no_such_module:f", "sandbox_runners:missing", "not-a-runner"):
        res = pool.run(ExecRequest("c", runner=bad))
        assert res.status is Status.SANDBOX_ERROR and bad in (res.exception_message or "")


def test_large_payload(pool: SandboxPool) -> None:
    res = pool.run(ExecRequest("", runner="sandbox_runners:big", args={"n": 3_000_000}))
    assert res.status is Status.PASSED and len(res.payload) == 3_000_000


# -- the pool ------------------------------------------------------------------------------


def test_map_keeps_order_and_imap_unordered_yields_all(pool: SandboxPool) -> None:
    reqs = [ExecRequest(f"print({i} * 2)", id=str(i)) for i in range(200)]
    results = pool.map(reqs)
    assert [r.stdout for r in results] == [f"{i * 2}\n" for i in range(200)]
    assert [r.id for r in results] == [str(i) for i in range(200)]
    pairs = list(pool.imap_unordered(reqs[:50]))
    assert sorted(i for i, _ in pairs) == list(range(50))
    assert all(r.stdout == f"{i * 2}\n" for i, r in pairs)
    assert pool.map([]) == []


def test_usable_from_many_threads(pool: SandboxPool) -> None:
    def work(i: int) -> str:
        return pool.run(ExecRequest(f"print({i})")).stdout

    with ThreadPoolExecutor(8) as ex:
        assert list(ex.map(work, range(40))) == [f"{i}\n" for i in range(40)]


def test_a_slow_execution_does_not_block_the_others(pool: SandboxPool) -> None:
    slow = pool.submit(ExecRequest("import time; time.sleep(2)", limits=Limits(timeout=5)))
    time.sleep(0.3)  # let it start: jobs queued together may share a batch (and wait in it)
    start = time.monotonic()
    fast = pool.map([ExecRequest("print(1)")] * 20)
    assert all(r.passed for r in fast) and time.monotonic() - start < 2
    assert slow.result(timeout=30).passed


def test_worker_death_gives_a_verdict_and_a_respawn() -> None:
    with SandboxPool(workers=1) as p:
        fut = p.submit(ExecRequest("import time; time.sleep(20)", limits=Limits(timeout=30)))
        time.sleep(0.5)
        proc = p._slots[0].proc
        assert proc is not None
        os.killpg(proc.pid, signal.SIGKILL)
        res = fut.result(timeout=30)
        assert res.status is Status.KILLED and "worker died" in (res.exception_message or "")
        assert p.run(ExecRequest("print('back')")).stdout == "back\n"


def test_close_is_idempotent_and_fails_queued_work() -> None:
    p = SandboxPool(workers=1)
    running = p.submit(ExecRequest("import time; time.sleep(20)", limits=Limits(timeout=30)))
    queued = p.submit(ExecRequest("print(1)"))
    time.sleep(0.3)
    start = time.monotonic()
    p.close()
    p.close()
    assert time.monotonic() - start < 15
    assert running.result(timeout=5).status is Status.SANDBOX_ERROR
    assert queued.result(timeout=5).status is Status.SANDBOX_ERROR
    assert p.run(ExecRequest("print(1)")).status is Status.SANDBOX_ERROR
    assert not any(slot.thread.is_alive() for slot in p._slots)


def test_execute_one_off() -> None:
    res = execute(ExecRequest("print(sum(range(5)))"))
    assert res.passed and res.stdout == "10\n"


@pytest.mark.parametrize("level", ["namespaces", "process"])
def test_forced_levels_work(level: str) -> None:
    from execbench.sandbox import detect_isolation

    if level not in detect_isolation().available:
        pytest.skip(f"{level} not available here")
    with SandboxPool(workers=1, isolation=level, allow_weak_isolation=True) as p:
        assert p.isolation == level
        res = p.run(ExecRequest("print(open('/etc/hostname').read() is not None)"))
        assert res.passed and res.isolation == level
        if level != "process":
            # /tmp is the worker's private tmpfs: a write is refused (unprivileged uid) or
            # lands there, never in the host's /tmp.
            name = f"/tmp/execbench-forced-{os.getpid()}"
            p.run(ExecRequest(f"open({name!r}, 'w').write('x')"))
            assert not os.path.exists(name)


def test_batch_mates_of_a_dead_worker_are_rerun_not_blamed() -> None:
    with SandboxPool(workers=1, isolation="process", allow_weak_isolation=True) as p:
        reqs = [ExecRequest("import time; time.sleep(1.5); print('slow')", limits=Limits(timeout=10))]
        reqs += [ExecRequest(f"print({i})") for i in range(19)]
        futures = [p.submit(r) for r in reqs]
        time.sleep(0.7)
        proc = p._slots[0].proc
        assert proc is not None
        os.kill(proc.pid, signal.SIGKILL)
        results = [f.result(timeout=60) for f in futures]
        # the job that was running when the worker died, alone in its batch, gets the verdict
        # only if it dies again; here it is simply re-run, like every batch mate
        assert [r.status for r in results[1:]] == [Status.PASSED] * 19
        assert results[0].status in (Status.PASSED, Status.KILLED)


def test_unresponsive_worker_is_killed_within_a_deadline(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from execbench.sandbox import pool as pool_module

    monkeypatch.setattr(pool_module, "_GRACE", 1.0)
    with SandboxPool(workers=1, isolation="process", allow_weak_isolation=True) as p:
        fut = p.submit(ExecRequest("print(1)", limits=Limits(timeout=0.5)))
        assert fut.result(timeout=30).passed
        proc = p._slots[0].proc
        assert proc is not None
        os.kill(proc.pid, signal.SIGSTOP)  # the worker hangs (the host must not)
        start = time.monotonic()
        with caplog.at_level("WARNING", logger="execbench.sandbox"):
            res = p.run(ExecRequest("print(2)", limits=Limits(timeout=0.5)))
        # execbench's failure, not the program's: retried once on a fresh worker
        assert res.passed and res.stdout == "2\n"
        assert not caplog.records
        assert time.monotonic() - start < 15
        assert p.run(ExecRequest("print(3)")).stdout == "3\n"


def test_workers_that_cannot_start_fail_jobs_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from execbench.sandbox import pool as pool_module

    def broken(level: str, extra: tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
        return ["/bin/sh", "-c", "echo 'bwrap: no permission to do the thing' >&2; exit 1"], {}

    monkeypatch.setattr(pool_module, "worker_command", broken)
    start = time.monotonic()
    with SandboxPool(workers=2) as p:
        res = p.run(ExecRequest("print(1)"))
    assert res.status is Status.SANDBOX_ERROR
    assert "no permission to do the thing" in (res.exception_message or "")
    assert time.monotonic() - start < 30


def test_a_profiled_pool_gives_the_same_results_and_says_where_the_time_went() -> None:
    programs = ["print(sum(range(10)))", "raise KeyError('k')", "x = sum(i * i for i in range(200000))"]
    with SandboxPool(workers=1, profile=True) as profiled:
        results = profiled.map([ExecRequest(code) for code in programs])
        summary = profiled.profile_summary(reset=True)
        assert profiled.profile_summary()["executions"] == 0
    assert [r.status for r in results] == [Status.PASSED, Status.FAILED, Status.PASSED]
    assert results[0].stdout == "45\n" and results[1].exception_type == "KeyError"
    assert summary["executions"] == 3
    phases = ("worker_prepare", "worker_fork", "worker_wait", "worker_finish", "child_setup", "child_run")
    assert all(summary[key] >= 0 for key in (*phases, "child_finish", "worker_faults", "child_faults"))
    assert summary["child_run"] > 0 and summary["child_setup"] > 0 and summary["worker_fork"] > 0
    # the busy program's run dominates the mean run time
    assert summary["child_run"] * 3 >= results[2].cpu_time * 0.5
    # page faults per phase: the worker's add up to its total, the child's to at most its own
    worker_phases = sum(summary[f"{phase}_faults"] for phase in phases[:4])
    assert worker_phases == pytest.approx(summary["worker_faults"])
    child_phases = [summary[f"child_{phase}_faults"] for phase in ("setup", "run", "finish")]
    assert all(v >= 0 for v in child_phases) and summary["child_setup_faults"] > 0
    assert sum(child_phases) <= summary["child_faults"] + 1e-9


def test_an_empty_or_full_run_directory_is_removed(tmp_path) -> None:
    from execbench.sandbox._reap import remove_tree

    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    (full / "sub" / "deeper").mkdir(parents=True)
    (full / "file").write_text("x")
    (full / "sub" / "deeper" / "file").write_text("y")
    (full / "link").symlink_to(tmp_path)
    for path in (empty, full, tmp_path / "missing"):
        remove_tree(str(path))
        assert not path.exists()
    assert tmp_path.exists()

"""Executions per second of trivial programs: the sandbox pool vs the alternatives.

Compares, in one run on this machine:

- ``pool``: ``SandboxPool.map`` (warm workers, a fork per execution) at the strongest
  isolation available (or ``--isolation``);
- ``subprocess``: one ``python -c`` interpreter per execution (the usual harness design),
  run with as many threads as there are cores;
- ``in-process``: ``exec`` in this process, no isolation at all (the ceiling).

Prints the median of ``--repeats`` runs for each, the ratios, and the CPU time the pool
spends per execution (host + workers + children): on a machine busy with other work the
wall-clock rate understates the pool, and cores / CPU-per-execution is the better figure.

Where that CPU time goes is measured in the same run by a profiled pool
(``SandboxPool(profile=True)``): **fork** (the worker's ``fork`` call: copying its page
tables), **setup** (the worker preparing the execution -- directory, pipes, report channel,
limits -- plus the child putting up its walls: process group, descriptors, rlimits, uid
switch), **run** (the child's runner), **teardown** (the child flushing, reporting and
exiting, plus the worker waiting, reaping, sweeping and removing the directory), and the
host's share (pool threads, frames, results). Beside it, the floor every fork-per-execution
design pays: a bare ``python -S`` forking a child that exits at once and reaping it, and
the same with the worker's heap (its modules imported, ``gc.freeze``d). The JSON line at
the end has every figure. Usage: ``python bench/sandbox_throughput.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from execbench.sandbox import ExecRequest, SandboxPool, Status
from execbench.sandbox._reap import proc_stat_fields

PROGRAM = "total = sum(range(10))\nprint(total)\n"


_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(roots: set[int]) -> float:
    """CPU seconds of the live processes below ``roots`` (inclusive), plus what they reaped.

    Workers may sit inside bubblewrap, whose processes do not all end up in this process's
    RUSAGE_CHILDREN; /proc sees them all.
    """
    stats = {
        pid: (int(fields[1]), sum(int(x) for x in fields[11:15]) / _TICK)  # utime stime cutime cstime
        for pid, fields in proc_stat_fields().items()
    }
    total = 0.0
    for pid, (_ppid, cpu) in stats.items():
        cur, hops = pid, 0
        while cur in stats and hops < 64:
            if cur in roots:
                total += cpu
                break
            cur, hops = stats[cur][0], hops + 1
    return total


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def bench_pool(
    n: int, repeats: int, isolation: str, workers: int | None, profile: bool = False
) -> tuple[list[float], float, str, dict[str, float]]:
    """Median-able rates, CPU seconds per execution (host + workers + children), the isolation
    level, and (``profile``) the pool's per-phase means (:meth:`SandboxPool.profile_summary`)."""
    rates = []
    with SandboxPool(workers=workers, isolation=isolation, profile=profile) as pool:
        level = pool.isolation
        pool.map([ExecRequest(PROGRAM)] * 50)
        pool.profile_summary(reset=True)
        roots = {slot.proc.pid for slot in pool._slots if slot.proc is not None}
        cpu_before = _own_cpu() + _tree_cpu(roots)
        for _ in range(repeats):
            start = time.perf_counter()
            results = pool.map([ExecRequest(PROGRAM)] * n)
            rates.append(n / (time.perf_counter() - start))
            bad = [r for r in results if r.status is not Status.PASSED or r.stdout != "45\n"]
            if bad:
                raise SystemExit(f"pool gave a wrong result: {bad[0]}")
        cpu_per_exec = (_own_cpu() + _tree_cpu(roots) - cpu_before) / (n * repeats)
        summary = pool.profile_summary() if profile else {}
    return rates, cpu_per_exec, level, summary


_FLOOR = """
import ctypes, gc, os
{imports}
libc = ctypes.CDLL(None)  # fork(2) without CPython's at-fork work, as the worker forks
libc.malloc_trim(0)
gc.collect(); gc.freeze()
n = {n}
for _ in range(20):
    pid = libc.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
t = os.times()
for _ in range(n):
    pid = libc.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
u = os.times()
anon = sum(int(line.split()[1]) for line in open("/proc/self/smaps") if line.startswith("Anonymous:"))
cpu = (u.user - t.user) + (u.system - t.system) + (u.children_user - t.children_user) + (u.children_system - t.children_system)
print(cpu / n, anon)
"""


def bench_fork_floor(n: int, heap: bool) -> tuple[float, int]:
    """CPU seconds per fork + ``_exit(0)`` + ``waitpid`` of a ``python -S`` process, bare or
    with the worker's heap (its own modules and the default preload imported, frozen); and
    the process's anonymous memory (kB), which the fork's cost grows with."""
    from execbench.sandbox import DEFAULT_PRELOAD
    from execbench.sandbox.isolation import worker_command

    modules = ("execbench.sandbox._worker", *DEFAULT_PRELOAD) if heap else ()
    imports = "".join(f"try:\n    import {m}\nexcept Exception:\n    pass\n" for m in modules)
    _argv, env = worker_command("process")
    out = subprocess.run(
        [sys.executable, "-S", "-c", _FLOOR.format(imports=imports, n=n)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env=env,
    )
    cpu, anon = out.stdout.split()
    return float(cpu), int(anon)


def bench_subprocess(n: int, repeats: int) -> list[float]:
    def one(_i: int) -> None:
        out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, timeout=30, check=True)
        assert out.stdout == b"45\n"

    rates = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
        for _ in range(repeats):
            start = time.perf_counter()
            list(ex.map(one, range(n)))
            rates.append(n / (time.perf_counter() - start))
    return rates


def bench_in_process(n: int, repeats: int) -> list[float]:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(PROGRAM, "<program>", "exec"), {"__name__": "__main__"})
        rates.append(n / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="executions per pool repeat")
    parser.add_argument("--subprocess-n", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--isolation", default="auto")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--floor-n", type=int, default=1000, help="forks per fork-floor measurement")
    args = parser.parse_args()

    pool_rates, cpu_per_exec, level, _ = bench_pool(args.n, args.repeats, args.isolation, args.workers)
    _, prof_cpu, _, prof = bench_pool(args.n, args.repeats, args.isolation, args.workers, profile=True)
    floors = [
        (bench_fork_floor(args.floor_n, False), bench_fork_floor(args.floor_n, True))
        for _ in range(args.repeats)
    ]
    bare = statistics.median(f[0][0] for f in floors)
    heap = statistics.median(f[1][0] for f in floors)
    bare_kb, heap_kb = floors[0][0][1], floors[0][1][1]
    sub_rates = bench_subprocess(args.subprocess_n, args.repeats)
    inproc_rates = bench_in_process(args.n, args.repeats)
    pool, sub, inproc = (statistics.median(r) for r in (pool_rates, sub_rates, inproc_rates))
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    split = _split(prof, prof_cpu)
    ms = {k: round(v * 1e3, 3) for k, v in split.items()}
    print(f"machine: {cores} cores, load average {load:.2f} (other work skews the figures)")
    print(f"pool ({level}, {args.workers or cores} workers): {pool:10.0f} exec/s")
    print(f"  CPU per execution (host + workers + children): {cpu_per_exec * 1e3:.2f} ms")
    print(f"  => on {cores} idle cores at most ~{cores / cpu_per_exec:.0f} exec/s (CPU-bound estimate)")
    print(
        f"  split (profiled run, {prof_cpu * 1e3:.2f} ms/exec): fork {ms['fork']:.2f} | setup {ms['setup']:.2f} "
        f"(worker {ms['setup_worker']:.2f}, child {ms['setup_child']:.2f}) | run {ms['run']:.2f} | "
        f"teardown {ms['teardown']:.2f} (child {ms['teardown_child']:.2f}, worker wait {ms['wait_worker']:.2f}, "
        f"finish {ms['finish_worker']:.2f}) | host and rest {ms['host']:.2f} ms"
    )
    print(
        f"  minor page faults per execution: worker {prof.get('worker_faults', 0):.0f}, "
        f"child {prof.get('child_faults', 0):.0f}"
    )
    print(
        f"fork+exit+wait floor (same run): bare python -S {bare * 1e3:.2f} ms CPU ({bare_kb} kB anonymous), "
        f"with the worker's heap {heap * 1e3:.2f} ms ({heap_kb} kB); pool / bare floor = {cpu_per_exec / bare:.2f}x"
    )
    print(f"subprocess per execution:          {sub:10.0f} exec/s")
    print(f"in-process exec (no isolation):    {inproc:10.0f} exec/s")
    print(f"pool / subprocess = {pool / sub:.1f}x   pool / in-process = {pool / inproc:.3f}x")
    print(
        json.dumps(
            {
                "isolation": level,
                "workers": args.workers or cores,
                "load": round(load, 2),
                "pool_exec_per_s": round(pool),
                "cpu_ms_per_exec": round(cpu_per_exec * 1e3, 3),
                "split_ms": ms,
                "faults": {k: round(v) for k, v in prof.items() if k.endswith("_faults")},
                "floor_bare_ms": round(bare * 1e3, 3),
                "floor_worker_heap_ms": round(heap * 1e3, 3),
                "subprocess_exec_per_s": round(sub, 1),
                "in_process_exec_per_s": round(inproc),
            }
        )
    )


def _split(prof: dict[str, float], total: float) -> dict[str, float]:
    """The profiled pool's means grouped as fork / setup / run / teardown / host (seconds)."""
    g = prof.get
    parts = {
        "fork": g("worker_fork", 0.0),
        "setup_worker": g("worker_prepare", 0.0),
        "setup_child": g("child_setup", 0.0),
        "run": g("child_run", 0.0),
        "teardown_child": g("child_finish", 0.0),
        "wait_worker": g("worker_wait", 0.0),
        "finish_worker": g("worker_finish", 0.0),
    }
    parts["setup"] = parts["setup_worker"] + parts["setup_child"]
    parts["teardown"] = parts["teardown_child"] + parts["wait_worker"] + parts["finish_worker"]
    parts["host"] = max(0.0, total - parts["fork"] - parts["setup"] - parts["run"] - parts["teardown"])
    return parts


if __name__ == "__main__":
    main()

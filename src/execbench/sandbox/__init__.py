"""The sandbox engine: run untrusted Python safely and fast, and say what happened.

Every execution runs in its own process, forked from a warm worker ("zygote") that was
started once, so an execution costs a fork, not an interpreter start::

    from execbench.sandbox import ExecRequest, SandboxPool

    with SandboxPool() as pool:                 # one worker per core
        res = pool.run(ExecRequest("print(1 + 1)"))
        res.status, res.stdout                  # (Status.PASSED, "2\\n")
        results = pool.map(requests)            # same order, in parallel
        for i, res in pool.imap_unordered(requests): ...   # as they finish
    execute(ExecRequest("print(1)"))            # one-off (starts a worker: slow)

Isolation levels (strongest available is used; ``isolation=`` or ``$EXECBENCH_ISOLATION``
forces one; a fallback is logged once and recorded in ``ExecResult.isolation``):

- ``bwrap``: each worker lives in a bubblewrap sandbox -- read-only ``/``, private
  ``/tmp``, no network, own pid namespace, killed with the host.
- ``namespaces``: ``unshare`` (mount, network, pid, ipc, uts); the worker remounts ``/``
  read-only and mounts a private ``/tmp``.
- ``process``: plain processes; rlimits and (as root) an unprivileged uid still apply,
  but the file system's world-writable places and the network are reachable.

No level runs a program as root. Interpreters installed under a directory other users
cannot enter (pyenv under ``/root``) would make every non-preloaded ``import`` fail for an
unprivileged uid: bwrap hides such directories behind an empty tmpfs and binds back just
the interpreter's paths, and the ``namespaces`` worker does the same in its own mount
namespace. ``process`` cannot: where it would keep the host's uid (the host is not root,
or the interpreter is closed) the pool refuses with one line saying how to get bubblewrap,
unless ``allow_weak_isolation=True`` (CLI ``--allow-weak-isolation``,
``$EXECBENCH_ALLOW_WEAK_ISOLATION=1``).

Threat model, per level. A program can always: use its CPU/memory/time/output budget,
change anything inside its own process (builtins, ``sys.modules``, execbench's modules,
the reporter), write into its own working directory, start processes up to
``max_processes``, and decide what its *own* process reports (see below). It cannot:

- outlive its execution, signal or ptrace the worker or the host (other uid, own process
  group, subreaper cleanup), regain privileges (no-new-privs), exceed its limits;
- add, corrupt or repeat a report: only the process the worker forked can report, once
  (:mod:`execbench.sandbox.channel`: the sender's pid comes from the kernel, messages are
  atomic, the first complete nonce-tagged report is the only one read). Descendants (forks
  by any route), threads writing to the descriptor, closing/``dup2``-ing it or sending
  garbage end as the program's own verdict (``crashed``/``failed``/``output_limit``),
  never ``sandbox_error``; every byte received counts against ``output_kill_bytes``;
- make the host misread its result: the host reads the report and the payload as
  untrusted input (typed, size-capped, texts cut and the cut recorded; an unreadable
  payload is ``crashed``), and so do the scorers/tracer above it;
- at ``bwrap``: see or change the host's files (read-only ``/``, private ``/tmp``, closed
  directories masked), reach the network, see other processes (own pid namespace);
- at ``namespaces``: the same, except that ``/`` is the host's, made read-only (the kernel
  may leave special mounts writable to root -- the program is not root);
- at ``process``: only what its unprivileged uid forbids: it can read world-readable host
  files, write world-writable places (``/tmp``), use the network and list processes, but
  not read other users' ``/proc/<pid>/environ`` (that check is by uid). Weak by design.

What a report means is a separate question: the nonce is in the reporting process's
memory, so a program written to forge its own report can find it. Judging must therefore
never rest on the report alone (the judging layer above the sandbox decides from plain data
the program cannot choose after the fact).

In every level the child of one execution: gets a fresh working directory (removed
afterwards), becomes its own process group, dies with its worker, switches to an
unprivileged uid of its own worker when running as root (so it can neither signal the
worker nor write anything it does not own; RLIMIT_NPROC then counts only its processes),
sets no-new-privs, and runs with the reliability guard (``guard=True``: destructive
``os``/``shutil``/``subprocess`` functions raise ``PermissionError``; defence in depth
only -- the walls hold with ``guard=False``). When it ends, every process it left behind
(including ``setsid``/double forks, caught by the worker being a child subreaper) is
killed before the result is returned.

What a program sees: ``__name__ == "__main__"``, ``sys.argv == ["<program>"]``, stdin from
``ExecRequest.stdin``, a scrubbed environment (no host secrets), ``PYTHONHASHSEED=0`` and an
unseeded ``random`` that starts from seed 0 (so outputs involving set order or random are
reproducible), the host's site-packages on ``sys.path`` (workers start with ``python -S``:
``.pth`` files are not run). Non-daemon threads are joined at the end, as the interpreter
does; ``atexit`` handlers and ``__del__`` at shutdown do not run (the process is discarded
once it has reported).

Limits (``Limits``): wall-clock ``timeout`` (default 3 s, as human-eval and CRUXEval),
``cpu_time`` (default timeout + 1 s), ``memory_bytes`` (address space), ``max_processes``,
``max_open_files``, ``max_file_bytes``; stdout and stderr keep their first
``output_bytes`` each (the rest is counted, not buffered); past ``output_kill_bytes`` in
total the execution is stopped.

Statuses (``Status``), decided in this order:

- ``output_limit``: more than ``output_kill_bytes`` of output (or an oversized runner result);
- ``timeout``: the wall-clock deadline passed, or the CPU limit hit (SIGXCPU, or SIGKILL
  at the hard CPU limit);
- ``passed``: the runner returned, or ``SystemExit`` with code 0/None;
- ``failed``: an exception escaped (``exception_type``/``exception_message``), including
  ``SystemExit`` with a non-zero code (type ``SystemExit``);
- ``memory``: ``MemoryError``, or death by a crash signal near the memory limit;
- ``crashed``: ended without reporting -- ``os._exit`` (even ``os._exit(0)``), segfault
  (e.g. a recursion bomb under ``sys.setrecursionlimit(10**6)``), abort;
- ``killed``: ended by a signal we did not send (e.g. it killed itself), or its worker
  died under it;
- ``sandbox_error``: execbench failed (a worker could not start, an unknown runner). The
  pool runs such an execution once more, alone; a second failure is its result, logged
  as a warning -- callers record it as that sample's verdict and go on.

Runners other than ``"exec"`` are named ``"package.module:function"``, imported once per
worker (``SandboxPool(pythonpath=...)`` adds import directories) and called as
``function(code, args)`` in the child after the walls are up; their JSON-able return
value is ``ExecResult.payload`` (counted, with the report header, against
``output_kill_bytes``; exception messages are cut to 4000 characters or ``output_bytes``,
``ExecResult.exception_message_truncated`` says so).

Threat model for verdicts -- what a program can and cannot do to its own verdict:

- **Inside its process it can do anything**: rebind harness globals (``_TimeLimitExceeded``,
  ``TIMED_OUT``), patch ``builtins``, ``sys.modules`` and execbench's own modules, walk
  ``sys._getframe().f_back`` or ``gc.get_objects()`` to the per-execution nonce and write a
  well-formed report to the report descriptor, return objects whose ``__eq__`` always says
  True, exit in any way. So a runner that executes a program next to the code deciding its
  verdict (the ``"exec"`` runner's status, the compat harness's ``"passed"``) yields a *claim*.
- **Verdicts are therefore decided outside it** (:mod:`execbench.judge`). A judged
  execution forks twice: the sandbox's child is the *judge*, which makes itself
  non-dumpable and forks the *candidate* before any model code exists; the candidate gets
  only a socket (on the report descriptor's number: the report pipe is closed in its
  process) and runs the program; the judge runs the trusted tests and asks the candidate
  for plain data -- returned values as exact builtin types, exceptions as type name and
  message. What the candidate sends is its answer; forging it is answering. (Batched
  strict judging, ``judge_strict``, lets the program's own execution report its answers to
  planned calls -- again only answers, never the expected values -- and replays the tests
  in a trusted execution.) Garbage,
  silence or death on the socket fails the sample. Strict judging runs no method of the
  program's objects in the judge; compat judging runs them in the candidate only (the
  program can lie about its own objects, as it can upstream). Compat scorers keep the
  in-process harness for upstream's exact result texts and let the judge confirm each
  ``passed`` that strict judging did not (:mod:`execbench.compat.judged`); CRUXEval
  ``assert <literal> == <literal>`` programs are decided from their text in the host.
- **Per isolation level.** ``bwrap`` and ``namespaces`` with an unprivileged uid: the
  candidate cannot read the judge's memory or descriptors (non-dumpable, no
  ``CAP_SYS_PTRACE``), cannot reach the worker or the host; it can kill or stop the judge
  (same uid), which only fails its own sample. Only under ``process`` isolation with
  ``--allow-weak-isolation`` where the program keeps the host's uid (root) does it hold
  ``CAP_SYS_PTRACE`` and could attach to its judge: that level is refused by default, and
  every result records its isolation. In every level nothing a program does reaches another
  execution's verdict or the host's (the host decodes payloads as untrusted JSON).

The host side never waits without a deadline: a worker that dies or stops answering is
killed and respawned, the execution it was running gets KILLED/SANDBOX_ERROR, and its
batch mates are re-run. Pools are thread-safe, context managers, and closed at exit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from execbench.sandbox.types import DEFAULT_TIMEOUT, ExecRequest, ExecResult, Limits, Status

if TYPE_CHECKING:
    from execbench.sandbox.isolation import IsolationInfo, detect_isolation
    from execbench.sandbox.pool import DEFAULT_PRELOAD, SandboxPool, execute

__all__ = [
    "DEFAULT_PRELOAD",
    "DEFAULT_TIMEOUT",
    "ExecRequest",
    "ExecResult",
    "IsolationInfo",
    "Limits",
    "SandboxPool",
    "Status",
    "detect_isolation",
    "execute",
]

# The pool side (threads, subprocess, logging) is imported on first use only: the worker
# imports this package too, and every module it holds is forked with each execution.
_LAZY = {
    "IsolationInfo": "execbench.sandbox.isolation",
    "detect_isolation": "execbench.sandbox.isolation",
    "DEFAULT_PRELOAD": "execbench.sandbox.pool",
    "SandboxPool": "execbench.sandbox.pool",
    "execute": "execbench.sandbox.pool",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'execbench.sandbox' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

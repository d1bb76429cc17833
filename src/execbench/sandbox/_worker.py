"""The warm worker ("zygote"): started once per pool slot, forks one child per execution.

Run as ``python -m execbench.sandbox._worker``, usually under bubblewrap or ``unshare``.
The host talks to it over its stdin/stdout (moved to private descriptors at start-up):
a config frame, then batches of ``(job_id, ExecRequest)``; it answers with result
records. It is single-threaded so that ``fork`` is safe, and a child subreaper so that
nothing a program starts can outlive the execution.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import posix
import random
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from execbench.sandbox import _linux
from execbench.sandbox._child import ChildSetup, prepare_stdio, rlimits_for, run_child, warm_up
from execbench.sandbox._profile import Profile
from execbench.sandbox._reap import kill_leftovers, reap_child, remove_tree
from execbench.sandbox.channel import ReportReader, report_socketpair
from execbench.sandbox.guard import apply_guard, remove_guard
from execbench.sandbox.outcome import RawOutcome, classify
from execbench.sandbox.protocol import (
    ChannelClosed,
    encode_records,
    loads_request_frame,
    read_frame,
    write_all,
)
from execbench.sandbox.types import ExecRequest, Limits, Status

__all__ = ["main", "Worker", "PAYLOAD_CAP"]

#: Largest report (header + runner result, JSON bytes) accepted from one execution when its
#: limits set no ``output_kill_bytes``; otherwise the report counts against that limit.
PAYLOAD_CAP = 512 * 1024**2
_FLUSH_EVERY = 0.01
#: How long the worker waits for the child's exit alone before it starts reading as it goes.
_QUIET_WAIT = 0.005
_MAX_HEADER = 64 * 1024
_READ = 1 << 16

Runner = Callable[[str, dict[str, Any]], Any]
Record = tuple[dict[str, Any], bytes | None]


class _Stream:
    """Keeps the first ``keep`` bytes of a stream and counts the rest."""

    __slots__ = ("keep", "data", "total")

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.keep - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @property
    def truncated(self) -> bool:
        return self.total > len(self.data)


class Worker:
    """One worker's state: config, runner cache, job counter."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.index: int = config["index"]
        self.level: str = config["level"]
        self.pid = os.getpid()
        self.own_pid_namespace = self.level in ("bwrap", "namespaces") and self.pid <= 2
        self.is_root = os.geteuid() == 0
        self.uid: int | None = config["uid"] if self.is_root else None
        self.nproc_base = 0 if self.is_root else int(config.get("nproc_base", 0))
        self.runners: dict[str, Runner | None] = {"exec": None}
        self.counter = 0
        self.keep_tmp = bool(config.get("keep_tmp"))
        self.tmp_root = self._make_tmp_root()
        self.devnull = os.open(os.devnull, os.O_RDONLY)
        self.profile: Profile | None = Profile() if config.get("profile") else None

    def _make_tmp_root(self) -> str:
        if self.level == "namespaces" and self.keep_tmp:
            with contextlib.suppress(OSError):
                os.chmod("/dev/shm", 0o711)
            return "/dev/shm"
        if self.level in ("bwrap", "namespaces"):
            # A private tmpfs: close it to the programs so nothing carries over between runs.
            with contextlib.suppress(OSError):
                os.chmod("/tmp", 0o711)
            with contextlib.suppress(OSError):
                os.chmod("/dev/shm", 0o755)
            return "/tmp"
        import tempfile

        root = tempfile.mkdtemp(prefix=f"execbench-w{self.index}-")
        os.chmod(root, 0o711)
        return root

    def cleanup(self) -> None:
        if self.level not in ("bwrap", "namespaces"):
            remove_tree(self.tmp_root)

    def resolve(self, name: str) -> Runner | None:
        if name in self.runners:
            return self.runners[name]
        module_name, sep, func_name = name.partition(":")
        if not sep or not module_name or not func_name:
            raise ValueError(f"runner {name!r} is not 'exec' or 'package.module:function'")
        remove_guard()  # the runner's own imports must see the real modules
        try:
            module = importlib.import_module(module_name)
        finally:
            apply_guard()
        func = getattr(module, func_name)
        if not callable(func):
            raise TypeError(f"runner {name!r} is not callable")
        self.runners[name] = func
        _settle_heap()  # the runner's modules join the frozen heap every fork shares
        return func

    # -- one execution -------------------------------------------------------------------

    def run(self, req: ExecRequest) -> Record:
        try:
            runner = self.resolve(req.runner)
        except Exception as exc:  # noqa: BLE001 - a bad runner name is the caller's error, as data
            return self._error_record(req, f"cannot load runner {req.runner!r}: {type(exc).__name__}: {exc}")
        self.counter += 1
        workdir = f"{self.tmp_root}/run-{self.index}-{self.counter}"
        prof = self.profile
        if prof is not None:
            prof.start()
        try:
            record = self._run_in(req, runner, workdir)
        except Exception as exc:  # noqa: BLE001 - never let one execution take the worker down
            return self._error_record(req, f"sandbox failure: {type(exc).__name__}: {exc}")
        finally:
            remove_tree(workdir)
        if prof is not None:
            record[0]["profile"] = prof.finish(record[0].get("cpu_time", 0.0))
        return record

    def _error_record(self, req: ExecRequest, message: str) -> Record:
        return (
            {"status": Status.SANDBOX_ERROR.value, "exception_message": message, "isolation": self.level},
            None,
        )

    def _run_in(self, req: ExecRequest, runner: Runner | None, workdir: str) -> Record:
        os.mkdir(workdir, 0o700)
        if self.uid is not None:
            posix.chown(workdir, self.uid, self.uid)
        if req.stdin:
            stdin_fd = os.memfd_create("stdin", 0)
            write_all(stdin_fd, req.stdin.encode("utf-8", errors="surrogateescape"))
            os.lseek(stdin_fd, 0, os.SEEK_SET)
        else:
            stdin_fd = self.devnull
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        rep_sock, rep_w = report_socketpair()
        rlimits = rlimits_for(req.limits, self.nproc_base)
        nonce = os.urandom(8)
        prof = self.profile
        stamps = None if prof is None else prof.stamps
        setup = ChildSetup(workdir, stdin_fd, out_w, err_w, rep_w, self.pid, self.uid, rlimits, nonce, stamps)
        if prof is not None:
            prof.mark("prepare")
        start = time.monotonic()
        pid = _linux.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which always _exits
            try:
                run_child(req, runner, setup)
            finally:
                os._exit(70)  # never return into the worker's code, whatever escaped
        if prof is not None:
            prof.mark("fork")
        for fd in (out_w, err_w, rep_w):
            os.close(fd)
        if stdin_fd != self.devnull:
            os.close(stdin_fd)
        with contextlib.suppress(OSError):
            posix.setpgid(pid, pid)
        try:
            return self._watch(req, pid, start, out_r, err_r, ReportReader(rep_sock, pid, nonce))
        finally:
            rep_sock.close()
            for fd in (out_r, err_r):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _watch(
        self, req: ExecRequest, pid: int, start: float, out_r: int, err_r: int, rep: ReportReader
    ) -> Record:
        lim: Limits = req.limits
        out, err = _Stream(lim.output_bytes), _Stream(lim.output_bytes)
        streams = {out_r: out, err_r: err}
        rep_fd = rep.sock.fileno()
        pidfd = os.pidfd_open(pid)
        open_fds = {out_r, err_r}
        deadline = start + lim.timeout
        kill_bytes = lim.output_kill_bytes
        report_cap = PAYLOAD_CAP if kill_bytes is None else kill_bytes
        timed_out = output_killed = too_large = exited = False
        end = start
        try:
            # Most executions end within a few milliseconds: wait for the exit alone first and
            # read everything afterwards (:meth:`_drain`), one wake-up instead of one per
            # stream. Meanwhile the child can fill at most the pipe and socket buffers (then
            # its writes block), so no limit is judged on less than the loop below would see.
            first = min(deadline - time.monotonic(), _QUIET_WAIT)
            if first > 0 and select.select([pidfd], [], [], first)[0]:
                exited = True
                end = time.monotonic()
            poller = select.poll()
            if not exited:
                for fd in (out_r, err_r, rep_fd, pidfd):
                    poller.register(fd, select.POLLIN)
            while not exited:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                for fd, _ev in poller.poll(left * 1000 + 1):
                    if fd == pidfd:
                        exited = True
                        end = time.monotonic()
                    elif fd == rep_fd:
                        rep.feed(report_cap)
                        if rep.eof:
                            poller.unregister(fd)
                    else:
                        chunk = os.read(fd, _READ)
                        if not chunk:
                            poller.unregister(fd)
                            open_fds.discard(fd)
                        else:
                            streams[fd].add(chunk)
                if kill_bytes is not None and out.total + err.total + rep.received > kill_bytes:
                    output_killed = True
                    break
                if rep.received > report_cap:
                    too_large = True
                    break
                if exited:
                    break
            if not exited:
                end = time.monotonic()
            with contextlib.suppress(OSError):
                posix.killpg(pid, signal.SIGKILL)
            status, rusage = reap_child(pid, pidfd)
            if self.profile is not None:
                self.profile.mark("wait", rusage)
        finally:
            os.close(pidfd)
        kill_leftovers(self.pid, self.uid, self.own_pid_namespace)
        if not (output_killed or too_large):
            self._drain(open_fds, streams, rep, report_cap)
            if kill_bytes is not None and out.total + err.total + rep.received > kill_bytes:
                output_killed = True
            too_large = rep.received > report_cap
        parsed, payload = _split_report(rep.body())
        cpu = (rusage.ru_utime + rusage.ru_stime) if rusage else 0.0
        peak = rusage.ru_maxrss * 1024 if rusage else 0
        raw = RawOutcome(parsed, status, timed_out, output_killed, too_large, cpu, peak, rep.corrupt)
        verdict = classify(raw, lim)
        header = {
            "status": verdict.status.value,
            "exception_type": verdict.exception_type,
            "exception_message": verdict.exception_message,
            "stdout": out.text(),
            "stderr": err.text(),
            "stdout_truncated": out.truncated,
            "stderr_truncated": err.truncated,
            "wall_time": end - start,
            "cpu_time": cpu,
            "peak_memory_bytes": peak,
            "exit_code": verdict.exit_code,
            "signal": verdict.signal,
            "isolation": self.level,
        }
        if verdict.message_truncated:
            header["exception_message_truncated"] = True
        keep_payload = verdict.status is Status.PASSED and parsed is not None and parsed.get("kind") == "ok"
        return header, (payload if keep_payload and payload else None)

    @staticmethod
    def _drain(open_fds: set[int], streams: dict[int, _Stream], rep: ReportReader, report_cap: int) -> None:
        """Read what is left in the pipes and the report channel; every writer is dead, so
        each ends in EOF (within a deadline all the same)."""
        deadline = time.monotonic() + 1.0
        rep_fd = rep.sock.fileno()
        while (open_fds or not rep.eof) and time.monotonic() < deadline:
            wanted = [*open_fds, *(() if rep.eof else (rep_fd,))]
            ready, _, _ = select.select(wanted, [], [], max(0.0, deadline - time.monotonic()))
            for fd in ready:
                if fd == rep_fd:
                    rep.feed(report_cap)
                    if rep.received > report_cap:
                        rep.eof = True
                    continue
                chunk = os.read(fd, _READ)
                if not chunk:
                    open_fds.discard(fd)
                else:
                    streams[fd].add(chunk)


def _split_report(body: bytes | None) -> tuple[dict[str, Any] | None, bytes]:
    """The child's header (a JSON object on the first line) and the payload bytes after it.

    The header is untrusted input: anything but a small JSON object is no report at all.
    """
    if body is None:
        return None, b""
    header_line, _, payload = body.partition(b"\n")
    if len(header_line) > _MAX_HEADER:
        return None, b""
    import json

    try:
        obj = json.loads(header_line)
    except (ValueError, RecursionError):
        return None, b""
    return (obj if isinstance(obj, dict) else None), payload


def _setup_namespaces(keep_tmp: bool, unmask: list[tuple[str, str]]) -> list[str]:
    """For the ``unshare`` level: private propagation, closed interpreter directories made
    reachable (:func:`_unmask`), read-only root, private /tmp (or, when the interpreter
    itself lives under /tmp, the host's /tmp read-only and a private /dev/shm to work in)."""
    problems = []
    if not _linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE):
        problems.append("could not make mounts private")
    problems += _unmask(unmask)
    if not _linux.make_mount_tree_readonly("/"):
        problems.append("could not make / read-only")
    for target in ("/dev/shm",) if keep_tmp else ("/tmp", "/dev/shm"):
        if os.path.isdir(target) and not _linux.mount(
            "tmpfs", target, "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, "mode=0711"
        ):
            problems.append(f"could not mount a private tmpfs on {target}")
    return problems


def _unmask(pairs: list[tuple[str, str]]) -> list[str]:
    """Hide each closed directory (e.g. ``/root``, mode 0700) behind an empty tmpfs and bind
    back, read-only later with the rest of ``/``, just the interpreter's paths under it, so
    that programs running as an unprivileged uid can import the standard library and see
    nothing else there (what bwrap's ``--tmpfs``/``--ro-bind`` do for the bwrap level).

    The paths are opened first: once the tmpfs is mounted they are reachable only through
    those descriptors, which is where they are bound from."""
    held: list[tuple[str, int]] = []
    for _closed, path in pairs:
        try:
            held.append((path, os.open(path, os.O_PATH | os.O_DIRECTORY)))
        except OSError:
            return [f"cannot open {path} to bind it for unprivileged programs"]
    problems = []
    try:
        for closed in sorted({c for c, _ in pairs}, key=lambda c: c.count("/")):
            if not _linux.mount("tmpfs", closed, "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, "mode=0755"):
                return [f"could not hide {closed} behind a tmpfs"]
        for path, fd in held:
            with contextlib.suppress(FileExistsError):
                os.makedirs(path, 0o755)
            if not _linux.mount(f"/proc/self/fd/{fd}", path, None, _linux.MS_BIND | _linux.MS_REC):
                problems.append(f"could not bind {path} for unprivileged programs")
    finally:
        for _path, fd in held:
            os.close(fd)
    return problems


def _settle_heap() -> None:
    """Freeze what is alive (children's collections then never write to it) and hand free
    heap pages back to the kernel: every page the worker maps is copied by each fork and
    torn down by each exit, used or not."""
    gc.collect()
    gc.freeze()
    _linux.trim_heap()


def _preload(modules: list[str]) -> list[str]:
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional modules (e.g. execbench.trace) may be missing
            failed.append(name)
    return failed


def _restore_site_builtins() -> None:
    """Workers run with ``-S`` (no .pth side effects, a smaller heap to fork); programs still
    expect the builtins ``site`` adds: ``exit``, ``quit``, ``help``, ``copyright``..."""
    import site

    for name in ("setquit", "setcopyright", "sethelper"):
        func = getattr(site, name, None)
        if func is not None:
            with contextlib.suppress(Exception):
                func()


def main() -> int:
    chan_in, chan_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    try:
        config = loads_request_frame(read_frame(chan_in))
    except ChannelClosed:
        return 0
    problems: list[str] = []
    if config["level"] == "namespaces":
        problems += _setup_namespaces(
            bool(config.get("keep_tmp")), [tuple(p) for p in config.get("unmask", [])]
        )
    if not _linux.set_child_subreaper():
        problems.append("could not become a child subreaper")
    if not _linux.set_no_new_privs():  # inherited by every child; bwrap sets it too
        problems.append("could not set no-new-privs")
    if config["level"] == "process":
        _linux.set_parent_death_signal(signal.SIGKILL)
    worker = Worker(config)
    failed = _preload(list(config["preload"]))
    _restore_site_builtins()
    prepare_stdio()
    warm_up()
    _linux.warm_up()
    # Children are forked without CPython's at-fork hooks, so they share this state:
    # a fixed seed makes programs that use ``random`` unseeded reproducible.
    random.seed(0)
    apply_guard()
    _settle_heap()
    ready = {
        "pid": worker.pid,
        "tmp_root": worker.tmp_root,
        "problems": problems,
        "preload_failed": failed,
        "python": sys.version,
    }
    write_all(chan_out, encode_records([(ready, None)]))
    try:
        while True:
            try:
                batch = loads_request_frame(read_frame(chan_in))
            except ChannelClosed:
                return 0
            pending: list[Record] = []
            last_flush = time.monotonic()
            for job_id, req in batch:
                header, payload = worker.run(req)
                header["id"] = job_id
                pending.append((header, payload))
                now = time.monotonic()
                if now - last_flush >= _FLUSH_EVERY:
                    write_all(chan_out, encode_records(pending))
                    pending, last_flush = [], now
            if pending:
                write_all(chan_out, encode_records(pending))
    finally:
        worker.cleanup()


if __name__ == "__main__":
    sys.exit(main())

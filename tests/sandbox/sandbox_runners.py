"""Runners for the sandbox tests, imported inside the workers (``pythonpath=[tests/sandbox]``)."""

from __future__ import annotations

import os
from typing import Any


def echo(code: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "args": args}


def boom(code: str, args: dict[str, Any]) -> None:
    raise ValueError(f"boom: {code}")


def not_json(code: str, args: dict[str, Any]) -> object:
    return object()


def big(code: str, args: dict[str, Any]) -> str:
    return "x" * int(args["n"])


def walls(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """What the child looks like from inside, after limits and guard are in place."""
    import resource

    return {
        "uid": os.getuid(),
        "cwd": os.getcwd(),
        "kill": getattr(os.kill, "__qualname__", ""),
        "as": resource.getrlimit(resource.RLIMIT_AS)[0],
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "pgid_is_pid": os.getpgid(0) == os.getpid(),
        "fds": sorted(int(x) for x in os.listdir("/proc/self/fd")),
        "cwd_entries": os.listdir("."),
        "no_new_privs": "NoNewPrivs:\t1" in open("/proc/self/status").read(),
        "pdeathsig_set": _pdeathsig() == 9,
    }


def exec_and_eval(code: str, args: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, "<program>", "exec"), namespace)
    return eval(args["expr"], namespace)


def _pdeathsig() -> int:
    import ctypes

    value = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return value.value

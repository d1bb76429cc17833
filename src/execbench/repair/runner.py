"""In-sandbox runner for visible tests, with LDB's executor semantics (stdlib only: it is
imported in the sandbox's warm workers).

For each test, ``"from typing import *\\n" + program + "\\n" + test`` is ``exec``-ed into one
namespace shared by that program's tests (LDB shares its executor module's globals across
*all* programs of a process; execbench shares only within one program, deliberately). A test
that raises is failing; its output is computed as LDB's ``get_output`` does: the program is
executed again into the namespace and the assert's left operand (or whole test expression)
is evaluated; ``str()`` of the value, ``str(exception)``, or ``""`` on a timeout.

Runs inside a disposable child: the program may do anything to this process; the host only
uses the returned list of ``[passed, output]`` pairs, validated as untrusted data.
"""

from __future__ import annotations

import ast
import contextlib
import io
import signal
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["run_visible", "RUNNER"]

RUNNER = "execbench.repair.runner:run_visible"
_MAX_OUTPUT = 20_000


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` in the program
    does not swallow it (LDB's thread timeout cannot be caught by the program either)."""


@contextlib.contextmanager
def _limit(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_text(test: str) -> str:
    node = ast.parse(test).body[0].test  # type: ignore[attr-defined]
    if isinstance(node, ast.Compare):
        node = node.left
    return ast.unparse(node)


def _output(program: str, test: str, namespace: dict[str, Any], timeout: float) -> str:
    try:
        with _limit(timeout):
            exec(compile("from typing import *\n" + program, "<string>", "exec"), namespace)
            value = eval(compile(_call_text(test), "<string>", "eval"), namespace)
            text = f"{value}"
    except _Timeout:
        return ""
    except Exception as exc:  # noqa: BLE001 - the program's failure is the output
        try:
            text = str(exc)
        except Exception:  # noqa: BLE001
            text = ""
    except BaseException:  # noqa: BLE001
        # SystemExit & co. end LDB's worker thread without a result; reading the missing
        # result is what LDB then reports.
        return "list index out of range"
    return text if isinstance(text, str) else ""


def run_visible(code: str, args: dict[str, Any]) -> list[list[Any]]:
    """``[[passed, output], ...]`` for ``args["tests"]`` run against program ``code``."""
    tests = list(args.get("tests", []))
    timeout = float(args.get("timeout", 1.0))
    sink = io.StringIO()
    out: list[list[Any]] = []
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        for test in tests:
            passed = True
            try:
                with _limit(timeout):
                    exec(compile(f"from typing import *\n{code}\n{test}", "<string>", "exec"), namespace)
            except BaseException:  # noqa: BLE001 - any failure fails the test, as in LDB
                passed = False
            sink.seek(0)
            sink.truncate()
            output = "" if passed else _output(code, test, namespace, timeout)
            out.append([passed, output[:_MAX_OUTPUT]])
    sys.stdout.flush()
    return out

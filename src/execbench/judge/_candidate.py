"""The candidate's side of a judged execution: run the program, answer requests with data.

Runs in the process the judge forks *before* any model code exists; it holds no report
descriptor (the judge closed every descriptor but the channel), so all it can ever do is
answer. Requests (see :mod:`execbench.judge._runner`):

``call``    call an object (a handle) with arguments -> its return value (or exception);
``do``      apply one operator (``eq``, ``len``, ``getattr``, ``add``, ...) to operands;
``eval``    evaluate an expression text in the program's namespace (CRUXEval's pasted asserts);
``exec``    run a span of the program's top-level statements;
``import``  bind a module the (trusted) test code imported, as the shared namespace would.

Every reply is plain data from :func:`execbench.judge.values.encode`; objects that are not
plain stay here behind a handle (an index into this process's table). Whatever the program
does to this process -- patch builtins, rebind these functions, hunt through ``gc`` -- it can
only change what is answered, which is its own answer anyway.
"""

from __future__ import annotations

import ast
import importlib
import operator
import posix
from typing import Any, NoReturn

from execbench.judge._channel import ChannelError, exception_data, recv, send
from execbench.judge.values import decode, encode

__all__ = ["serve"]

_exit = posix._exit

#: Operators the judge may ask for, applied here to the candidate's own objects.
_OPS: dict[str, Any] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "is": operator.is_, "is_not": operator.is_not,
    "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b,
    "truth": operator.truth, "len": len, "str": str, "repr": repr, "hash": hash,
    "getitem": operator.getitem, "getattr": getattr, "abs": abs, "neg": operator.neg,
    "pos": operator.pos, "invert": operator.invert, "add": operator.add, "sub": operator.sub,
    "mul": operator.mul, "truediv": operator.truediv, "floordiv": operator.floordiv,
    "mod": operator.mod, "pow": operator.pow, "and": operator.and_, "or": operator.or_,
    "xor": operator.xor, "lshift": operator.lshift, "rshift": operator.rshift,
    "matmul": operator.matmul, "float": float, "int": int, "index": operator.index,
    "complex": complex, "round": round, "list": list, "next": next, "iter": iter,
    "contains": operator.contains, "divmod": divmod,
}  # fmt: skip


class _State:
    def __init__(self, code: str) -> None:
        self.code = code
        self.namespace: dict[str, Any] = {}
        self.handles: list[Any] = []
        self.tree: ast.Module | None = None

    def handle_of(self, obj: Any) -> int:
        self.handles.append(obj)
        return len(self.handles) - 1

    def resolve(self, handle: Any, _name: str) -> Any:
        if type(handle) is not int or not 0 <= handle < len(self.handles):
            raise ValueError("unknown handle")
        return self.handles[handle]

    def value(self, tree: Any) -> Any:
        return decode(tree, self.resolve)

    def reply(self, value: Any) -> dict[str, Any]:
        return {"v": encode(value, self.handle_of)}


def _answer(state: _State, request: dict[str, Any]) -> dict[str, Any]:
    op = request["op"]
    ns = state.namespace
    if op == "call":
        target = state.resolve(request["h"], "")
        args = [state.value(a) for a in request["a"]]
        kwargs = {str(k): state.value(v) for k, v in request["k"]}
        result = target(*args, **kwargs)
        reply = state.reply(result)
        reply["m"] = [encode(a) if type(a) in (list, dict, set) else None for a in args]
        return reply
    if op == "do":
        fn = _OPS[request["f"]]
        return state.reply(fn(*[state.value(a) for a in request["a"]]))
    if op == "eval":
        return state.reply(eval(compile("(" + str(request["src"]) + "\n)", "<string>", "eval"), ns))
    if op == "exec":
        assert state.tree is not None
        start, end = int(request["span"][0]), int(request["span"][1])
        module = ast.Module(body=state.tree.body[start:end], type_ignores=[])
        exec(compile(module, "<string>", "exec"), ns)
        return {"v": ["N"]}
    if op == "import":
        ns[str(request["name"])] = importlib.import_module(str(request["module"]))
        return {"v": ["N"]}
    raise ValueError(f"unknown request {op!r}")


def _ready(state: _State, args: dict[str, Any]) -> dict[str, Any]:
    """Run the program's top level (``tests`` kind) or parse it (``assert`` kind)."""
    if args.get("kind") == "assert":
        state.tree = ast.parse(state.code)
        return {"ready": {}}
    exec(compile(state.code, "<string>", "exec"), state.namespace)
    entry = str(args.get("entry", ""))
    if args.get("mode") == "strict":
        target = state.namespace.get(entry, _MISSING)
        return {"ready": {entry: encode(target, state.handle_of)} if target is not _MISSING else {}}
    names = {
        name: encode(value, state.handle_of)
        for name, value in list(state.namespace.items())
        if type(name) is str and name != "__builtins__"
    }
    return {"ready": names}


_MISSING = object()


def serve(fd: int, code: str, args: dict[str, Any], setup: Any) -> NoReturn:
    """Answer the judge until it closes the channel; never returns."""
    state = _State(code)
    try:
        setup()
        message = _ready(state, args)
    except BaseException as exc:  # noqa: BLE001 - the program's failure is data for the judge
        message = {"top": exception_data(exc)}
    try:
        send(fd, message)
        if "top" in message:
            _exit(0)
        while True:
            request = recv(fd)
            try:
                reply = _answer(state, request)
            except BaseException as exc:  # noqa: BLE001
                reply = {"e": exception_data(exc)}
            send(fd, reply)
    except (ChannelError, OSError):
        _exit(0)
    except BaseException:  # noqa: BLE001
        _exit(1)
    _exit(0)

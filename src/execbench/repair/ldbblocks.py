"""LDB's basic blocks: the control-flow graph LDB builds with python_ta's CFG visitor
(``separate-condition-blocks``, astroid 2), re-implemented on :mod:`ast` from reading it.

What LDB's prompt depends on, per function (methods and nested functions included, the
module body excluded): the blocks in breadth-first order from the function's start, each
with its first statement's line, its last statement's end line, whether it has more than
one successor (a condition: only its entry state is shown) and its text (blocks with the
same text are kept once). Rules, as read:

- statements join the current block; ``if``/``while`` tests get a block of their own;
  a ``for`` puts its iterable at the end of the current block and its target in a block of
  its own (the loop's test); ``with`` adds its context expressions and targets to the
  current block and continues into its body;
- ``return``/``raise``/``break``/``continue`` end their block (a block ending in a jump
  takes no more statements and no more edges);
- ``try``/``except`` (no ``finally``) splits into the body, one block per handler (whose
  first statement is the handler's ``as`` name), ``else``; a ``try`` with ``finally``,
  ``match``, ``async`` statements and nested ``def``/``class`` are single statements;
- an empty block is merged into its successor (its incoming edges move there);
- a docstring is not a statement (astroid keeps it out of the body).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from execbench import _pyast

__all__ = ["LdbBlock", "ldb_blocks"]


@dataclass(frozen=True)
class LdbBlock:
    start: int
    """Line of the block's first statement."""
    end: int
    """End line of its last statement."""
    multi: bool
    """More than one successor (a condition)."""
    text: str
    """The block's text as LDB compares blocks (conditions as ``_cond = (...)``, the last
    ``return`` as ``_ret = ...``)."""
    last: ast.AST
    """Its last statement (or expression)."""


class _Stmt:
    __slots__ = ("node", "line", "end", "text", "is_args")

    def __init__(self, node: ast.AST | None, line: int, end: int, text: str, is_args: bool = False) -> None:
        self.node, self.line, self.end, self.text, self.is_args = node, line, end, text, is_args


class _Block:
    __slots__ = ("stmts", "succ", "pred")

    def __init__(self) -> None:
        self.stmts: list[_Stmt] = []
        self.succ: list[_Edge] = []
        self.pred: list[_Edge] = []

    def is_jump(self) -> bool:
        return bool(self.stmts) and isinstance(
            self.stmts[-1].node, ast.Return | ast.Raise | ast.Break | ast.Continue
        )

    def add(self, st: _Stmt) -> None:
        if not self.is_jump():
            self.stmts.append(st)


class _Edge:
    __slots__ = ("source", "target")

    def __init__(self, source: _Block, target: _Block) -> None:
        self.source, self.target = source, target
        source.succ.append(self)
        target.pred.append(self)


class _Cfg:
    def __init__(self) -> None:
        self.start = _Block()
        self.end = _Block()

    def create(self, pred: _Block | None = None) -> _Block:
        block = _Block()
        if pred is not None:
            self.link_or_merge(pred, block)
        return block

    @staticmethod
    def link(source: _Block, target: _Block) -> None:
        if not source.is_jump():
            _Edge(source, target)

    def link_or_merge(self, source: _Block, target: _Block) -> None:
        if source.is_jump():
            return
        if not source.stmts:
            if source is self.start:
                self.start = target
            else:
                for edge in source.pred:
                    edge.target = target
                    target.pred.append(edge)
        else:
            _Edge(source, target)

    def multiple_link_or_merge(self, source: _Block, targets: list[_Block]) -> None:
        if not source.stmts:
            for edge in source.pred:
                for t in targets:
                    _Edge(edge.source, t)
                edge.source.succ.remove(edge)
            source.pred = []
        else:
            for t in targets:
                self.link(source, t)


def _st(node: ast.AST) -> _Stmt:
    return _Stmt(node, node.lineno, node.end_lineno or node.lineno, ast.unparse(node))  # type: ignore[attr-defined]


def _no_doc(body: list[ast.stmt]) -> list[ast.stmt]:
    """astroid keeps a docstring out of the body (as ``doc_node``)."""
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


def _raise_name(node: ast.Raise) -> str:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            return f"Raise {sub.id}"
    return "Raise"


class _Visitor:
    def __init__(self) -> None:
        self.cfgs: list[_Cfg] = []
        self.cfg: _Cfg | None = None
        self.block: _Block | None = None
        self.bounds: list[dict[str, _Block]] = []

    def body(self, stmts: list[ast.stmt]) -> None:
        for s in stmts:
            self.visit(s)

    def generic(self, node: ast.AST) -> None:
        if self.block is not None:
            self.block.add(_st(node))

    def visit(self, node: ast.stmt) -> None:
        if isinstance(node, ast.FunctionDef):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.body(_no_doc(node.body))
        elif isinstance(node, ast.If):
            self.if_(node)
        elif isinstance(node, ast.While):
            self.while_(node)
        elif isinstance(node, ast.For):
            self.for_(node)
        elif isinstance(node, ast.Return | ast.Raise | ast.Break | ast.Continue):
            self.jump(node)
        elif isinstance(node, ast.Try) and not node.finalbody:
            self.try_(node)
        elif isinstance(node, ast.With):
            assert self.block is not None
            for item in node.items:
                self.block.add(_st(item.context_expr))
                if item.optional_vars is not None:
                    self.block.add(_st(item.optional_vars))
            self.body(node.body)
        else:
            self.generic(node)

    def function(self, func: ast.FunctionDef) -> None:
        if self.block is not None:
            self.block.add(_st(func))
        saved = (self.cfg, self.block)
        cfg = _Cfg()
        self.cfgs.append(cfg)
        self.cfg = cfg
        self.bounds.append({"Return": cfg.end, "Raise": cfg.end})
        cfg.start.add(_Stmt(func.args, func.lineno, func.lineno, "", is_args=True))
        self.block = cfg.create(cfg.start)
        self.body(_no_doc(func.body))
        self.bounds.pop()
        cfg.link_or_merge(self.block, cfg.end)
        self.cfg, self.block = saved

    def if_(self, node: ast.If) -> None:
        cfg, cur = self.cfg, self.block
        assert cfg is not None and cur is not None
        test = cfg.create(cur)
        test.add(_st(node.test))
        self.block = cfg.create(test)
        self.body(node.body)
        end_if = self.block
        if not node.orelse:
            end_else = test
        else:
            self.block = cfg.create(test)
            self.body(node.orelse)
            end_else = self.block
        after = cfg.create()
        cfg.link_or_merge(end_if, after)
        cfg.link_or_merge(end_else, after)
        self.block = after

    def while_(self, node: ast.While) -> None:
        self._loop(node, (), node.test)

    def for_(self, node: ast.For) -> None:
        self._loop(node, (node.iter,), node.target)

    def _loop(self, node: ast.While | ast.For, before: tuple[ast.AST, ...], head: ast.AST) -> None:
        """A loop: ``before`` ends the current block, ``head`` opens the test block that
        ``continue`` and the body's end return to; ``else`` runs when the test fails."""
        cfg, old = self.cfg, self.block
        assert cfg is not None and old is not None
        for expr in before:
            old.add(_st(expr))
        test = cfg.create()
        test.add(_st(head))
        cfg.link_or_merge(old, test)
        after = cfg.create()
        self.bounds.append({"Break": after, "Continue": test})
        self.block = cfg.create(test)
        self.body(node.body)
        cfg.link_or_merge(self.block, test)
        self.bounds.pop()
        self.block = cfg.create(test)
        self.body(node.orelse)
        cfg.link_or_merge(self.block, after)
        self.block = after

    def jump(self, node: ast.stmt) -> None:
        cfg, old = self.cfg, self.block
        if cfg is None or old is None:
            return
        kind = type(node).__name__
        for exits in reversed(self.bounds):
            if isinstance(node, ast.Raise) and _raise_name(node) in exits:
                cfg.link(old, exits[_raise_name(node)])
                old.add(_st(node))
                break
            if kind in exits:
                cfg.link(old, exits[kind])
                old.add(_st(node))
                break
        else:
            raise SyntaxError(f"'{kind}' outside {'function' if kind == 'Return' else 'loop'}")
        self.block = cfg.create()

    def try_(self, node: ast.Try) -> None:
        cfg = self.cfg
        assert cfg is not None and self.block is not None
        if self.block.stmts:
            self.block = cfg.create(self.block)
        node_block = self.block
        temp = cfg.create()
        end_block = cfg.create()
        self.bounds.append({"Raise": end_block})
        added = 1
        after_body: list[_Block] = []
        for handler in reversed(node.handlers):
            h = cfg.create()
            self.block = h
            names = [n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)] if handler.type else []
            if not names:
                self.bounds.append({"Raise": h})
                added += 1
            for name in names:
                self.bounds.append({f"Raise {name}": h})
                added += 1
            if handler.name is not None:
                h.add(_Stmt(None, handler.lineno, handler.lineno, handler.name))
            self.body(handler.body)
            cfg.link_or_merge(self.block, end_block)
            after_body.append(h)
        if not node.orelse:
            after_body.append(end_block)
        else:
            self.block = cfg.create()
            after_body.append(self.block)
            self.body(node.orelse)
            cfg.link_or_merge(self.block, end_block)
        self.block = node_block
        self.body(node.body)
        end_body = self.block
        for _ in range(added):
            self.bounds.pop()
        cfg.link_or_merge(temp, end_body)
        cfg.multiple_link_or_merge(end_body, after_body)
        self.block = end_block


def _text(block: _Block) -> str:
    texts = [s.text for s in block.stmts]
    last = block.stmts[-1]
    if len(block.succ) > 1:
        texts[-1] = texts[-1] if "_cond" in texts[-1] else f"_cond = ({texts[-1]})"
    if isinstance(last.node, ast.Return):
        texts[-1] = texts[-1].replace("return ", "_ret = ")
    return "\n".join(texts)


def ldb_blocks(source: str) -> list[LdbBlock]:
    """The blocks LDB divides ``source`` into (see the module docstring). Raises
    ``SyntaxError`` where LDB's division fails (unparsable source, a jump outside its scope)."""
    tree = _pyast.parse(source)
    visitor = _Visitor()
    visitor.cfg = _Cfg()  # the module's graph: built like LDB's, then left out
    visitor.block = visitor.cfg.start
    visitor.body(_no_doc(tree.body))
    out: list[LdbBlock] = []
    texts: set[str] = set()
    for cfg in visitor.cfgs:
        queue = [cfg.start]
        seen: set[int] = set()
        while queue:
            block = queue.pop(0)
            if block.stmts and not block.stmts[0].is_args:
                text = _text(block)
                if text not in texts:
                    texts.add(text)
                    last = block.stmts[-1]
                    out.append(
                        LdbBlock(
                            block.stmts[0].line, last.end, len(block.succ) > 1, text, last.node or ast.Pass()
                        )
                    )
            seen.add(id(block))
            queue.extend(e.target for e in block.succ if id(e.target) not in seen)
    return out

"""Fresh variants of a program: AST rewrites and resampled inputs, deterministic for a seed.

Published benchmarks leak into training data; a variant asks the same kind of question
about code no model has seen. Each variant applies, in order: renaming of local
identifiers, then a random subset of {reorder independent assignments, perturb integer
constants in comparisons and arithmetic, swap equivalent constructs (flip a comparison,
invert an if/else)}, and resamples literal inputs. Source is regenerated with
``ast.unparse``. Nothing here runs the program: the caller recomputes ground truth by
execution and drops variants that fail or change nothing.
"""

from __future__ import annotations

import ast
import builtins
import copy
import random
from collections.abc import Sequence
from dataclasses import dataclass

from execbench import _pyast

__all__ = ["Variant", "make_variants", "rename_locals", "resample_args"]

_NAMES = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "item",
    "acc",
    "cur",
    "tmp",
    "val",
    "idx",
    "node",
    "part",
    "res",
    "buf",
)
_FLIP = {
    ast.Lt: ast.Gt,
    ast.Gt: ast.Lt,
    ast.LtE: ast.GtE,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}
_DYNAMIC = {"eval", "exec", "locals", "globals", "vars", "getattr", "setattr", "__import__"}


@dataclass(frozen=True)
class Variant:
    code: str
    inputs: tuple[str, ...]
    mutations: tuple[str, ...]
    """What was applied, in order (e.g. ``rename``, ``reorder``, ``constants``, ``swap``, ``inputs``)."""


def _renameable(tree: ast.Module, entry: str) -> list[str]:
    """Local names safe to rename: parameters and stored names of functions, minus anything global-ish."""
    top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)}
    top |= {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    blocked = set(dir(builtins)) | top | {entry, "self", "cls"}
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global | ast.Nonlocal):
            blocked |= set(node.names)
        elif isinstance(node, ast.keyword) and node.arg:
            blocked.add(node.arg)
        elif isinstance(node, ast.Name) and node.id in _DYNAMIC:
            return []
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        elif isinstance(node, ast.ClassDef):
            # class bodies: their names become attributes; leave them alone
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                    blocked.add(inner.id)
    return sorted(local - blocked)


def rename_locals(tree: ast.Module, entry: str, rng: random.Random) -> bool:
    names = _renameable(tree, entry)
    if not names:
        return False
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)
    }
    pool = [n for n in _NAMES if n not in used]
    rng.shuffle(pool)
    mapping = {}
    for i, name in enumerate(names):
        mapping[name] = pool[i] if i < len(pool) else f"v{i}_{name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
        elif isinstance(node, ast.arg) and node.arg in mapping:
            node.arg = mapping[node.arg]
    return True


def _pure(expr: ast.expr) -> bool:
    return all(
        isinstance(
            n,
            ast.Name
            | ast.Constant
            | ast.BinOp
            | ast.UnaryOp
            | ast.operator
            | ast.unaryop
            | ast.expr_context
            | ast.Compare
            | ast.cmpop,
        )
        for n in ast.walk(expr)
    )


def _reads(expr: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}


def _reorder(tree: ast.Module, rng: random.Random) -> bool:
    spots = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for i in range(len(body) - 1):
                a, b = body[i], body[i + 1]
                if not (isinstance(a, ast.Assign) and isinstance(b, ast.Assign)):
                    continue
                if len(a.targets) != 1 or len(b.targets) != 1:
                    continue
                ta, tb = a.targets[0], b.targets[0]
                if not (isinstance(ta, ast.Name) and isinstance(tb, ast.Name)) or ta.id == tb.id:
                    continue
                if (
                    _pure(a.value)
                    and _pure(b.value)
                    and ta.id not in _reads(b.value)
                    and tb.id not in _reads(a.value)
                ):
                    spots.append((body, i))
    if not spots:
        return False
    body, i = rng.choice(spots)
    body[i], body[i + 1] = body[i + 1], body[i]
    return True


def _constants(tree: ast.Module, rng: random.Random) -> bool:
    spots = []
    for node in ast.walk(tree):
        operands = (
            node.comparators
            if isinstance(node, ast.Compare)
            else [node.right]
            if isinstance(node, ast.BinOp)
            else []
        )
        for operand in operands:
            if (
                isinstance(operand, ast.Constant)
                and type(operand.value) is int
                and 2 <= abs(operand.value) <= 1000
            ):
                spots.append(operand)
    if not spots:
        return False
    for const in rng.sample(spots, min(2, len(spots))):
        const.value = const.value + rng.choice((-1, 1))
    return True


def _swap(tree: ast.Module, rng: random.Random) -> bool:
    spots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _FLIP:
            spots.append(node)
        elif (
            isinstance(node, ast.If)
            and node.orelse
            and not (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If))
        ):
            spots.append(node)
    if not spots:
        return False
    node = rng.choice(spots)
    if isinstance(node, ast.Compare):
        node.left, node.comparators = node.comparators[0], [node.left]
        node.ops = [_FLIP[type(node.ops[0])]()]
    else:
        assert isinstance(node, ast.If)
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        node.body, node.orelse = node.orelse, node.body
    return True


def resample_args(args: str, rng: random.Random) -> str:
    """Perturb the literal numbers and strings of an argument text; non-literal parts stay."""
    try:
        call = _pyast.parse(f"_({args})", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return args
    assert isinstance(call, ast.Call)
    changed = False
    for node in ast.walk(call):
        if not isinstance(node, ast.Constant) or rng.random() < 0.5:
            continue
        if type(node.value) is int:
            node.value += rng.choice((-2, -1, 1, 2))
            changed = True
        elif type(node.value) is float:
            node.value = round(node.value + rng.choice((-0.5, 0.5)), 6)
            changed = True
        elif type(node.value) is str and len(node.value) > 1:
            chars = list(node.value)
            i = rng.randrange(len(chars))
            chars[i] = rng.choice("abcxyz")
            node.value = "".join(chars)
            changed = True
    if not changed:
        return args
    parts = [ast.unparse(a) for a in call.args] + [ast.unparse(k) for k in call.keywords]
    return ", ".join(parts)


def make_variants(
    code: str, entry: str, inputs: Sequence[str], n: int, *, seed: int, key: str
) -> list[Variant]:
    """Up to ``n`` distinct variants (fewer when rewrites run out); ``key`` names the program in the seed."""
    try:
        original = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    base = ast.unparse(original)
    seen = {(base, tuple(inputs))}
    out: list[Variant] = []
    for k in range(n * 3):
        if len(out) >= n:
            break
        rng = random.Random(f"{seed}\0{key}\0{k}")
        tree = copy.deepcopy(original)
        applied = ["rename"] if rename_locals(tree, entry, rng) else []
        for name, rewrite in (("reorder", _reorder), ("constants", _constants), ("swap", _swap)):
            if rng.random() < 0.5 and rewrite(tree, rng):
                applied.append(name)
        new_inputs = tuple(resample_args(a, rng) for a in inputs)
        if new_inputs != tuple(inputs):
            applied.append("inputs")
        try:
            text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
            compile(text, "<variant>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        key_seen = (text.rstrip("\n"), new_inputs)
        if key_seen in seen or not applied:
            continue
        seen.add(key_seen)
        out.append(Variant(text, new_inputs, tuple(applied)))
    return out

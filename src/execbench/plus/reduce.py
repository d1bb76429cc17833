"""``--reduce``: a smaller suite with the same coverage facts and the same mutant-killing power.

EvalPlus's "mini" suites keep, by greedy set cover, the inputs needed to preserve branch
coverage and the kills of wrong programs. Here the wrong programs are mutants of the
reference made by rewriting its syntax tree in the host (comparison, arithmetic and
boolean operators swapped, integer constants moved by one, ``return`` values negated --
text only, nothing is executed here); they run in the sandbox on every kept input. The
universe to cover is every coverage fact of every kept input plus every (mutant) a kept
input kills; inputs are chosen greedily (most new elements, then earliest).
"""

from __future__ import annotations

import ast
import random
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from execbench import _pyast
from execbench.plus.execute import Job, run_jobs
from execbench.plus.judge import outputs_match, read_literal

__all__ = ["mutants", "greedy_cover", "reduce_tasks"]

_MAX_MUTANTS = 24
_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.And: ast.Or, ast.Or: ast.And,
}  # fmt: skip


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            yield node, "cmp"
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in _SWAPS:
            yield node, "op"
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, "const"


def mutants(code: str, rng: random.Random, limit: int = _MAX_MUTANTS) -> list[str]:
    """Up to ``limit`` distinct one-change mutants of ``code`` (source text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _mutants(code, rng, limit)


def _mutants(code: str, rng: random.Random, limit: int) -> list[str]:
    try:
        count = sum(1 for _ in _sites(_pyast.parse(code)))
    except (SyntaxError, ValueError):
        return []
    order = list(range(count))
    rng.shuffle(order)
    out: list[str] = []
    original = ast.unparse(_pyast.parse(code))
    for index in order[: limit * 2]:
        tree = _pyast.parse(code)
        node, kind = list(_sites(tree))[index]
        if kind == "cmp":
            assert isinstance(node, ast.Compare)
            node.ops = [_SWAPS.get(type(op), ast.Eq)() for op in node.ops]
        elif kind == "op":
            node.op = _SWAPS[type(node.op)]()  # type: ignore[attr-defined]
        else:
            node.value = node.value + 1  # type: ignore[attr-defined]
        text = ast.unparse(tree)
        if text != original and text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return out


def greedy_cover(universe_per_input: Sequence[frozenset[str]]) -> list[int]:
    """Indices of a small subset covering the union of all sets (greedy, ties -> earliest)."""
    left = set().union(*universe_per_input) if universe_per_input else set()
    chosen: list[int] = []
    while left:
        best = max(range(len(universe_per_input)), key=lambda i: (len(universe_per_input[i] & left), -i))
        gain = universe_per_input[best] & left
        if not gain:
            break
        chosen.append(best)
        left -= gain
    return sorted(chosen)


def reduce_tasks(tasks: Sequence[Any], config: Any, pool: Any) -> None:
    """Replace each task's corpus by its greedy cover (see the module docstring)."""
    plans = []
    for task in tasks:
        if len(task.corpus) < 2:
            continue
        texts = tuple(e.text for e in task.corpus)
        for m in mutants(task.code, random.Random(task.problem.task_id)):
            plans.append((task, Job(m, task.problem.entry_point, texts, timeout=config.timeout, total=10.0)))
    kills: dict[int, list[set[str]]] = {}
    for n, ((task, _), batch) in enumerate(zip(plans, run_jobs(pool, [p[1] for p in plans]), strict=True)):
        per = kills.setdefault(id(task), [set() for _ in task.corpus])
        for i, entry in enumerate(task.corpus):
            row = batch.results[i] if i < len(batch.results) else {}
            same = row.get("status") == "ok" and outputs_match(
                read_literal(row.get("out")), read_literal(entry.out), 1e-6
            )
            if not same:
                per[i].add(f"mutant{n}")
    for task in tasks:
        if len(task.corpus) < 2:
            continue
        per = kills.get(id(task), [set() for _ in task.corpus])
        universe = [frozenset(e.feats | per[i]) for i, e in enumerate(task.corpus)]
        keep = greedy_cover(universe)
        for i in keep:
            entry = task.corpus[i]
            entry.why += f"; kept by --reduce ({len(per[i])} mutant kills)"
        task.rejected["dropped by --reduce"] += len(task.corpus) - len(keep)
        task.corpus = [task.corpus[i] for i in keep]

"""One task's state in the augmenter, and how candidates are proposed and checked for validity.

Split from :mod:`execbench.plus.augment` (the orchestration: seeds, rounds, the pool, the
record): the per-task corpus and coverage, candidate proposal by mutation and sampling, and
the validity rules that need the seeds' answers (order-free arguments, a validator's
accepted forms). Pure: nothing here runs anything.
"""

from __future__ import annotations

import ast
import hashlib
import random
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from execbench import _pyast
from execbench.datasets.humaneval import Problem
from execbench.plus.mutate import mutate_args, sample_value
from execbench.plus.seeds import args_text
from execbench.plus.shape import Shape, Signature, conforms, digit_runs, skeleton

__all__ = [
    "Entry",
    "Task",
    "accepted_forms",
    "code_constants",
    "forms",
    "free_shape",
    "order_free",
    "pick_parent",
    "propose",
    "task_rng",
]

BATCH = 48
"""Candidates proposed per task per round."""


@dataclass
class Entry:
    text: str
    args: list[Any]
    out: str
    origin: str
    why: str
    new: int = 0
    picked: int = 0
    feats: frozenset[str] = frozenset()


@dataclass
class Task:
    problem: Problem
    code: str
    sig: Signature
    rng: random.Random
    contract: str | None
    left: int
    corpus: list[Entry] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    covered: set[str] = field(default_factory=set)
    rejected: Counter[str] = field(default_factory=Counter)
    evaluated: int = 0
    pending: list[tuple[str, list[Any], str]] = field(default_factory=list)
    idle: int = 0
    done: bool = False
    truncated: bool = False
    error: str | None = None
    probe: tuple[int, ...] = ()
    """List/tuple argument positions whose order the seeds are asked about (first round)."""
    order_free: tuple[int, ...] | None = None
    """Positions whose order no seed's answer depends on (``None`` until the seeds ran)."""
    relaxed: Signature | None = None
    """For validators: the signature with structured strings freed (any letters, digits and
    the seeds' punctuation, any structure); candidates only it admits are kept if rejected."""
    outside: set[str] = field(default_factory=set)
    """Candidates (text) that fit ``relaxed`` but not ``sig``."""
    accepted: frozenset[tuple[Any, ...]] | None = None
    """For validators (every seed answers a bool, some ``True``): the forms of the structured
    string arguments of the seeds answered ``True`` (see :func:`forms`)."""


def task_rng(seed: int, task_id: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{task_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def code_constants(code: str, limit: int = 40) -> tuple[int | float, ...]:
    """The numeric literals of the reference's code (its thresholds: ``29`` in ``day > 29``),
    in order of appearance, for :func:`execbench.plus.mutate.mutate_args`."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return ()
    seen: dict[Any, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) and abs(node.value) < 10**9:
            seen.setdefault(node.value, None)
    return tuple(seen)[:limit]


def pick_parent(task: Task) -> Entry:
    weights = [(1 + 3 * e.new) / (1 + e.picked) for e in task.corpus]
    parent = task.rng.choices(task.corpus, weights=weights)[0]
    parent.picked += 1
    return parent


def propose(task: Task) -> None:
    """Fill ``task.pending`` with up to one batch of fresh, shape-valid candidates."""
    tries = 0
    want = min(BATCH, task.left)
    sig = task.relaxed if task.relaxed is not None and task.rng.random() < 0.3 else task.sig
    while len(task.pending) < want and tries < want * 8:
        tries += 1
        if not task.corpus or task.rng.random() < 0.15:
            args = [sample_value(shape, task.rng) for shape in sig.args]
            origin = "random"
        else:
            args = mutate_args(pick_parent(task).args, sig, task.rng)
            origin = "mutation"
        try:
            text = args_text(args)
            if _pyast.literal_eval(text) != args:
                continue
        except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
            continue
        if text in task.seen:
            continue
        task.seen.add(text)
        why = conforms(args, task.sig)
        if why is not None and task.relaxed is not None and conforms(args, task.relaxed) is None:
            task.outside.add(text)
            why = None
        if why is not None:
            task.rejected["shape: " + why.split(":", 1)[-1].strip().split(" (")[0][:60]] += 1
            continue
        task.pending.append((text, args, origin))


def order_free(
    task: Task, batch: Sequence[tuple[str, list[Any], str]], rows: Sequence[dict[str, Any]]
) -> tuple[int, ...]:
    """Probed positions where no seed's answer changed with the order and at least two seeds
    had two or more distinct elements there (else the seeds say nothing about order)."""
    free = []
    for pos in task.probe:
        varied = any(pos in (row.get("perm_varies") or ()) for row in rows)
        telling = sum(
            1
            for (_, args, _), row in zip(batch, rows, strict=False)
            if row.get("status") == "ok" and len({repr(v) for v in args[pos]}) >= 2
        )
        if not varied and telling >= 2:
            free.append(pos)
    return tuple(free)


def forms(task: Task, args: Sequence[Any]) -> tuple[Any, ...]:
    """(skeleton, digit-run lengths) of every structured string argument (shape with skeletons)."""
    return tuple(
        (skeleton(v), digit_runs(v))
        for v, shape in zip(args, task.sig.args, strict=False)
        if type(v) is str and shape.skeletons is not None
    )


def accepted_forms(
    task: Task, batch: Sequence[tuple[str, list[Any], str]], rows: Sequence[dict[str, Any]]
) -> frozenset[tuple[Any, ...]] | None:
    """A validator's accepted forms: when every seed's answer is a bool, some are ``True``, and
    the seeds show a structured string in two or more structures (the tests vary the format),
    the structured-string forms of the seeds answered ``True``. A candidate the reference accepts in another form
    (HumanEval/124's ``'0002-11-30'`` or ``'03-1-7200'`` for "mm-dd-yyyy") is where a lax
    reference disagrees with its own docstring, not a fair test."""
    outs = [row.get("out") for row in rows]
    if not outs or any(o not in ("True", "False") for o in outs) or "True" not in outs:
        return None
    if not any(shape.skeletons is not None and len(shape.skeletons) >= 2 for shape in task.sig.args):
        return None  # the seeds do not vary the format: the task is not about it
    return frozenset(forms(task, args) for (_, args, _), o in zip(batch, outs, strict=False) if o == "True")


def free_shape(shape: Shape) -> Shape:
    """A structured-string shape without its structure rules, letters and digits allowed."""
    if shape.skeletons is None:
        return shape
    return replace(
        shape,
        chars=shape.chars | frozenset(string.ascii_letters + string.digits + " "),
        skeletons=None,
        run_lengths=frozenset(),
        templates=None,
    )

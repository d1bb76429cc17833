"""Export a tasks file as training data: one record per traced call (CodeI/O / NExT style).

A record holds the program, the call, what it returned (or raised) and, with
``with_rationale``, a step-by-step rationale generated from the real trace of the call
(re-traced in the sandbox, in execution order: each executed line, the calls it makes, then
the state it produced; loops compressed to their first and last iterations). A record
without a rationale says why in ``rationale_missing``. ``prompt``/``response``
give the same content as an instruction pair whose response ends in the answer block the
execbench prompts ask for.

Formats: ``jsonl`` (default out: ``<tasks>.train.jsonl``), ``parquet`` (needs pyarrow),
``hf`` (a folder with ``data/train.parquet`` or ``data/train.jsonl`` and a ``README.md``
dataset card whose YAML header lets ``datasets.load_dataset(folder)`` find the data).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.sandbox.types import ExecRequest, Limits
from execbench.tasks._exec import open_pool, run_requests
from execbench.tasks.calls import probe_call
from execbench.tasks.io import dumps_line, read_tasks
from execbench.tasks.types import Task

__all__ = ["export_tasks", "training_records", "FORMATS"]

FORMATS = ("jsonl", "parquet", "hf")
_PROBE_RUNNER = "execbench.tasks._probe:probe"

#: Longest text taken from a probe payload (rationales of long loops are compressed already).
_MAX_TEXT = 1024**2


def _calls(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """One entry per (program, call), in task order, with what the tasks know about it."""
    calls: dict[tuple[str, str], dict[str, Any]] = {}
    for task in tasks:
        meta = task.meta
        if task.kind == "codegen" or "program" not in meta:
            continue
        call = probe_call(task) or {"entry": meta.get("entry"), "args": meta.get("args", "")}
        key = (str(meta.get("program_id", "")), str(meta.get("input", "")))
        record = calls.setdefault(
            key,
            {
                "id": f"{key[0]}/{meta.get('input_idx', 0)}",
                "source": meta.get("source"),
                "program_id": key[0],
                "entry": meta.get("entry"),
                "program": meta.get("program"),
                "args": call["args"],
                "input": key[1],
                "output": None,
                "exception": None,
                "constructs": list(meta.get("constructs") or []),
                "kinds": [],
                **({"reval_class": call["reval_class"]} if "reval_class" in call else {}),
            },
        )
        if task.kind not in record["kinds"]:
            record["kinds"].append(task.kind)
        if task.kind == "output":
            record["output"] = task.answer
        elif task.kind == "input" and record["output"] is None:
            record["output"] = meta.get("expected_output")
        elif task.kind == "exception":
            record["exception"] = task.answer
    return list(calls.values())


def _instruction(record: dict[str, Any]) -> str:
    return (
        f"Execute the Python program step by step for the call {record['input']} and give its result "
        f"between [ANSWER] and [/ANSWER].\n\n[PYTHON]\n{str(record['program']).rstrip()}\n[/PYTHON]\n"
    )


def _final(record: dict[str, Any]) -> str:
    if record.get("exception"):
        return f"raises {record['exception']}"
    return str(record.get("output"))


def _why_no_rationale(record: dict[str, Any], result: Any, payload: dict[str, Any]) -> str:
    """One sentence saying why a record has no rationale (every record has one or this)."""
    if str(record.get("source")) == "project":
        cause = f" (re-tracing it alone gave: {payload['detail']})" if payload.get("detail") else ""
        return (
            "a project module runs inside its package with its sibling modules, which the tasks "
            f"file does not hold, so the call could not be re-traced{cause}"
        )
    if payload.get("status") == "cut":
        return "the call ran past the probe's step limit (10,000 steps), so its trace is incomplete"
    if payload.get("status") == "error":
        return f"the call could not be traced: {payload.get('detail')}"
    if not result.passed:
        message = result.exception_message or result.status
        return f"re-tracing the call in the sandbox failed ({result.status}: {message})"
    return "the trace holds no steps to explain"


def training_records(
    tasks: Sequence[Task], *, with_rationale: bool, pool: Any = None
) -> list[dict[str, Any]]:
    """The export records (rationales come from re-tracing each call in the sandbox)."""
    records = _calls(tasks)
    if with_rationale and records:
        requests = [
            ExecRequest(
                code=str(r["program"]),
                runner=_PROBE_RUNNER,
                args={
                    "entry": r["entry"],
                    "args": r["args"],
                    "rationale": True,
                    **({"reval_class": r["reval_class"]} if "reval_class" in r else {}),
                },
                limits=Limits(timeout=10.0),
            )
            for r in records
        ]
        if pool is None:
            with open_pool() as own:
                results = run_requests(requests, own)
        else:
            results = run_requests(requests, pool)
        for record, result in zip(records, results, strict=True):
            payload = result.payload if result.passed and isinstance(result.payload, dict) else {}
            # untrusted input (the program's process produced it): strings only, bounded
            text = {k: v[:_MAX_TEXT] for k, v in payload.items() if isinstance(v, str)}
            record["rationale"] = text.get("rationale")
            if not record["rationale"]:
                record["rationale_missing"] = _why_no_rationale(record, result, text)
            if record["output"] is None and payload.get("output_literal") is True:
                record["output"] = text.get("output")
            if record["exception"] is None and text.get("exception"):
                record["exception"] = text.get("exception")
    out = []
    for record in records:
        record.pop("reval_class", None)  # the probe's harness input, not part of the record
        if record["output"] is None and record["exception"] is None:
            continue
        steps = record.get("rationale")
        body = f"[THOUGHT]\n{steps}\n[/THOUGHT]\n" if steps else ""
        record["prompt"] = _instruction(record)
        record["response"] = f"{body}[ANSWER]\n{_final(record)}\n[/ANSWER]"
        out.append(record)
    return out


_CARD = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/{data_file}
task_categories:
- text-generation
tags:
- code
- execution-reasoning
- execbench
---

# execbench training records

Built with execbench {version} from `{tasks}` ({count} records). One record per traced call:
`program`, `entry`, `input` (the call), `output` (its return value as a Python literal) or
`exception` (its type), `constructs`, and `prompt`/`response` as an instruction pair.
{rationale}
Ground truth and rationales come from running each call under execbench's tracer inside its
sandbox; nothing was written by a model.
"""


def _write_parquet(records: list[dict[str, Any]], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError(
            "parquet export needs pyarrow: pip install 'execbench[parquet]' (or use --format jsonl)"
        ) from None
    rows = [
        {
            k: (json.dumps(v) if isinstance(v, list | dict) and k != "constructs" and k != "kinds" else v)
            for k, v in r.items()
        }
        for r in records
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)


def export_tasks(tasks_path: str | Path, fmt: str, out: str | Path | None, with_rationale: bool) -> Path:
    """Write the training records of a tasks file; returns where they went."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    source = Path(tasks_path)
    tasks = read_tasks(source)
    records = training_records(tasks, with_rationale=with_rationale)
    if fmt == "jsonl":
        target = Path(out) if out else source.with_suffix(".train.jsonl")
        target.write_text("".join(dumps_line(r) for r in records), encoding="utf-8")
        return target
    if fmt == "parquet":
        target = Path(out) if out else source.with_suffix(".train.parquet")
        _write_parquet(records, target)
        return target
    target = Path(out) if out else source.with_name(source.stem + "-hf")
    (target / "data").mkdir(parents=True, exist_ok=True)
    try:
        _write_parquet(records, target / "data" / "train.parquet")
        data_file = "train.parquet"
    except UserError:
        (target / "data" / "train.jsonl").write_text(
            "".join(dumps_line(r) for r in records), encoding="utf-8"
        )
        data_file = "train.jsonl"
    from execbench import __version__

    note = (
        "`rationale` is a step-by-step account of the real trace (loops compressed).\n"
        if with_rationale
        else ""
    )
    (target / "README.md").write_text(
        _CARD.format(
            data_file=data_file, version=__version__, tasks=source.name, count=len(records), rationale=note
        ),
        encoding="utf-8",
    )
    return target

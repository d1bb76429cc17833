"""Exporting a run: one record per task and sample, as JSONL, CSV or Parquet.

The columns are a contract for downstream analysis (pandas, spreadsheets, HF datasets):

- ``run_id, task_id, kind, sample``;
- ``prompt`` -- what the model was sent; ``response`` -- its raw text;
- ``extracted`` -- the answer the extractor read from it (empty: nothing usable);
- ``gold`` -- the task's ground-truth answer (JSON text when it is not a string);
- ``verdict`` -- ``correct``, ``wrong`` or ``skipped`` (CRUXEval's skip rule), with
  ``correct``, ``skipped`` and ``score`` (partial credit) as values;
- ``status`` -- the execution status of the check;
- ``prompt_tokens, completion_tokens, latency_s, finish_reason`` -- from the response;
- ``error`` -- why there was no answer, or what the check reported.

Parquet needs pyarrow (``pip install 'execbench[parquet]'``), imported only for that format.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from execbench.errors import UserError
from execbench.runs.store import Store

__all__ = ["EXPORT_FORMATS", "COLUMNS", "export_rows", "export_run"]

EXPORT_FORMATS = ("jsonl", "csv", "parquet")
#: Column name -> pyarrow type name.
_TYPES = {
    "run_id": "string",
    "task_id": "string",
    "kind": "string",
    "sample": "int64",
    "prompt": "string",
    "response": "string",
    "extracted": "string",
    "gold": "string",
    "verdict": "string",
    "correct": "bool",
    "skipped": "bool",
    "score": "float64",
    "status": "string",
    "prompt_tokens": "int64",
    "completion_tokens": "int64",
    "latency_s": "float64",
    "finish_reason": "string",
    "error": "string",
}
COLUMNS = tuple(_TYPES)


def _gold(answer: Any) -> str | None:
    if answer is None or isinstance(answer, str):
        return answer
    return json.dumps(answer, ensure_ascii=False, sort_keys=True)


def export_rows(store: Store, ref: str) -> tuple[str, list[dict[str, Any]]]:
    """(run id, records) for the run named by ``ref`` (id or unique prefix)."""
    record = store.resolve_run(ref)
    rows = store.load_results(record.run_id, max_sample=record.n_samples)
    tasks = {t.task_id: t for t in store.load_tasks(record.run_id)}
    responses = store.response_details(r.cache_key for r in rows if r.cache_key)
    style = record.config.get("prompt", "direct")
    out = []
    for r in rows:
        task = tasks.get(r.task_id)
        resp = responses.get(r.cache_key or "", {})
        prompt = resp.get("prompt")
        if prompt is None and task is not None:
            prompt = task.prompt_cot if style == "cot" else task.prompt
        error = r.details.get("generation_error") or r.details.get("error")
        out.append(
            {
                "run_id": record.run_id,
                "task_id": r.task_id,
                "kind": r.kind,
                "sample": r.sample,
                "prompt": prompt,
                "response": r.prediction,
                "extracted": r.extracted,
                "gold": _gold(task.answer) if task is not None else None,
                "verdict": "skipped" if r.skipped else "correct" if r.correct else "wrong",
                "correct": r.correct,
                "skipped": r.skipped,
                "score": r.score,
                "status": r.status,
                "prompt_tokens": resp.get("prompt_tokens"),
                "completion_tokens": resp.get("completion_tokens"),
                "latency_s": resp.get("latency_s"),
                "finish_reason": resp.get("finish_reason"),
                "error": None if error is None else str(error),
            }
        )
    return record.run_id, out


def _open_out(out: Path | None) -> Iterator[IO[str]]:
    if out is None:
        yield sys.stdout
        return
    with out.open("w", encoding="utf-8", newline="") as fh:
        yield fh


def export_run(store: Store, ref: str, fmt: str, out: Path | None = None) -> int:
    """Write the run's records to ``out`` (stdout when None; not for parquet); returns the count."""
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"unknown export format {fmt!r} for a run; choose from {', '.join(EXPORT_FORMATS)}")
    if out is not None and not out.parent.exists():
        raise UserError(f"output directory {out.parent} does not exist")
    _run_id, records = export_rows(store, ref)
    if fmt == "parquet":
        if out is None:
            raise UserError("--format parquet needs --out FILE (it is a binary format)")
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ModuleNotFoundError:
            raise UserError(
                "--format parquet needs pyarrow; install it with: pip install 'execbench[parquet]'"
            ) from None
        columns = {c: [r[c] for r in records] for c in COLUMNS}
        types = {"string": pa.string(), "int64": pa.int64(), "bool": pa.bool_(), "float64": pa.float64()}
        schema = pa.schema([(c, types[t]) for c, t in _TYPES.items()])
        pq.write_table(pa.table(columns, schema=schema), out)
        return len(records)
    for fh in _open_out(out):
        if fmt == "jsonl":
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(records)
    return len(records)

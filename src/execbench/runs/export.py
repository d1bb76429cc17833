"""Exporting a run: one record per task and sample, as JSONL, CSV or Parquet.

The columns are a contract for downstream analysis (pandas, spreadsheets, HF datasets):
``run_id, task_id, kind, sample, prediction, answer, correct, skipped, score, status``,
where ``prediction`` is the model's raw text, ``answer`` what the extractor made of it,
and ``status`` the execution status of the check. Parquet needs pyarrow
(``pip install 'execbench[parquet]'``), imported only for that format.
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
COLUMNS = (
    "run_id",
    "task_id",
    "kind",
    "sample",
    "prediction",
    "answer",
    "correct",
    "skipped",
    "score",
    "status",
)


def export_rows(store: Store, ref: str) -> tuple[str, list[dict[str, Any]]]:
    """(run id, records) for the run named by ``ref`` (id or unique prefix)."""
    record = store.resolve_run(ref)
    rows = store.load_results(record.run_id, max_sample=record.n_samples)
    return record.run_id, [
        {
            "run_id": record.run_id,
            "task_id": r.task_id,
            "kind": r.kind,
            "sample": r.sample,
            "prediction": r.prediction,
            "answer": r.extracted,
            "correct": r.correct,
            "skipped": r.skipped,
            "score": r.score,
            "status": r.status,
        }
        for r in rows
    ]


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
        schema = pa.schema(
            [
                ("run_id", pa.string()),
                ("task_id", pa.string()),
                ("kind", pa.string()),
                ("sample", pa.int64()),
                ("prediction", pa.string()),
                ("answer", pa.string()),
                ("correct", pa.bool_()),
                ("skipped", pa.bool_()),
                ("score", pa.float64()),
                ("status", pa.string()),
            ]
        )
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

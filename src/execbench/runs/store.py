"""The results store: one SQLite file holding runs, their tasks, the response cache and verdicts.

Why SQLite: it is embedded (no server to run), a single file to copy or attach to a bug
report, and its transactions make the store crash-safe. Every write here is idempotent
(primary keys + ``INSERT OR IGNORE`` / upserts) and committed as soon as it is made, so a
process killed at any instant (even ``kill -9``) leaves a consistent store, and running
the same command again continues where it stopped without storing anything twice.

The file is shared by runs: model responses live in one cache table keyed by
``models.cache_key`` so that a rerun, or a run with more samples, asks only for what is
missing. The schema is versioned with ``PRAGMA user_version``; a file written by a newer
execbench is refused with a clear message rather than misread, and an older one is migrated
in place (:mod:`execbench.runs.schema`: columns added, never dropped, so older readers of the same file
keep working on what they know).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.runs.records import CachedResponse, ResultRow, RunRecord, effective_status
from execbench.runs.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION, migrate
from execbench.tasks.types import Task

__all__ = [
    "SCHEMA_VERSION",
    "SCHEMA",
    "DEFAULT_STORE",
    "default_store_path",
    "RunRecord",
    "CachedResponse",
    "ResultRow",
    "Store",
    "effective_status",
    "MIGRATIONS",
]

#: File name used when neither --store nor $EXECBENCH_STORE says otherwise.
DEFAULT_STORE = "execbench-runs.sqlite"


def default_store_path() -> Path:
    """``$EXECBENCH_STORE`` or ``./execbench-runs.sqlite``."""
    return Path(os.environ.get("EXECBENCH_STORE") or DEFAULT_STORE)


#: Columns of ``runs`` in RunRecord field order (select them by name, never with ``*``).
_RUN_COLUMNS = ", ".join(f.name for f in fields(RunRecord))


def _task_to_json(task: Task) -> str:
    return json.dumps(asdict(task), sort_keys=True, default=repr)


def _task_from_json(text: str) -> Task:
    return Task(**json.loads(text))


#: Seconds to wait for another process's lock on the store before saying it is locked.
BUSY_TIMEOUT_ENV = "EXECBENCH_STORE_BUSY_TIMEOUT"


def _busy_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(BUSY_TIMEOUT_ENV, "30")))
    except ValueError:
        return 30.0


def is_locked_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked": another process holds the store."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower()


def locked_message(path: Path | str | None = None) -> str:
    where = f"store {path}" if path is not None else "the results store"
    return (
        f"{where} is locked by another process (another execbench run writing to it?); "
        "wait for it to finish or pass another --store"
    )


def _open_error(path: Path, exc: sqlite3.DatabaseError) -> UserError:
    if is_locked_error(exc):
        return UserError(locked_message(path))
    return UserError(f"{path} is not an execbench store ({exc}); choose another --store")


class Store:
    """An open results store. Use as a context manager; one per thread."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None = None, *, create: bool = True) -> Store:
        """Open the store at ``path`` (creating it unless ``create`` is False, as readers do);
        refuse newer or foreign files."""
        p = Path(path) if path is not None else default_store_path()
        if not create and not p.exists():
            raise UserError(f"no results store at {p}; run 'execbench eval' first or pass --store")
        if p.exists() and p.is_dir():
            raise UserError(f"store path {p} is a directory; pass a file path with --store")
        if not p.parent.exists():
            raise UserError(f"store directory {p.parent} does not exist; create it or choose another --store")
        try:
            conn = sqlite3.connect(p, timeout=_busy_timeout(), isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _open_error(p, exc) from None
        if version > SCHEMA_VERSION:
            conn.close()
            raise UserError(
                f"store {p} has schema version {version}, newer than this execbench understands "
                f"({SCHEMA_VERSION}); upgrade execbench or use another --store"
            )
        try:
            conn.executescript(SCHEMA)
            migrate(conn, version)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _open_error(p, exc) from None
        return cls(p, conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; rolled back if the block raises."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- runs ----------------------------------------------------------------------------
    def create_run(self, record: RunRecord) -> bool:
        """Insert the run unless it exists; True if it was created now."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO runs (run_id, config_hash, config, model, suite, status, created_at,"
                " updated_at, execbench_version, python_version, environment, isolation, timings, n_tasks,"
                " n_samples, summary, pid, host) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.run_id,
                    record.config_hash,
                    json.dumps(record.config, sort_keys=True),
                    record.model,
                    record.suite,
                    record.status,
                    record.created_at,
                    record.updated_at,
                    record.execbench_version,
                    record.python_version,
                    json.dumps(record.environment, sort_keys=True),
                    record.isolation,
                    json.dumps(record.timings),
                    record.n_tasks,
                    record.n_samples,
                    None if record.summary is None else json.dumps(record.summary),
                    record.pid,
                    record.host,
                ),
            )
            return cur.rowcount == 1

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set some columns of a run (JSON columns take Python values)."""
        allowed = {"status", "environment", "isolation", "timings", "n_tasks", "summary", "pid", "host"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        cols = []
        vals: list[Any] = []
        for key, value in fields.items():
            if key in {"environment", "timings", "summary"}:
                # Summaries keep their key order: kinds are listed in report order.
                value = None if value is None else json.dumps(value, sort_keys=key != "summary")
            cols.append(f"{key} = ?")
            vals.append(value)
        cols.append("updated_at = ?")
        vals.append(time.time())
        with self._tx() as c:
            c.execute(f"UPDATE runs SET {', '.join(cols)} WHERE run_id = ?", (*vals, run_id))

    def add_timings(self, run_id: str, timings: dict[str, float]) -> None:
        """Add seconds per phase to the run's cumulative timings (resumes add up)."""
        with self._tx() as c:
            row = c.execute("SELECT timings FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                return
            current = json.loads(row[0] or "{}")
            for key, secs in timings.items():
                current[key] = round(current.get(key, 0.0) + secs, 6)
            c.execute(
                "UPDATE runs SET timings = ?, updated_at = ? WHERE run_id = ?",
                (json.dumps(current, sort_keys=True), time.time(), run_id),
            )

    def get_run(self, run_id: str) -> RunRecord | None:
        row = self._conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else self._record(row)

    def list_runs(self) -> list[RunRecord]:
        """All runs, oldest first."""
        rows = self._conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY created_at, run_id").fetchall()
        return [self._record(r) for r in rows]

    def resolve_run(self, ref: str) -> RunRecord:
        """A run by id or unique id prefix; UserError saying what exists otherwise."""
        exact = self.get_run(ref)
        if exact is not None:
            return exact
        like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id LIKE ? ESCAPE '\\' ORDER BY run_id", (like,)
        ).fetchall()
        if len(rows) == 1:
            return self._record(rows[0])
        if not rows:
            raise UserError(f"no run {ref!r} in {self.path}; list runs with 'execbench runs list'")
        ids = ", ".join(r[0] for r in rows[:5])
        raise UserError(f"run prefix {ref!r} is ambiguous ({ids}...); give more characters")

    def delete_run(self, run_id: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM results WHERE run_id = ?", (run_id,))
            c.execute("DELETE FROM tasks WHERE run_id = ?", (run_id,))
            c.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    @staticmethod
    def _record(row: Sequence[Any]) -> RunRecord:
        names = [f.name for f in fields(RunRecord)]
        values = dict(zip(names, row, strict=True))
        for key in ("config", "environment", "timings", "summary"):
            if values[key] is not None:
                values[key] = json.loads(values[key])
        values["timings"] = values["timings"] or {}
        return RunRecord(**values)

    # -- tasks ---------------------------------------------------------------------------
    def add_tasks(self, run_id: str, tasks: Sequence[Task]) -> None:
        with self._tx() as c:
            c.executemany(
                "INSERT OR IGNORE INTO tasks (run_id, position, task_id, kind, task) VALUES (?,?,?,?,?)",
                [(run_id, i, t.task_id, t.kind, _task_to_json(t)) for i, t in enumerate(tasks)],
            )

    def load_tasks(self, run_id: str) -> list[Task]:
        rows = self._conn.execute(
            "SELECT task FROM tasks WHERE run_id = ? ORDER BY position", (run_id,)
        ).fetchall()
        return [_task_from_json(r[0]) for r in rows]

    # -- response cache ------------------------------------------------------------------
    def get_responses(self, keys: Iterable[str]) -> dict[str, CachedResponse]:
        """The cached responses among ``keys``."""
        out: dict[str, CachedResponse] = {}
        key_list = list(dict.fromkeys(keys))
        for start in range(0, len(key_list), 500):
            chunk = key_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                "SELECT cache_key, text, prompt_tokens, completion_tokens, cost_usd, latency_s, finish_reason"
                f" FROM responses WHERE cache_key IN ({marks})",
                chunk,
            ):
                out[row[0]] = CachedResponse(*row[1:])
        return out

    def put_response(
        self,
        key: str,
        *,
        backend: str,
        model: str,
        sample: int,
        prompt: str,
        params: dict[str, Any],
        response: CachedResponse,
        raw: Any = None,
    ) -> None:
        """Store one generation now (committed), so a crash right after loses nothing."""
        with self._tx() as c:
            c.execute(
                "INSERT OR IGNORE INTO responses (cache_key, backend, model, sample, prompt, params, text,"
                " prompt_tokens, completion_tokens, cost_usd, latency_s, raw, created_at, finish_reason)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    backend,
                    model,
                    sample,
                    prompt,
                    json.dumps(params, sort_keys=True, default=repr),
                    response.text,
                    response.prompt_tokens,
                    response.completion_tokens,
                    response.cost_usd,
                    response.latency_s,
                    None if raw is None else json.dumps(raw, default=repr),
                    time.time(),
                    response.finish_reason,
                ),
            )

    def count_responses(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    # -- results -------------------------------------------------------------------------
    def put_results(self, run_id: str, rows: Sequence[ResultRow]) -> int:
        """Store scored samples in one transaction; rows already stored are left alone.

        Returns how many were new.
        """
        now = time.time()
        with self._tx() as c:
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO results (run_id, task_id, sample, kind, cache_key, prediction,"
                " extracted, correct, score, skipped, status, details, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        r.task_id,
                        r.sample,
                        r.kind,
                        r.cache_key,
                        r.prediction,
                        r.extracted,
                        int(r.correct),
                        float(r.score),
                        int(r.skipped),
                        r.status,
                        json.dumps(r.details, sort_keys=True, default=repr),
                        now,
                    )
                    for r in rows
                ],
            )
            return c.total_changes - before

    def merge_details(self, run_id: str, updates: Mapping[tuple[str, int], Mapping[str, Any]]) -> int:
        """Merge fields into stored results' ``details`` ((task_id, sample) -> fields), in one
        transaction; verdicts are left alone. Used by measurements made after scoring
        (``eval --plus/--efficiency``), which a rerun recomputes. Returns rows changed."""
        changed = 0
        with self._tx() as c:
            for (task_id, sample), fields_ in updates.items():
                row = c.execute(
                    "SELECT details FROM results WHERE run_id = ? AND task_id = ? AND sample = ?",
                    (run_id, task_id, sample),
                ).fetchone()
                if row is None:
                    continue
                details = {**json.loads(row[0]), **fields_}
                c.execute(
                    "UPDATE results SET details = ? WHERE run_id = ? AND task_id = ? AND sample = ?",
                    (json.dumps(details, sort_keys=True, default=repr), run_id, task_id, sample),
                )
                changed += 1
        return changed

    def load_results(self, run_id: str, *, max_sample: int | None = None) -> list[ResultRow]:
        """Scored samples of a run in suite order, then sample order."""
        sql = (
            "SELECT r.task_id, r.sample, r.kind, r.prediction, r.extracted, r.correct, r.score, r.skipped,"
            " r.status, r.details, r.cache_key FROM results r"
            " LEFT JOIN tasks t ON t.run_id = r.run_id AND t.task_id = r.task_id"
            " WHERE r.run_id = ?"
        )
        params: list[Any] = [run_id]
        if max_sample is not None:
            sql += " AND r.sample < ?"
            params.append(max_sample)
        sql += " ORDER BY t.position, r.task_id, r.sample"
        return [
            ResultRow(
                task_id=row[0],
                sample=row[1],
                kind=row[2],
                prediction=row[3],
                extracted=row[4],
                correct=bool(row[5]),
                score=row[6],
                skipped=bool(row[7]),
                status=row[8],
                details=json.loads(row[9]),
                cache_key=row[10],
            )
            for row in self._conn.execute(sql, params)
        ]

    def done_samples(self, run_id: str) -> set[tuple[str, int]]:
        """(task_id, sample) pairs already scored in this run."""
        return {
            (r[0], r[1])
            for r in self._conn.execute("SELECT task_id, sample FROM results WHERE run_id = ?", (run_id,))
        }

    # -- accounting ----------------------------------------------------------------------
    def token_totals(self, run_id: str) -> dict[str, Any]:
        """Tokens, cost and model time behind the run's verdicts (each response counted once)."""
        row = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(p.prompt_tokens), 0), COALESCE(SUM(p.completion_tokens), 0),"
            " COALESCE(SUM(p.cost_usd), 0), COALESCE(SUM(p.latency_s), 0),"
            " COALESCE(SUM(p.finish_reason = 'length'), 0)"
            " FROM responses p WHERE p.cache_key IN"
            " (SELECT DISTINCT cache_key FROM results WHERE run_id = ? AND cache_key IS NOT NULL)",
            (run_id,),
        ).fetchone()
        return {
            "responses": int(row[0]),
            "prompt_tokens": int(row[1]),
            "completion_tokens": int(row[2]),
            "cost_usd": round(float(row[3]), 6),
            "model_seconds": round(float(row[4]), 3),
            "hit_max_tokens": int(row[5]),
        }

    def response_details(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Prompt, tokens, latency and finish reason of the cached responses among ``keys``."""
        out: dict[str, dict[str, Any]] = {}
        key_list = [k for k in dict.fromkeys(keys) if k]
        for start in range(0, len(key_list), 500):
            chunk = key_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                "SELECT cache_key, prompt, prompt_tokens, completion_tokens, latency_s, finish_reason"
                f" FROM responses WHERE cache_key IN ({marks})",
                chunk,
            ):
                out[row[0]] = {
                    "prompt": row[1],
                    "prompt_tokens": row[2],
                    "completion_tokens": row[3],
                    "latency_s": row[4],
                    "finish_reason": row[5],
                }
        return out

"""The store's schema, in one place, with its version and the migrations of older files.

Why a module of its own: the schema is the store's contract with every file already written
(by this and older execbench versions), so it is read and changed on its own, apart from the
queries. ``PRAGMA user_version`` holds :data:`SCHEMA_VERSION`; a file at an older version gets
the columns :data:`MIGRATIONS` lists (added, never dropped, so older readers keep working).
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "migrate"]

#: Bump when a table changes, and say in MIGRATIONS how an older file gets the change.
#: 1: the first schema. 2: runs.pid/host (stale "running" runs), responses.finish_reason.
SCHEMA_VERSION = 2

#: The whole schema, in one place. Idempotent: executed on every open.
SCHEMA = """
-- One row per evaluation run. run_id is derived from the configuration hash by default,
-- so the same command names the same run and resumes it.
CREATE TABLE IF NOT EXISTS runs (
    run_id            TEXT PRIMARY KEY,
    config_hash       TEXT NOT NULL,
    config            TEXT NOT NULL,    -- JSON: the RunSpec (suite, model, prompt, n, params, ...)
    model             TEXT NOT NULL,    -- the model spec as given, e.g. openai:gpt-4o-mini
    suite             TEXT NOT NULL,    -- suite name or task file
    status            TEXT NOT NULL,    -- running | interrupted | incomplete | complete
    created_at        REAL NOT NULL,    -- unix seconds
    updated_at        REAL NOT NULL,
    execbench_version TEXT NOT NULL,
    python_version    TEXT NOT NULL,
    environment       TEXT NOT NULL,    -- JSON: platform, host, cpus, executor, backend info
    isolation         TEXT,             -- sandbox isolation levels used, comma-separated
    timings           TEXT NOT NULL DEFAULT '{}',  -- JSON: seconds per phase, summed over resumes
    n_tasks           INTEGER NOT NULL DEFAULT 0,
    n_samples         INTEGER NOT NULL DEFAULT 1,  -- samples per task (the --n)
    summary           TEXT,             -- JSON: the metrics of the last finished invocation
    pid               INTEGER,          -- v2: process running it while status = running
    host              TEXT              -- v2: ... and its host; a dead pid there = a stale run
);

-- The tasks of a run, frozen when the run is created so that a resume never rebuilds them.
CREATE TABLE IF NOT EXISTS tasks (
    run_id   TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,          -- order in the suite
    task_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    task     TEXT NOT NULL,             -- JSON: the Task
    PRIMARY KEY (run_id, task_id)
);

-- Model requests and responses: the response cache, shared by all runs in the file.
-- Only successful generations are stored, so failed requests are retried on resume.
CREATE TABLE IF NOT EXISTS responses (
    cache_key         TEXT PRIMARY KEY, -- models.cache_key(backend, model, prompt, params, sample)
    backend           TEXT NOT NULL,
    model             TEXT NOT NULL,
    sample            INTEGER NOT NULL,
    prompt            TEXT NOT NULL,
    params            TEXT NOT NULL,    -- JSON: generation parameters
    text              TEXT NOT NULL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost_usd          REAL,
    latency_s         REAL,
    raw               TEXT,             -- JSON: the backend's raw response, for audits
    created_at        REAL NOT NULL,
    finish_reason     TEXT              -- v2: stop | length | ... as the server reported it
);

-- One row per (run, task, sample): the prediction, the extracted answer and the verdict
-- with its execution details (status, isolation, timeout, compatibility mode).
CREATE TABLE IF NOT EXISTS results (
    run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    task_id    TEXT NOT NULL,
    sample     INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    cache_key  TEXT,                    -- the response it was scored from
    prediction TEXT NOT NULL,           -- raw model text
    extracted  TEXT,                    -- what the extractor found (NULL: nothing usable)
    correct    INTEGER NOT NULL,        -- 0/1
    score      REAL NOT NULL,           -- partial credit in [0, 1]
    skipped    INTEGER NOT NULL,        -- left out of n (CRUXEval rule)
    status     TEXT,                    -- execution status of the check (passed, failed, timeout...)
    details    TEXT NOT NULL,           -- JSON: Verdict.details
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, task_id, sample)
);
CREATE INDEX IF NOT EXISTS results_by_run ON results (run_id, kind);
"""

#: Per version, the columns an older file lacks: (table, column, declaration). Applied in
#: order on open; CREATE TABLE above already has them for new files.
MIGRATIONS: dict[int, tuple[tuple[str, str, str], ...]] = {
    2: (
        ("runs", "pid", "INTEGER"),
        ("runs", "host", "TEXT"),
        ("responses", "finish_reason", "TEXT"),
    ),
}


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file written at ``version`` up to SCHEMA_VERSION (idempotent: columns that
    exist are left alone, so a half-migrated file from a killed process finishes too)."""
    for target in sorted(MIGRATIONS):
        if version >= target:
            continue
        for table, column, decl in MIGRATIONS[target]:
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

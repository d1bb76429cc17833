"""The C extension, only if it was built from the C sources beside it.

An editable install keeps the ``.so`` built at install time while ``git pull`` changes the
C sources and the Python code that calls them. A stale extension then runs against newer
Python rules and records wrong traces (seen: every call "raised" ``'NoneType' object is
not callable``). ``setup.py`` compiles the sources' hash into the module
(``SOURCE_HASH``); where the sources are present, the hash must match or the extension is
not used (the Python engine serves, exact and slower; ``bash scripts/bootstrap`` rebuilds).
An installed wheel ships no C sources: its extension is the one built with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

__all__ = ["SOURCES", "load", "source_hash", "STALE"]

#: The extension's C sources, in build order (setup.py compiles these and hashes them).
SOURCES = ("module", "events", "monitor", "watch", "diff", "fingerprint", "flat", "locals")
_HEADERS = ("ctracer.h",)

#: Why the extension was not used, when it exists but does not match its sources ("" if used).
STALE = ""


def source_hash(folder: Path) -> str | None:
    """sha256 over the C sources and headers in ``folder`` (None if they are not there)."""
    digest = hashlib.sha256()
    for name in (*(f"{s}.c" for s in SOURCES), *_HEADERS):
        try:
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
        except OSError:
            return None
    return digest.hexdigest()


def load() -> ModuleType | None:
    """The ``_ctracer`` module, or None when it is missing or stale."""
    global STALE
    STALE = ""
    try:
        from execbench.trace import _ctracer
    except ImportError:
        return None
    expected = source_hash(Path(__file__).with_name("csrc"))
    built = getattr(_ctracer, "SOURCE_HASH", None)
    if expected is not None and built != expected:
        STALE = f"the C tracer was built from other sources ({built or 'no hash'}); rebuild it"
        return None
    return _ctracer

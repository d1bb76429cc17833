"""What a run is: its configuration, the id derived from it, and the environment it ran in.

The run id is a hash of everything that changes the answers or the scores (suite and its
data, model, prompt style, samples, sampling parameters, limit, seed) and nothing that
only changes how fast we get them (concurrency, executor, store, progress). So the same
command names the same run, which is what makes "run it again" resume it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from execbench import __version__

__all__ = ["RunSpec", "PROMPT_STYLES", "environment", "file_digest"]

#: ``direct`` uses ``Task.prompt``; ``cot`` uses ``Task.prompt_cot``.
PROMPT_STYLES = ("direct", "cot")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes: task files and data files are part of a run's identity."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class RunSpec:
    """The configuration of one evaluation run (JSON-able; stored with the run)."""

    suite: str
    """Suite name (``builtin``, ``cruxeval-o``...), ``NAME:DATA`` or a task file path, as given."""
    model: str
    """Model spec, e.g. ``openai:gpt-4o-mini`` or ``replay:samples.json``."""
    prompt: str = "direct"
    """Prompt style: ``direct`` or ``cot``."""
    n: int = 1
    """Samples per task; pass@k is reported for every k <= n."""
    temperature: float = 0.0
    max_tokens: int = 1024
    limit: int | None = None
    """Keep only the first ``limit`` tasks of the suite (in suite order)."""
    seed: int = 0
    """Seed for task building (variants) and sent to servers that accept one."""
    base_url: str | None = None
    """OpenAI-compatible server URL, when not the backend's default."""
    suite_digest: str = ""
    """Content hash of the task file or dataset the suite was built from."""

    def config(self) -> dict[str, Any]:
        return asdict(self)

    def config_hash(self) -> str:
        text = json.dumps(self.config(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def run_id(self) -> str:
        """Default run id: 12 hex digits of the configuration hash."""
        return self.config_hash()[:12]


def environment(executor: str, backend_info: dict[str, Any]) -> dict[str, Any]:
    """Where and how a run executed, stored with it for reproducibility audits."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "execbench": __version__,
        "executor": executor,
        "backend": backend_info,
    }

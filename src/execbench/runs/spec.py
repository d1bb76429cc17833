"""What a run is: its configuration, the id derived from it, and the environment it ran in.

The run id is a hash of everything that changes the answers or the scores (suite and its
data, model and its identity as the server reports it, prompt style, samples, sampling and
request parameters, task selection, seed) and nothing that only changes how fast we get
them (concurrency, timeouts, executor, store, progress) or how the server's address is
spelled. So the same command names the same run, which is what makes "run it again"
resume it.
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

__all__ = ["RunSpec", "PROMPT_STYLES", "DEFAULT_STOPS", "environment", "file_digest"]

#: ``direct`` uses ``Task.prompt``; ``cot`` uses ``Task.prompt_cot``.
PROMPT_STYLES = ("direct", "cot")
#: Stop sequences sent when ``--stop`` is not given: every prompt style asks for the final
#: answer between [ANSWER] and [/ANSWER] (CoT after its [THOUGHT] block), so generation can
#: end at the closing tag instead of running on to max_tokens.
DEFAULT_STOPS: dict[str, tuple[str, ...]] = {"direct": ("[/ANSWER]",), "cot": ("[/ANSWER]",)}
#: Fields that name how to reach the model, not which model: left out of the run id.
_NOT_IDENTITY = frozenset({"base_url"})


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
    """OpenAI-compatible server URL, when not the backend's default (not in the run id)."""
    suite_digest: str = ""
    """Content hash of the task file or dataset the suite was built from."""
    kinds: tuple[str, ...] | None = None
    """Only tasks of these kinds (``--kinds``); None: all."""
    sample: int | None = None
    """A random sample of this many tasks, stratified by kind and construct (``--sample``,
    drawn with ``seed``); applied after ``kinds`` and before ``limit``."""
    stop: tuple[str, ...] | None = None
    """Stop sequences; None: ``DEFAULT_STOPS`` of the prompt style."""
    top_p: float | None = None
    api: str | None = None
    """``chat`` or ``completions`` for HTTP backends; None: the backend's default."""
    system: str | None = None
    """System prompt (chat) or preamble (completions)."""
    extra_body: dict[str, Any] | None = None
    """Extra request fields sent as given (e.g. ``{"min_p": 0.05}``)."""
    model_identity: str = ""
    """Digest of the model as its backend describes it (the server's /v1/models entry and
    the request options that change answers), filled in by the engine."""

    def config(self) -> dict[str, Any]:
        return asdict(self)

    def stops(self) -> tuple[str, ...]:
        """The stop sequences to send: ``stop`` or the prompt style's default."""
        return self.stop if self.stop is not None else DEFAULT_STOPS.get(self.prompt, ())

    def partial(self) -> bool:
        """Whether the run covers only part of its suite (``--limit``, ``--sample``, ``--kinds``)."""
        return self.limit is not None or self.sample is not None or self.kinds is not None

    def config_hash(self) -> str:
        identity = {k: v for k, v in self.config().items() if k not in _NOT_IDENTITY}
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
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

"""What several subcommands declare alike: a parser whose docstring is its help text, and
the ``--store`` option (one wording and one default for every command that reads runs), and
the sandbox options of every command that executes programs (``--workers`` and
``--allow-weak-isolation``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

__all__ = ["command", "add_store_option", "add_workers_option"]


def command(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help: str,
    description: str | None,
    **kwargs: object,
) -> argparse.ArgumentParser:
    """A subcommand parser that shows ``description`` (a module docstring) as written."""
    return subparsers.add_parser(  # type: ignore[no-any-return]
        name,
        help=help,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kwargs,
    )


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        default=None,
        help="SQLite results store (default $EXECBENCH_STORE or ./execbench-runs.sqlite)",
    )


class _AllowWeak(argparse.Action):
    """Sets ``$EXECBENCH_ALLOW_WEAK_ISOLATION`` for this process, so that every sandbox pool
    the command opens (directly or deep in a library call) sees the user's consent."""

    def __call__(
        self, parser: Any, namespace: Any, values: str | Sequence[Any] | None, option: Any = None
    ) -> None:
        from execbench.sandbox.isolation import ALLOW_WEAK_ENV

        os.environ[ALLOW_WEAK_ENV] = "1"
        setattr(namespace, self.dest, True)


def add_workers_option(
    parser: argparse.ArgumentParser, help: str = "sandbox worker processes (default: CPU count)"
) -> None:
    """``--workers N`` and ``--allow-weak-isolation``: for commands that execute programs."""
    parser.add_argument("--workers", type=int, default=None, metavar="N", help=help)
    parser.add_argument(
        "--allow-weak-isolation",
        action=_AllowWeak,
        nargs=0,
        default=False,
        help="run programs even where only plain-process isolation is available and they would "
        "keep the host's uid (default: refuse and say how to get bubblewrap)",
    )

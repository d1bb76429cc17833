"""What several subcommands declare alike: a parser whose docstring is its help text, and
the ``--store`` option (one wording and one default for every command that reads runs)."""

from __future__ import annotations

import argparse

__all__ = ["command", "add_store_option"]


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

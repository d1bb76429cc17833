"""The ``execbench`` command: one subcommand per job, each a thin module.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``handler`` (a function ``args -> int``). Modules are listed here, in one place, and
imported only when present so that the CLI keeps working while parts are built.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from execbench import __version__
from execbench.errors import UserError

__all__ = ["main", "build_parser"]

# (module, help) in the order shown by --help.
_COMMANDS: tuple[str, ...] = (
    "execbench.cli.score",
    "execbench.cli.trace",
    "execbench.cli.build",
    "execbench.cli.eval",
    "execbench.cli.repair",
    "execbench.cli.runs",
    "execbench.cli.compare",
    "execbench.cli.leaderboard",
    "execbench.cli.export",
    "execbench.cli.augment",
    "execbench.cli.report",
    "execbench.cli.view",
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 and a usage line; keep that, but make it one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="execbench", description="Judge and improve code LLMs by running code.")
    parser.add_argument("--version", action="version", version=f"execbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 2
        return int(handler(args) or 0)
    except UserError as exc:
        print(f"execbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("execbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        from execbench.runs.store import is_locked_error, locked_message

        if not is_locked_error(exc):
            raise
        print(f"execbench: error: {locked_message()}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

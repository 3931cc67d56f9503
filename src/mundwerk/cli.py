"""The ``mundwerk`` command line: a thin shell over the Python API.

Exit codes: 0 done; 1 an input could not be processed; 2 wrong usage. Errors are one
line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import NoReturn, TextIO

from mundwerk import __version__
from mundwerk.core.errors import MundwerkError

log = logging.getLogger("mundwerk")


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line usage errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (so captured output sees it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure_logging(debug: bool = False) -> None:
    """Library warnings and notes as ``mundwerk: warning: ...`` lines on stderr."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("mundwerk: %(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if debug else logging.WARNING)
    log.propagate = False
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        logging.addLevelName(level, logging.getLevelName(level).lower())


#: The commands, in the order ``--help`` lists them; each is the module ``mundwerk.commands.<name>``.
COMMANDS = ("analyze", "speak", "voices", "render", "sprites", "verify", "inspect", "serve")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a command, only that command's module is imported
    (each pulls in its own dependencies, which other commands do not need)."""
    parser = OneLineParser(prog="mundwerk", description="Speech in, mouth movement out.")
    parser.add_argument("--version", action="version", version=f"mundwerk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    commands.required = True
    chosen = _chosen_command(argv)
    for name in COMMANDS if chosen is None else (chosen,):
        import_module(f"mundwerk.commands.{name}").add_parser(commands)
    return parser


def _chosen_command(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` names (after the top-level ``--debug``), or None."""
    words = [word for word in (sys.argv[1:] if argv is None else argv) if word != "--debug"]
    return words[0] if words and words[0] in COMMANDS else None


def run(handler: Callable[[argparse.Namespace], int], arguments: argparse.Namespace) -> int:
    """Run a command, mapping mundwerk's errors to one line and an exit code."""
    try:
        return handler(arguments)
    except MundwerkError as error:
        if arguments.debug:
            raise
        print(f"mundwerk: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("mundwerk: interrupted", file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    arguments = parser.parse_args(argv)
    configure_logging(debug=arguments.debug)
    return run(arguments.handler, arguments)


if __name__ == "__main__":
    raise SystemExit(main())

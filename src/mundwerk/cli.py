"""The ``mundwerk`` command line: a thin shell over the Python API.

Exit codes: 0 done; 1 an input could not be processed; 2 wrong usage. Errors are one
line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
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


def build_parser() -> argparse.ArgumentParser:
    from mundwerk.commands import analyze, render, serve, speak, sprites, verify, voices
    from mundwerk.commands import inspect as inspect_command

    parser = OneLineParser(prog="mundwerk", description="Speech in, mouth movement out.")
    parser.add_argument("--version", action="version", version=f"mundwerk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    commands.required = True
    analyze.add_parser(commands)
    speak.add_parser(commands)
    voices.add_parser(commands)
    render.add_parser(commands)
    sprites.add_parser(commands)
    verify.add_parser(commands)
    inspect_command.add_parser(commands)
    serve.add_parser(commands)
    return parser


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
    parser = build_parser()
    arguments = parser.parse_args(argv)
    configure_logging(debug=arguments.debug)
    return run(arguments.handler, arguments)


if __name__ == "__main__":
    raise SystemExit(main())

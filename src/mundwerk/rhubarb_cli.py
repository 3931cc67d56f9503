"""``mundwerk-rhubarb``: Rhubarb Lip Sync 1.13's command line, answered by mundwerk.

Plugins for Blender, After Effects and Spine call a ``rhubarb`` executable; point them at
this command instead. Options mundwerk does not need (threads, log levels) are accepted
and ignored.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from mundwerk import __version__
from mundwerk.core.analysis import AnalysisOptions
from mundwerk.core.errors import MundwerkError, UsageError
from mundwerk.core.shapes import parse_extended_shapes
from mundwerk.files import read_transcript

RHUBARB_VERSION = "1.13.0"
LOG_LEVELS = ("Trace", "Debug", "Info", "Warn", "Error", "Fatal")


class RhubarbParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mundwerk-rhubarb: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = RhubarbParser(
        prog="mundwerk-rhubarb",
        description="Rhubarb Lip Sync's command line, answered by mundwerk.",
    )
    parser.add_argument("input", metavar="INPUT", help="the input sound file")
    parser.add_argument("-o", "--output", help="the output file path (default: stdout)")
    parser.add_argument("-f", "--exportFormat", default="tsv", help="dat, tsv, xml or json (default tsv)")
    parser.add_argument("-r", "--recognizer", default="pocketSphinx", help="pocketSphinx or phonetic")
    parser.add_argument("-d", "--dialogFile", help="a file containing the text of the dialog")
    parser.add_argument("--extendedShapes", default="GHX", help="all extended, optional shapes to use")
    parser.add_argument("--datFrameRate", type=float, default=24.0, help="dat exporter: the frame rate")
    parser.add_argument("--datUsePrestonBlair", action="store_true", help="dat exporter: Preston Blair names")
    parser.add_argument("--machineReadable", action="store_true", help="structured JSON output on stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    parser.add_argument("--threads", type=int, help="accepted for compatibility; ignored")
    parser.add_argument("--consoleLevel", choices=LOG_LEVELS, help="accepted for compatibility")
    parser.add_argument("--logFile", help="accepted for compatibility; ignored")
    parser.add_argument("--logLevel", choices=LOG_LEVELS, help="accepted for compatibility")
    parser.add_argument(
        "--version",
        action="version",
        version=f"Rhubarb Lip Sync version {RHUBARB_VERSION} (mundwerk {__version__})",
    )
    return parser


def _convert(arguments: argparse.Namespace, reporter: _Reporter) -> None:
    from mundwerk.api import Analyzer, write_cues
    from mundwerk.export.base import ExportOptions
    from mundwerk.export.registry import get_exporter

    if arguments.datFrameRate <= 0:
        raise UsageError(f"invalid --datFrameRate {arguments.datFrameRate}; it must be positive")
    get_exporter(arguments.exportFormat)
    options = AnalysisOptions(
        recognizer=arguments.recognizer, extended_shapes=parse_extended_shapes(arguments.extendedShapes)
    )
    transcript = read_transcript(arguments.dialogFile) if arguments.dialogFile else None
    target = arguments.output or "-"
    if target != "-" and not Path(target).parent.is_dir():
        raise UsageError(f"output directory does not exist: {Path(target).parent}")
    analyzer = Analyzer.load(options)
    analysis = analyzer.analyze(arguments.input, transcript, progress=reporter.progress)
    for warning in analysis.alignment.warnings:
        reporter.warn(warning)
    export_options = ExportOptions(
        fps=arguments.datFrameRate, preston_blair=arguments.datUsePrestonBlair, sound_file=arguments.input
    )
    write_cues(analysis, target, arguments.exportFormat, export_options)


class _Reporter:
    """Progress and errors on stderr: plain text, or Rhubarb's JSON lines for plugins."""

    def __init__(self, arguments: argparse.Namespace, stream: TextIO) -> None:
        from mundwerk.export.progress import MachineReadableReporter

        self.quiet = arguments.quiet
        self.stream = stream
        self.machine = MachineReadableReporter(stream, arguments.input) if arguments.machineReadable else None

    def start(self) -> None:
        if self.machine:
            self.machine.start()

    def progress(self, share: float) -> None:
        if self.machine:
            self.machine.progress(share)

    def warn(self, message: str) -> None:
        if not self.machine:
            print(f"mundwerk-rhubarb: warning: {message}", file=self.stream)

    def success(self) -> None:
        if self.machine:
            self.machine.success()

    def failure(self, message: str) -> None:
        if self.machine:
            self.machine.failure(message)
        else:
            print(f"mundwerk-rhubarb: error: {message}", file=self.stream)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    reporter = _Reporter(arguments, sys.stderr)
    reporter.start()
    try:
        _convert(arguments, reporter)
    except MundwerkError as error:
        reporter.failure(str(error))
        return error.exit_code
    reporter.success()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

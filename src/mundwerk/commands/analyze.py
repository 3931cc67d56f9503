"""``mundwerk analyze``: audio in, mouth cues out, in Rhubarb's file formats."""

from __future__ import annotations

import argparse
import logging
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mundwerk.commands.progress import progress_bar
from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.errors import MundwerkError, UsageError
from mundwerk.core.shapes import parse_extended_shapes
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import EXPORT_FORMATS, extension_for, get_exporter
from mundwerk.files import plan_outputs, read_transcript, sibling_transcript
from mundwerk.speech.registry import DEFAULT_ENGLISH, DEFAULT_OTHER, RECOGNIZER_NAMES, recognizer_for

if TYPE_CHECKING:
    from mundwerk.api import Analyzer

log = logging.getLogger(__name__)

AUTO = "auto"


def positive_fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"invalid frame rate {text!r}; give a number such as 24 or 29.97")
    return value


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "analyze",
        help="audio in, mouth cues out",
        description="Find the words and phones in speech and write Rhubarb-compatible mouth cues.",
    )
    parser.add_argument(
        "audio", nargs="+", metavar="AUDIO", help="audio or video files (anything FFmpeg reads)"
    )
    parser.add_argument(
        "--transcript",
        metavar="FILE|auto",
        help="text spoken in the audio, for forced alignment; 'auto' reads <stem>.txt beside each input",
    )
    parser.add_argument(
        "--recognizer",
        help=f"one of: {', '.join(RECOGNIZER_NAMES)} "
        f"(default {DEFAULT_ENGLISH} for English, {DEFAULT_OTHER} for other languages)",
    )
    parser.add_argument(
        "--language",
        default="en",
        metavar="CODE",
        help="language spoken, any espeak code such as de, fr, pt-br (default %(default)s; "
        "list: mundwerk voices)",
    )
    parser.add_argument(
        "--format", default="tsv", help=f"one of: {', '.join(EXPORT_FORMATS)} (default %(default)s)"
    )
    parser.add_argument(
        "--extended-shapes",
        default="GHX",
        metavar="LETTERS",
        help="which of Rhubarb's optional shapes G, H, X may appear (default %(default)s; '' for none)",
    )
    parser.add_argument(
        "--fps", type=positive_fps, default=24.0, help="frames per second of DAT, curve, viseme output"
    )
    parser.add_argument(
        "--preston-blair", action="store_true", help="DAT output with Preston Blair shape names"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="output file ('-' for stdout); with several inputs, a directory"
    )
    parser.add_argument(
        "--lexicon", metavar="FILE", help="word pronunciations (word  PH1 PH2 ..., ARPAbet) for alignment"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def _transcript_for(audio: str, transcript: str | None) -> str | None:
    if transcript is None:
        return None
    if transcript != AUTO:
        return read_transcript(transcript)
    beside = sibling_transcript(audio)
    if not beside.exists():
        log.warning("%s: no transcript %s beside it; recognizing without one", audio, beside.name)
        return None
    return read_transcript(beside)


def _export(analysis: Analysis, target: str, arguments: argparse.Namespace) -> None:
    from mundwerk.api import write_cues

    options = ExportOptions(
        fps=arguments.fps, preston_blair=arguments.preston_blair, sound_file=analysis.source_name
    )
    write_cues(analysis, target, arguments.format, options)


def _analyzer(options: AnalysisOptions, lexicon_path: str | None) -> Analyzer:
    """The analyzer; a lexicon replaces dictionary pronunciations (pocketsphinx only)."""
    from mundwerk.api import Analyzer

    if lexicon_path is None:
        return Analyzer.load(options)
    if options.recognizer != "pocketsphinx":
        raise UsageError(f"--lexicon needs --recognizer pocketsphinx, not {options.recognizer!r}")
    from mundwerk.speech.lexicon import load_lexicon
    from mundwerk.speech.pocketsphinx import PocketSphinxRecognizer

    lexicon = load_lexicon(lexicon_path)
    return Analyzer(options, PocketSphinxRecognizer.load(lexicon=lexicon))


def run(arguments: argparse.Namespace) -> int:

    if arguments.transcript not in (None, AUTO) and len(arguments.audio) > 1:
        raise UsageError("--transcript FILE takes one input; with several, use --transcript auto")
    options = AnalysisOptions(
        recognizer=recognizer_for(arguments.recognizer, arguments.language),
        extended_shapes=parse_extended_shapes(arguments.extended_shapes),
        language=arguments.language,
    )
    get_exporter(arguments.format)
    if arguments.transcript not in (None, AUTO):
        read_transcript(arguments.transcript)
    targets = plan_outputs(arguments.audio, arguments.output, extension_for(arguments.format))
    analyzer = _analyzer(options, arguments.lexicon)
    failures = 0
    with progress_bar(len(arguments.audio), enabled=not arguments.quiet) as report:
        for audio, target in zip(arguments.audio, targets, strict=True):
            try:
                transcript = _transcript_for(audio, arguments.transcript)
                analysis = analyzer.analyze(audio, transcript, progress=partial(report, audio))
                for warning in analysis.alignment.warnings:
                    log.warning("%s: %s", audio, warning)
                _export(analysis, target, arguments)
            except MundwerkError as error:
                if len(arguments.audio) == 1:
                    raise
                failures += 1
                print(f"mundwerk: error: {error} (skipped {Path(audio).name})", file=sys.stderr)
            report(audio, 1.0)
    if failures:
        print(f"mundwerk: {failures} of {len(arguments.audio)} inputs failed", file=sys.stderr)
        return 1
    return 0

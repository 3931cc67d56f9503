"""``mundwerk speak``: text in, speech (WAV) and its mouth cues out, timed by the synthesizer."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from mundwerk.commands.analyze import positive_fps
from mundwerk.commands.progress import progress_bar
from mundwerk.core.analysis import Analysis
from mundwerk.core.errors import MundwerkError, OutputError, UsageError
from mundwerk.core.shapes import parse_extended_shapes
from mundwerk.core.text_files import read_utf8
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import EXPORT_FORMATS, extension_for, get_exporter
from mundwerk.files import STDOUT, plan_outputs
from mundwerk.signing import add_signing_arguments, keys_from_arguments
from mundwerk.speech.synthesizer import SYNTHESIZER_NAMES

log = logging.getLogger(__name__)


class TextFileError(MundwerkError):
    """A text file that cannot be read (missing, not UTF-8)."""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "speak",
        help="text in, speech and mouth cues out",
        description="Speak text with a synthesizer and write mouth cues timed by its own phones.",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT", help="the text to speak ('-' reads stdin)")
    parser.add_argument("--text-file", metavar="FILE", help="read the text from a UTF-8 file")
    parser.add_argument("--engine", default="espeak", help=f"one of: {', '.join(SYNTHESIZER_NAMES)}")
    parser.add_argument("--voice", help="voice id, name or language code (see `mundwerk voices`)")
    parser.add_argument("--language", help="language code, when no --voice is given (e.g. de, en-gb)")
    parser.add_argument("--speed", type=float, default=1.0, help="pace, 1.0 normal (0.1–10)")
    parser.add_argument("--lexicon", metavar="FILE", help="word pronunciations: word  PH1 PH2 ... (ARPAbet)")
    parser.add_argument("-o", "--output", required=True, metavar="WAV", help="the speech as a WAV file")
    parser.add_argument("--cues", metavar="FILE", help="also write mouth cues here ('-' for stdout)")
    parser.add_argument(
        "--format", default="tsv", help=f"cue format: {', '.join(EXPORT_FORMATS)} (default tsv)"
    )
    parser.add_argument("--extended-shapes", default="GHX", metavar="LETTERS", help="optional shapes G, H, X")
    parser.add_argument(
        "--fps", type=positive_fps, default=24.0, help="frame rate of DAT output (default 24)"
    )
    parser.add_argument("--preston-blair", action="store_true", help="DAT output with Preston Blair names")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_signing_arguments(parser)
    parser.set_defaults(handler=run)


def read_text(text: str | None, text_file: str | None) -> str:
    """The text to speak: the argument, stdin for ``-``, or a UTF-8 file."""
    if (text is None) == (text_file is None):
        raise UsageError("give the text to speak either as TEXT or with --text-file FILE")
    if text_file is not None:
        return read_utf8(text_file, "text file", TextFileError)
    return sys.stdin.read() if text == STDOUT else str(text)


def _targets(arguments: argparse.Namespace) -> tuple[str, str | None]:
    """Where the WAV and the cues go, checked before any work."""
    if arguments.output == STDOUT:
        raise OutputError("the WAV needs a file name (-o speech.wav), not stdout")
    wav = plan_outputs(["speech"], arguments.output, "wav")[0]
    if arguments.cues is None:
        return wav, None
    get_exporter(arguments.format)
    cues = plan_outputs(["speech"], arguments.cues, extension_for(arguments.format))[0]
    if cues != STDOUT and Path(cues).resolve() == Path(wav).resolve():
        raise OutputError(f"--cues and -o name the same file: {cues}")
    return wav, cues


def run(arguments: argparse.Namespace) -> int:
    from mundwerk.api import write_cues
    from mundwerk.speaking import Speaker, SpeakOptions

    text = read_text(arguments.text, arguments.text_file)
    wav, cues = _targets(arguments)
    options = SpeakOptions(
        engine=arguments.engine,
        voice=arguments.voice,
        language=arguments.language,
        speed=arguments.speed,
        extended_shapes=parse_extended_shapes(arguments.extended_shapes),
    )
    speaker = Speaker.load(options, arguments.lexicon)
    sign = keys_from_arguments(arguments.sign_cert, arguments.sign_key)

    def write(analysis: Analysis) -> None:
        if cues is not None:
            export = ExportOptions(fps=arguments.fps, preston_blair=arguments.preston_blair, sound_file=wav)
            write_cues(analysis, cues, arguments.format, export)

    with progress_bar(1, enabled=not arguments.quiet) as report:
        analysis = speaker.speak_to_file(text, wav, write, lambda share: report(Path(wav).name, share), sign)
    log.info("%s: %d ms, %d phones", wav, analysis.duration_ms, len(analysis.alignment.phones))
    return 0

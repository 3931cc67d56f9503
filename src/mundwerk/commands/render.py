"""``mundwerk render``: a portrait photo and speech in, a lip-synced MP4 out."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from mundwerk.commands.progress import progress_bar
from mundwerk.core.constants import DEFAULT_FPS
from mundwerk.core.errors import UsageError
from mundwerk.files import read_transcript
from mundwerk.signing import add_signing_arguments
from mundwerk.speech.synthesizer import SYNTHESIZER_NAMES

log = logging.getLogger(__name__)


def video_size(text: str) -> tuple[int, int]:
    """``WxH`` as (width, height)."""
    width, _, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = (0, 0)
    if min(size) < 2:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}; give width x height such as 1280x720")
    return size


#: ``export.readers.CUE_FORMATS`` for the help text, spelled out so that building the parser
#: does not import the readers (a test keeps the two equal).
CUE_FORMAT_NAMES = ("tsv", "xml", "json", "dat", "curves-csv", "curves-json")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "render",
        help="a portrait photo and speech in, a lip-synced MP4 out",
        description="Animate the face in a photo to speak an audio file or text; write an MP4.",
    )
    parser.add_argument("--face", required=True, metavar="IMAGE", help="the portrait photo")
    parser.add_argument("--audio", metavar="AUDIO", help="the speech as an audio file")
    parser.add_argument("--transcript", metavar="FILE", help="what the audio says (UTF-8 text)")
    parser.add_argument("--text", metavar="TEXT", help="text for mundwerk to speak")
    parser.add_argument(
        "--cues",
        metavar="FILE",
        help="drive the mouth from this cue or curves file (with --audio for the sound)",
    )
    parser.add_argument(
        "--cues-format",
        metavar="FORMAT",
        help=f"the cue file's format when its content does not say: {', '.join(CUE_FORMAT_NAMES)}",
    )
    parser.add_argument(
        "--cues-fps",
        type=float,
        default=DEFAULT_FPS,
        metavar="N",
        help="frame rate of a Moho .dat cue file (24)",
    )
    parser.add_argument("--engine", default="espeak", help=f"one of: {', '.join(SYNTHESIZER_NAMES)}")
    parser.add_argument("--voice", help="voice id, name or language code (see `mundwerk voices`)")
    parser.add_argument("--language", help="language code, when no --voice is given (e.g. de, en-gb)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.mp4", help="the video to write")
    parser.add_argument("--fps", default="25", help="frame rate, e.g. 25, 29.97, 30000/1001 (default 25)")
    parser.add_argument("--size", type=video_size, metavar="WxH", help="scale the video to this size")
    parser.add_argument("--seed", type=int, default=0, help="seed for blinks (same seed, same video)")
    parser.add_argument("--still", action="store_true", help="move nothing but mouth and jaw")
    parser.add_argument("--face-index", type=int, default=0, metavar="N", help="which face, largest first")
    parser.add_argument(
        "--no-watermark",
        dest="watermark",
        action="store_false",
        help="do not embed the invisible watermark (recorded in the content credentials)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_signing_arguments(parser)
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    from mundwerk.rendering import render
    from mundwerk.signing import keys_from_arguments

    if arguments.cues is not None and arguments.audio is None:
        raise UsageError("--cues needs --audio AUDIO: the sound the cues were made for")
    if (arguments.audio is None) == (arguments.text is None):
        raise UsageError("give the speech with --audio AUDIO or --text TEXT (one of them)")
    if arguments.transcript is not None and arguments.audio is None:
        raise UsageError("--transcript goes with --audio")
    if arguments.cues is not None and arguments.transcript is not None:
        raise UsageError("--cues replaces --transcript: give one of them")
    if arguments.cues_format is not None and arguments.cues is None:
        raise UsageError("--cues-format goes with --cues FILE")
    transcript = read_transcript(arguments.transcript) if arguments.transcript else None
    name = Path(arguments.output).name
    sign = keys_from_arguments(arguments.sign_cert, arguments.sign_key)
    if not arguments.watermark:
        log.warning("--no-watermark: the video will carry no invisible watermark")
    with progress_bar(1, enabled=not arguments.quiet) as report:
        result = render(
            arguments.face,
            arguments.output,
            audio=arguments.audio,
            transcript=transcript,
            text=arguments.text,
            engine=arguments.engine,
            voice=arguments.voice,
            language=arguments.language,
            cues=arguments.cues,
            cues_format=arguments.cues_format,
            cues_fps=arguments.cues_fps,
            fps=arguments.fps,
            size=arguments.size,
            seed=arguments.seed,
            still=arguments.still,
            face_index=arguments.face_index,
            watermark=arguments.watermark,
            sign=sign,
            progress=lambda share: report(name, share),
        )
    log.info("%s: %d frames, %d ms", result.path, result.frame_count, result.duration_ms)
    return 0

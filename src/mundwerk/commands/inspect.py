"""``mundwerk inspect VIDEO``: are mouth and voice in sync? Exit 0 yes, 1 no, 2 error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mundwerk.commands.progress import progress_bar
from mundwerk.core.errors import MundwerkError


class InspectFailed(MundwerkError):
    """Any failure of ``inspect``: it answers a question, so an error is exit 2, not 1."""

    exit_code = 2


def add_parser(commands: Any) -> None:
    from mundwerk.inspect.sync import MAX_OFFSET_MS
    from mundwerk.inspecting import DEFAULT_PREDICTOR, PREDICTORS

    parser = commands.add_parser(
        "inspect",
        help="measure the audio-video offset of a talking-face video",
        description="Estimate how far the voice lags (+) or leads (-) the mouth, how sure that is, "
        "and where mouth and voice disagree. Exit 0 in sync (|offset| <= 80 ms), 1 not, 2 error.",
    )
    parser.add_argument("video", metavar="VIDEO", help="a video with a face and speech")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--predictor",
        default=DEFAULT_PREDICTOR,
        choices=sorted(PREDICTORS),
        help=f"how the mouth is predicted from the audio (default {DEFAULT_PREDICTOR})",
    )
    parser.add_argument(
        "--max-offset",
        type=int,
        default=MAX_OFFSET_MS,
        metavar="MS",
        help=f"largest offset searched, in ms (default {MAX_OFFSET_MS})",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    from mundwerk.inspecting import inspect_video

    if not 40 <= arguments.max_offset <= 5000:
        raise InspectFailed(f"invalid --max-offset {arguments.max_offset}: give 40 to 5000 ms")
    name = Path(arguments.video).name
    try:
        with progress_bar(1, enabled=not arguments.quiet and not arguments.json) as report:
            result = inspect_video(
                arguments.video,
                predictor=arguments.predictor,
                max_offset_ms=arguments.max_offset,
                progress=lambda share: report(name, share),
            )
    except InspectFailed:
        raise
    except MundwerkError as error:
        raise InspectFailed(str(error)) from error
    print(json.dumps(result.to_dict(), indent=2) if arguments.json else result.summary())
    return 0 if result.in_sync else 1

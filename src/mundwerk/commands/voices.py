"""``mundwerk voices``: the voices each synthesizer has, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from mundwerk.core.errors import UsageError
from mundwerk.speech.synthesizer import SYNTHESIZER_NAMES
from mundwerk.speech.voices import VoiceEntry, list_voices

_HEADER = ("engine", "voice", "languages", "name")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "voices", help="list the voices `mundwerk speak` can use", description="List synthesizer voices."
    )
    parser.add_argument("--engine", help=f"only this engine: {', '.join(SYNTHESIZER_NAMES)}")
    parser.add_argument("--language", help="only voices for this language (en matches en-us, en-gb)")
    parser.add_argument("--json", action="store_true", help="machine-readable: a JSON list")
    parser.set_defaults(handler=run)


def table(voices: Sequence[VoiceEntry]) -> str:
    """Aligned columns, one voice a line, under a header."""
    rows = [_HEADER, *((v.engine, v.identifier, ", ".join(v.languages), v.name) for v in voices)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def run(arguments: argparse.Namespace) -> int:
    voices = list_voices(arguments.engine, arguments.language)
    if not voices:
        raise UsageError(f"no voice speaks language {arguments.language!r}; see `mundwerk voices`")
    if arguments.json:
        print(json.dumps([asdict(voice) for voice in voices], ensure_ascii=False, indent=2))
    else:
        print(table(voices))
    return 0

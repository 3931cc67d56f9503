"""Rhubarb's JSON: metadata (sound file, duration) and a ``mouthCues`` array, one cue a line."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.core.constants import RHUBARB_RESOLUTION_MS
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import (
    CueFileError,
    JsonDocument,
    ReadOptions,
    ShapeTrack,
    load_json,
    malformed,
    parse_seconds,
    parse_shape,
    track_from_intervals,
)
from mundwerk.export.rhubarb import cues_or_dummy, duration_ms, escape_json, seconds_text


class JsonExporter:
    """The JSON document ``rhubarb -f json`` writes, numbers with two decimals."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        stream.write('{\n  "metadata": {\n')
        stream.write(f'    "soundFile": "{escape_json(options.sound_file)}",\n')
        stream.write(f'    "duration": {seconds_text(duration_ms(analysis))}\n')
        stream.write('  },\n  "mouthCues": [\n')
        lines = (
            f'    {{ "start": {seconds_text(cue.start_ms)}, "end": {seconds_text(cue.end_ms)}, '
            f'"value": "{cue.value.value}" }}'
            for cue in cues_or_dummy(analysis)
        )
        stream.write(",\n".join(lines))
        stream.write("\n  ]\n}\n")


def read(text: str, source: str, options: ReadOptions) -> ShapeTrack:
    """Cues from the ``mouthCues`` array: objects with ``start`` and ``end`` (seconds) and
    ``value`` (a shape letter); other fields are ignored."""
    document = load_json(text, source)
    cues = document.value.get("mouthCues") if isinstance(document.value, dict) else None
    if not isinstance(cues, list):
        raise CueFileError(f'malformed cue file {source}: no "mouthCues" array')
    rows = (_cue(item, document, source) for item in cues)
    return track_from_intervals(rows, source, RHUBARB_RESOLUTION_MS)


def _cue(item: object, document: JsonDocument, source: str) -> tuple[int, Timed[MouthShape]]:
    line = document.line_of(item)
    if not isinstance(item, dict) or not {"start", "end", "value"} <= item.keys():
        raise malformed(source, line, 'expected a cue such as { "start": 0.38, "end": 0.61, "value": "E" }')
    start, end = (parse_seconds(_text(item[key]), source, line) for key in ("start", "end"))
    if end < start:
        raise malformed(source, line, f"cue ends ({end / 1000:g} s) before it starts ({start / 1000:g} s)")
    return line, Timed(start, end, parse_shape(_text(item["value"]), source, line))


def _text(value: object) -> str:
    """A JSON number or string as the text it stands for (other values fail to parse)."""
    return value if isinstance(value, str) else repr(value)


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("{") and '"mouthCues"' in text


FORMAT = ExportFormat("json", "json", JsonExporter(), "Rhubarb JSON: metadata and mouth cues")

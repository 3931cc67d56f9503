"""Rhubarb's TSV: one ``start<TAB>shape`` line per cue, then the end time with the rest shape."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.core.constants import RHUBARB_RESOLUTION_MS
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import (
    ReadOptions,
    ShapeTrack,
    malformed,
    parse_seconds,
    parse_shape,
    track_from_starts,
)
from mundwerk.export.rhubarb import animation, duration_ms, rest_shape, seconds_text


class TsvExporter:
    """Tab-separated start times and shapes, as ``rhubarb -f tsv``."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        for cue in animation(analysis):
            stream.write(f"{seconds_text(cue.start_ms)}\t{cue.value.value}\n")
        stream.write(f"{seconds_text(duration_ms(analysis))}\t{rest_shape(analysis).value}\n")


def read(text: str, source: str, options: ReadOptions) -> ShapeTrack:
    """Cues from ``start shape`` lines (any whitespace between; blank lines skipped)."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise malformed(source, number, f"expected 'seconds<TAB>shape', got {line.strip()!r}")
        rows.append(
            (number, parse_seconds(fields[0], source, number), parse_shape(fields[1], source, number))
        )
    return track_from_starts(rows, source, RHUBARB_RESOLUTION_MS)


def looks_like(text: str) -> bool:
    """True when the first line is a time and a shape letter."""
    fields = text.lstrip().split("\n", 1)[0].split()
    return len(fields) == 2 and fields[0].replace(".", "", 1).isdigit() and len(fields[1]) == 1


FORMAT = ExportFormat("tsv", "tsv", TsvExporter(), "Rhubarb TSV: start time and shape per line")

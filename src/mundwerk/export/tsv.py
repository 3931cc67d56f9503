"""Rhubarb's TSV: one ``start<TAB>shape`` line per cue, then the end time with the rest shape."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.rhubarb import animation, duration_ms, rest_shape, seconds_text


class TsvExporter:
    """Tab-separated start times and shapes, as ``rhubarb -f tsv``."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        for cue in animation(analysis):
            stream.write(f"{seconds_text(cue.start_ms)}\t{cue.value.value}\n")
        stream.write(f"{seconds_text(duration_ms(analysis))}\t{rest_shape(analysis).value}\n")


FORMAT = ExportFormat("tsv", "tsv", TsvExporter(), "Rhubarb TSV: start time and shape per line")

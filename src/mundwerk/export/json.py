"""Rhubarb's JSON: metadata (sound file, duration) and a ``mouthCues`` array, one cue a line."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportFormat, ExportOptions
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


FORMAT = ExportFormat("json", "json", JsonExporter(), "Rhubarb JSON: metadata and mouth cues")

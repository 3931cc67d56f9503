"""Rhubarb's XML: metadata (sound file, duration) and one ``mouthCue`` element per cue."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.rhubarb import cues_or_dummy, duration_ms, seconds_text

_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}


def escape_xml(text: str) -> str:
    """``text`` with markup characters as entities; all-space text keeps its first space as
    ``&#32;`` (as the Boost writer behind Rhubarb does)."""
    if text and not text.strip(" "):
        return "&#32;" + text[1:]
    return "".join(_ENTITIES.get(character, character) for character in text)


def _element(indent: str, name: str, text: str) -> str:
    if not text:
        return f"{indent}<{name}/>\n"
    return f"{indent}<{name}>{escape_xml(text)}</{name}>\n"


class XmlExporter:
    """The XML document ``rhubarb -f xml`` writes, two-space indented."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        stream.write('<?xml version="1.0" encoding="utf-8"?>\n<rhubarbResult>\n  <metadata>\n')
        stream.write(_element("    ", "soundFile", options.sound_file))
        stream.write(_element("    ", "duration", seconds_text(duration_ms(analysis))))
        stream.write("  </metadata>\n  <mouthCues>\n")
        for cue in cues_or_dummy(analysis):
            start, end = seconds_text(cue.start_ms), seconds_text(cue.end_ms)
            stream.write(f'    <mouthCue start="{start}" end="{end}">{cue.value.value}</mouthCue>\n')
        stream.write("  </mouthCues>\n</rhubarbResult>\n")


FORMAT = ExportFormat("xml", "xml", XmlExporter(), "Rhubarb XML: metadata and mouth cues")

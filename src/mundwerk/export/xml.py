"""Rhubarb's XML: metadata (sound file, duration) and one ``mouthCue`` element per cue."""

from __future__ import annotations

from typing import TextIO
from xml.parsers import expat

from mundwerk.core.analysis import Analysis
from mundwerk.core.constants import RHUBARB_RESOLUTION_MS
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import (
    CueFileError,
    ReadOptions,
    ShapeTrack,
    malformed,
    parse_seconds,
    parse_shape,
    track_from_intervals,
)
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


class _CueCollector:
    """Expat handlers gathering every ``mouthCue`` element with the line it starts on."""

    def __init__(self, parser: expat.XMLParserType, source: str) -> None:
        self.parser, self.source = parser, source
        self.cues: list[tuple[int, Timed[MouthShape]]] = []
        self._open: tuple[int, dict[str, str]] | None = None
        self._text: list[str] = []
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self._text.append

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "mouthCue":
            self._open = (self.parser.CurrentLineNumber, attributes)
            self._text.clear()

    def end(self, name: str) -> None:
        if name == "mouthCue" and self._open is not None:
            line, attributes = self._open
            self.cues.append((line, self._cue(line, attributes, "".join(self._text))))
            self._open = None

    def _cue(self, line: int, attributes: dict[str, str], text: str) -> Timed[MouthShape]:
        if not {"start", "end"} <= attributes.keys():
            raise malformed(self.source, line, 'expected <mouthCue start="0.38" end="0.61">E</mouthCue>')
        start, end = (parse_seconds(attributes[key], self.source, line) for key in ("start", "end"))
        if end < start:
            raise malformed(
                self.source, line, f"cue ends ({end / 1000:g} s) before it starts ({start / 1000:g} s)"
            )
        return Timed(start, end, parse_shape(text, self.source, line))


def read(text: str, source: str, options: ReadOptions) -> ShapeTrack:
    """Cues from every ``<mouthCue start=".." end="..">shape</mouthCue>`` element."""
    parser = expat.ParserCreate()
    collector = _CueCollector(parser, source)
    try:
        parser.Parse(text, True)
    except expat.ExpatError as e:
        raise malformed(source, e.lineno, f"invalid XML: {expat.ErrorString(e.code)}") from e
    if not collector.cues:
        raise CueFileError(f"no <mouthCue> elements in {source}")
    return track_from_intervals(collector.cues, source, RHUBARB_RESOLUTION_MS)


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("<") and "mouthCue" in text


FORMAT = ExportFormat("xml", "xml", XmlExporter(), "Rhubarb XML: metadata and mouth cues")

"""Moho's switch file (``MohoSwitch1``): 1-based frame numbers at a given frame rate.

As in Rhubarb, a frame shows the shape whose cue starts first in it: a cue starting in a
frame that already has a line is dropped. The last line closes the mouth at the end, one
frame after the previous line if they would share a frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.core.shapes import MouthShape
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import ReadOptions, ShapeTrack, malformed, parse_shape, track_from_starts
from mundwerk.export.rhubarb import animation, duration_ms, rest_shape

#: Rhubarb's shapes named after Preston Blair's phoneme drawings.
PRESTON_BLAIR_NAMES = {
    MouthShape.A: "MBP",
    MouthShape.B: "etc",
    MouthShape.C: "E",
    MouthShape.D: "AI",
    MouthShape.E: "O",
    MouthShape.F: "U",
    MouthShape.G: "FV",
    MouthShape.H: "L",
    MouthShape.X: "rest",
}

#: Preston Blair names as Papagayo and Rhubarb write them (Papagayo's WQ is a pucker).
_SHAPES_BY_PRESTON_BLAIR_NAME = {name.lower(): shape for shape, name in PRESTON_BLAIR_NAMES.items()} | {
    "wq": MouthShape.F
}
_LETTERS = frozenset(shape.value for shape in MouthShape)
_HEADER = "MohoSwitch1"


def frame_number(time_ms: int, fps: float) -> int:
    """The 1-based frame showing ``time_ms``: frames start at multiples of ``1 / fps``."""
    return 1 + int(fps * (time_ms / 1000))


def switch_lines(analysis: Analysis, fps: float) -> Iterator[tuple[int, MouthShape]]:
    """(frame, shape) for every line of the switch file, frames strictly increasing."""
    last_frame = 0
    for cue in animation(analysis):
        frame = frame_number(cue.start_ms, fps)
        if frame != last_frame:
            yield frame, cue.value
            last_frame = frame
    yield max(frame_number(duration_ms(analysis), fps), last_frame + 1), rest_shape(analysis)


class DatExporter:
    """The switch file ``rhubarb -f dat`` writes, optionally with Preston Blair names."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        stream.write("MohoSwitch1\n")
        for frame, shape in switch_lines(analysis, options.fps):
            name = PRESTON_BLAIR_NAMES[shape] if options.preston_blair else shape.value
            stream.write(f"{frame} {name}\n")


def read(text: str, source: str, options: ReadOptions) -> ShapeTrack:
    """Cues from ``frame name`` lines after the ``MohoSwitch1`` header; frame ``n`` starts at
    ``(n - 1) / options.dat_fps`` seconds. Names are shape letters, or Preston Blair names
    when any line uses one that is not a letter (``MBP``, ``etc``, ``rest`` ...)."""
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines or lines[0][1] != [_HEADER]:
        raise malformed(source, lines[0][0] if lines else 1, f"expected the header {_HEADER!r}")
    entries = lines[1:]
    preston_blair = any(_is_preston_blair_only(fields[-1]) for _, fields in entries)
    rows = []
    for number, fields in entries:
        if len(fields) != 2 or not fields[0].isdigit() or int(fields[0]) < 1:
            raise malformed(
                source, number, f"expected 'frame shape' with a frame from 1, got {' '.join(fields)!r}"
            )
        shape = (
            _preston_blair_shape(fields[1], source, number)
            if preston_blair
            else parse_shape(fields[1], source, number)
        )
        rows.append((number, round((int(fields[0]) - 1) * 1000 / options.dat_fps), shape))
    return track_from_starts(rows, source, 1000 / options.dat_fps)


def looks_like(text: str) -> bool:
    return text.lstrip().startswith(_HEADER)


def _is_preston_blair_only(name: str) -> bool:
    return name.lower() in _SHAPES_BY_PRESTON_BLAIR_NAME and name.upper() not in _LETTERS


def _preston_blair_shape(name: str, source: str, line: int) -> MouthShape:
    try:
        return _SHAPES_BY_PRESTON_BLAIR_NAME[name.lower()]
    except KeyError:
        names = ", ".join(sorted(PRESTON_BLAIR_NAMES.values()))
        raise malformed(
            source, line, f"unknown Preston Blair shape {name!r}; expected one of {names}"
        ) from None


FORMAT = ExportFormat("dat", "dat", DatExporter(), "Moho/Papagayo switch file (MohoSwitch1)")

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


FORMAT = ExportFormat("dat", "dat", DatExporter(), "Moho/Papagayo switch file (MohoSwitch1)")

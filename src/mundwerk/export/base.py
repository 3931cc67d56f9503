"""What every exporter shares: its options and the one-method protocol."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.core.constants import DEFAULT_FPS
from mundwerk.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Per-call export options; formats ignore the ones they do not need.

    ``fps`` is the frame rate of frame-based formats (Moho DAT), fractional rates such as
    29.97 allowed; ``preston_blair`` names DAT shapes after Preston Blair's phoneme set;
    ``sound_file`` is the audio path written into XML/JSON metadata.
    """

    fps: float = DEFAULT_FPS
    preston_blair: bool = False
    sound_file: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise UsageError(f"invalid frame rate {self.fps}; give a positive number such as 24 or 29.97")


class Exporter(Protocol):
    """Writes one analysis to a text stream in one file format."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        """Write ``analysis`` to ``stream``; the caller opens and closes the stream."""
        ...


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """A registry entry: a format's name, its file extension (no dot) and its exporter."""

    name: str
    extension: str
    exporter: Exporter
    description: str

"""What every cue reader shares: what a file holds (a ``MouthTrack``), the read options,
and one-line errors that name the file and the line.

A cue file holds mouth shapes over time (``ShapeTrack``); a curves file holds sampled
curve values (``SampleTrack``). Either becomes mouth curves at any frame rate for a clip
of any length: ``track.curves(duration_ms, fps)``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import json.decoder
import json.scanner
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from mundwerk.core.constants import DEFAULT_FPS
from mundwerk.core.curves import MouthCurves
from mundwerk.core.errors import MundwerkError, UsageError
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline
from mundwerk.mouth.curves import curves_from_samples, curves_from_shapes

FloatArray = npt.NDArray[np.float64]


class CueFileError(MundwerkError):
    """A cue or curves file that cannot be read (exit code 1)."""


def malformed(source: str, line: int, problem: str) -> CueFileError:
    """The error for a bad ``line`` (1-based) of the file ``source``."""
    return CueFileError(f"malformed cue file {source}, line {line}: {problem}")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Per-call read options: ``dat_fps`` is the frame rate of a Moho switch file's frames."""

    dat_fps: float = DEFAULT_FPS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dat_fps) and self.dat_fps > 0):
            raise UsageError(f"invalid cue frame rate {self.dat_fps}; give a positive number such as 24")


class MouthTrack(Protocol):
    """What a cue or curves file holds, ready to be drawn at any frame rate."""

    @property
    def end_ms(self) -> int:
        """Where the file's animation ends."""
        ...

    @property
    def resolution_ms(self) -> float:
        """The file's time step: how far its end may pass the audio's without meaning more."""
        ...

    def curves(self, duration_ms: int, fps: float) -> MouthCurves:
        """Mouth parameters at every frame of ``[0, duration_ms)`` at ``fps``."""
        ...


@dataclass(frozen=True, slots=True)
class ShapeTrack:
    """Mouth shapes over time; ``tail`` is the shape held after ``end_ms``."""

    cues: Timeline[MouthShape]
    end_ms: int
    tail: MouthShape
    resolution_ms: float

    def curves(self, duration_ms: int, fps: float) -> MouthCurves:
        held = Timed(self.end_ms, max(duration_ms, self.end_ms), self.tail)
        return curves_from_shapes(Timeline([*self.cues, held]), duration_ms, fps)


@dataclass(frozen=True, slots=True, eq=False)
class SampleTrack:
    """Curve values ``values`` [samples × names] at ``times_s`` (strictly increasing)."""

    names: tuple[str, ...]
    times_s: FloatArray
    values: FloatArray
    end_ms: int
    resolution_ms: float

    def curves(self, duration_ms: int, fps: float) -> MouthCurves:
        return curves_from_samples(self.names, self.times_s, self.values, duration_ms, fps)


def parse_seconds(text: str, source: str, line: int) -> int:
    """A non-negative time in seconds (``"0.38"``) as milliseconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise malformed(source, line, f"invalid time {text!r}; expected seconds such as 0.38")
    return round(seconds * 1000)


def parse_shape(text: str, source: str, line: int) -> MouthShape:
    """A Rhubarb shape letter (A–H or X)."""
    try:
        return MouthShape(text.strip().upper())
    except ValueError:
        letters = ", ".join(shape.value for shape in MouthShape)
        raise malformed(source, line, f"unknown mouth shape {text!r}; expected one of {letters}") from None


def track_from_starts(
    rows: Iterable[tuple[int, int, MouthShape]], source: str, resolution_ms: float
) -> ShapeTrack:
    """Rows of (line, start_ms, shape), each shape holding until the next row's start; the
    last row marks the end (its shape is held after it), as in Rhubarb's TSV and Moho's DAT."""
    rows = list(rows)
    if not rows:
        raise CueFileError(f"no mouth cues in {source}")
    for (_, before, _), (line, start, _) in itertools.pairwise(rows):
        if start < before:
            raise malformed(
                source, line, f"time {start / 1000:g} s comes before the previous {before / 1000:g} s"
            )
    cues = [Timed(start, end, shape) for (_, start, shape), (_, end, _) in itertools.pairwise(rows)]
    _, end_ms, tail = rows[-1]
    return ShapeTrack(Timeline(cue for cue in cues if cue.duration_ms > 0), end_ms, tail, resolution_ms)


def track_from_intervals(
    rows: Iterable[tuple[int, Timed[MouthShape]]], source: str, resolution_ms: float
) -> ShapeTrack:
    """Rows of (line, cue) in file order, as Rhubarb's XML and JSON hold them; the rest
    shape X follows the last cue."""
    kept: list[Timed[MouthShape]] = []
    for line, cue in rows:
        if kept and cue.start_ms < kept[-1].end_ms:
            raise malformed(
                source, line, f"cue at {cue.start_ms / 1000:g} s starts before the previous one ends"
            )
        kept.append(cue)
    if not kept:
        raise CueFileError(f"no mouth cues in {source}")
    return ShapeTrack(Timeline(kept), kept[-1].end_ms, MouthShape.X, resolution_ms)


@dataclass(frozen=True, slots=True, eq=False)
class JsonDocument:
    """A parsed JSON text that knows the line each of its objects starts on."""

    value: object
    _lines: dict[int, int]

    def line_of(self, item: object, default: int = 1) -> int:
        """The 1-based line where the JSON object ``item`` (a dict of ``value``) starts."""
        return self._lines.get(id(item), default)


def load_json(text: str, source: str) -> JsonDocument:
    """``text`` parsed as JSON, noting where each object starts (for error messages).

    Uses the json module's pure-Python scanner with its object parser wrapped: fine for cue
    files (hundreds of cues), not meant for megabytes.
    """
    newlines = [index for index, character in enumerate(text) if character == "\n"]
    lines: dict[int, int] = {}
    parse_object = getattr(json.decoder, "JSONObject")  # noqa: B009 - not in typeshed

    def located(state: tuple[str, int], *rest: Any) -> tuple[object, int]:
        item, end = parse_object(state, *rest)
        lines[id(item)] = bisect.bisect_left(newlines, state[1]) + 1
        return item, end

    decoder = json.JSONDecoder()
    setattr(decoder, "parse_object", located)  # noqa: B010 - the scanner reads this attribute
    setattr(decoder, "scan_once", getattr(json.scanner, "py_make_scanner")(decoder))  # noqa: B009, B010
    return JsonDocument(parse_json(decoder, text, source), lines)


def parse_json(decoder: json.JSONDecoder, text: str, source: str) -> object:
    """``decoder.decode(text)``, a syntax error naming the file and line."""
    try:
        value: object = decoder.decode(text)
    except json.JSONDecodeError as e:
        raise malformed(source, e.lineno, f"invalid JSON: {e.msg}") from e
    except RecursionError as e:
        raise CueFileError(f"malformed cue file {source}: JSON nested too deeply") from e
    return value

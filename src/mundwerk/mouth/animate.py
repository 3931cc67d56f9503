"""Phones to Rhubarb mouth shapes: the orchestrator of the animation steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Alignment
from mundwerk.core.shapes import EXTENDED_SHAPES, MouthShape
from mundwerk.core.timeline import Timeline
from mundwerk.mouth.anticipation import anticipate
from mundwerk.mouth.closures import ensure_closures
from mundwerk.mouth.durations import enforce_min_duration
from mundwerk.mouth.pauses import animate_pauses
from mundwerk.mouth.rough import animate_rough
from mundwerk.mouth.rules import DEFAULT_ANTICIPATION_MS, MAX_ANTICIPATION_MS
from mundwerk.mouth.target_set import to_target_set
from mundwerk.mouth.track import Track
from mundwerk.mouth.tweening import insert_tweens


@dataclass(frozen=True, slots=True)
class MouthOptions:
    """How phones become mouth shapes.

    ``extended_shapes``: which of G, H, X may appear. ``fps``: no shape (but a closure) is
    shorter than one frame at this rate; None for no limit. ``anticipation_ms``: how early
    the mouth moves toward a sound (0..40). ``tweens``: insert in-between shapes.
    """

    extended_shapes: frozenset[MouthShape] = EXTENDED_SHAPES
    fps: float | None = 100.0
    anticipation_ms: int = DEFAULT_ANTICIPATION_MS
    tweens: bool = True

    def __post_init__(self) -> None:
        if not self.extended_shapes <= EXTENDED_SHAPES:
            names = "".join(sorted(shape.value for shape in self.extended_shapes))
            raise UsageError(f"invalid extended shapes {names!r}; choose from G, H, X")
        if self.fps is not None and not (math.isfinite(self.fps) and self.fps > 0):
            raise UsageError(f"invalid frame rate {self.fps!r}; give a positive number of frames per second")
        if not 0 <= self.anticipation_ms <= MAX_ANTICIPATION_MS:
            raise UsageError(f"invalid anticipation {self.anticipation_ms!r} ms; choose 0 to 40")

    @property
    def frame_ms(self) -> int:
        """The shortest shape (but a closure) that shows at ``fps``."""
        return 1 if self.fps is None else math.ceil(1000 / self.fps)


def animate(alignment: Alignment, duration_ms: int, options: MouthOptions) -> Timeline[MouthShape]:
    """Mouth shapes covering ``[0, duration_ms)`` without gaps, for the phones of ``alignment``."""
    return animate_track(alignment, duration_ms, options).to_timeline()


def animate_track(alignment: Alignment, duration_ms: int, options: MouthOptions) -> Track:
    """:func:`animate` as the steps' own ``Track`` (start times and shapes as tuples): what a
    live stream looks shapes up in, without building a ``Timeline`` each run."""
    lead_ms = options.anticipation_ms
    track = animate_rough(alignment.phones, max(0, duration_ms))
    track = animate_pauses(track)
    track = anticipate(track, lead_ms)
    track = ensure_closures(track, alignment.phones, lead_ms)
    track = enforce_min_duration(track, options.frame_ms, MAX_ANTICIPATION_MS - lead_ms)
    if options.tweens:
        track = insert_tweens(track, options.frame_ms)
    return to_target_set(track, options.extended_shapes)

"""Step 7, target shape set: extended shapes that are not allowed become their closest basic shape."""

from __future__ import annotations

from collections.abc import Set

from mundwerk.core.shapes import EXTENDED_SHAPES, MouthShape
from mundwerk.mouth.rules import FALLBACKS
from mundwerk.mouth.track import Track


def to_target_set(track: Track, extended_shapes: Set[MouthShape]) -> Track:
    """Only basic shapes plus the allowed ``extended_shapes``."""
    if EXTENDED_SHAPES.issubset(extended_shapes):
        return track  # all allowed (the default): nothing to replace
    shapes = [
        FALLBACKS[shape] if shape in EXTENDED_SHAPES and shape not in extended_shapes else shape
        for shape in track.shapes
    ]
    return Track.build(track.starts, shapes, track.end_ms)

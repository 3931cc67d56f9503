"""Step 3, anticipation: the mouth moves toward each sound a little before it is heard."""

from __future__ import annotations

from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.track import Track


def anticipate(track: Track, lead_ms: int) -> Track:
    """Every shape starts ``lead_ms`` early, except a pause: speech is not cut short."""
    starts = [
        start if shape is MouthShape.X or index == 0 else start - lead_ms
        for index, (start, shape) in enumerate(zip(track.starts, track.shapes, strict=True))
    ]
    return Track.build(starts, track.shapes, track.end_ms)

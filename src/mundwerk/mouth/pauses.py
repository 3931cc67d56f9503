"""Step 2, pauses: a short pause holds or relaxes the mouth, a long one shows X."""

from __future__ import annotations

from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.rules import HOLD_PAUSE_MS, RELAX_PAUSE_MS, RELAXED
from mundwerk.mouth.track import Track


def animate_pauses(track: Track) -> Track:
    """Pauses between speech shorter than ``RELAX_PAUSE_MS`` keep a speaking shape (no flapping)."""
    cues = list(track.cues())
    shapes = list(track.shapes)
    for index in range(1, len(cues) - 1):
        start, end, shape = cues[index]
        if shape is MouthShape.X:
            shapes[index] = _pause_shape(cues[index - 1][2], end - start)
    return Track.build(track.starts, shapes, track.end_ms)


def _pause_shape(previous: MouthShape, duration_ms: int) -> MouthShape:
    if duration_ms < HOLD_PAUSE_MS:
        return previous
    if duration_ms < RELAX_PAUSE_MS:
        return RELAXED[previous]
    return MouthShape.X

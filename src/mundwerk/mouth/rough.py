"""Step 1, rough animation: each phone shows its shapes exactly while it sounds."""

from __future__ import annotations

from collections.abc import Sequence

from mundwerk.core.phones import Phone
from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.rules import phone_keys
from mundwerk.mouth.track import Track


def animate_rough(phones: Sequence[Phone], duration_ms: int) -> Track:
    """Shapes straight from the phone table; time no phone covers is a pause (X)."""
    starts: list[int] = [0]
    shapes: list[MouthShape] = [MouthShape.X]
    cursor = 0
    for phone in phones:
        if phone.start_ms >= duration_ms:
            break
        if phone.start_ms > cursor:
            starts.append(cursor)
            shapes.append(MouthShape.X)
        for start_ms, shape in phone_keys(phone):
            starts.append(start_ms)
            shapes.append(shape)
        cursor = max(cursor, phone.end_ms)
    if cursor < duration_ms:
        starts.append(cursor)
        shapes.append(MouthShape.X)
    return Track.build(starts, shapes, duration_ms)

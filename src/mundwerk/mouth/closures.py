"""Step 4, closures: every P, B and M closes the lips visibly, even in fast speech."""

from __future__ import annotations

from collections.abc import Sequence

from mundwerk.core.phones import Phone
from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.rules import BILABIALS, MIN_CLOSURE_MS
from mundwerk.mouth.track import Cue, Track, overlay


def ensure_closures(track: Track, phones: Sequence[Phone], lead_ms: int) -> Track:
    """Each bilabial shows A for at least ``MIN_CLOSURE_MS``, taking time from its neighbours."""
    spans = [_closure_span(phone, lead_ms) for phone in phones if phone.symbol in BILABIALS]
    return overlay(track, _joined(spans, track.end_ms))


def _closure_span(phone: Phone, lead_ms: int) -> tuple[int, int]:
    """Lead like any shape and end by the phone's end; if too short, start earlier (at most
    ``MAX_ANTICIPATION_MS`` for a phone of 2 ms or more); only at the very start, end later."""
    start = max(0, phone.start_ms - lead_ms)
    end = min(phone.end_ms, max(phone.end_ms - lead_ms, start + MIN_CLOSURE_MS))
    if end - start < MIN_CLOSURE_MS:
        start = max(0, end - MIN_CLOSURE_MS)
    return start, max(end, start + MIN_CLOSURE_MS)


def _joined(spans: list[tuple[int, int]], end_ms: int) -> list[Cue]:
    joined: list[Cue] = []
    for start, end in sorted(spans):
        start, end = min(start, end_ms), min(end, end_ms)
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]), MouthShape.A)
        elif end > start:
            joined.append((start, end, MouthShape.A))
    return joined

"""Step 5, minimum durations: no shape shorter than a frame, except a closure (A)."""

from __future__ import annotations

from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.rules import SALIENCE
from mundwerk.mouth.track import Cue, Track


def enforce_min_duration(track: Track, min_ms: int, max_extra_lead_ms: int) -> Track:
    """Each too-short shape takes time from a duller shape before it, or is absorbed by it.

    A shape starts at most ``max_extra_lead_ms`` earlier than it did, so it never leads its
    sound by more than allowed; a closure is never absorbed; a too-short first shape goes
    to the next one.
    """
    kept: list[Cue] = []
    carried_start: int | None = None
    for start, end, shape in track.cues():
        start = start if carried_start is None else carried_start
        carried_start = None
        if end - start >= min_ms or shape is MouthShape.A:
            kept.append((start, end, shape))
        elif not kept:
            carried_start = start
        elif _can_lend(kept[-1], shape, min_ms - (end - start), min_ms, max_extra_lead_ms):
            new_start = start - (min_ms - (end - start))
            kept[-1] = (kept[-1][0], new_start, kept[-1][2])
            kept.append((new_start, end, shape))
        else:
            kept[-1] = (kept[-1][0], end, kept[-1][2])
    if carried_start is not None:  # a single too-short shape: nothing to give it to
        return track
    return Track.from_cues(kept, track.end_ms)


def _can_lend(previous: Cue, shape: MouthShape, need: int, min_ms: int, max_extra_lead_ms: int) -> bool:
    """Whether ``previous`` gives ``need`` ms to the more salient ``shape`` after it."""
    start, end, previous_shape = previous
    return (
        need <= max_extra_lead_ms
        and previous_shape is not MouthShape.A
        and SALIENCE[shape] > SALIENCE[previous_shape]
        and end - start - need >= min_ms
    )

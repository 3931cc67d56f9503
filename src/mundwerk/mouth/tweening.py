"""Step 6, tweening: an in-between shape where a transition is too abrupt to draw directly."""

from __future__ import annotations

from itertools import pairwise

from mundwerk.mouth.rules import MAX_TWEEN_MS, MIN_TWEEN_MS, TWEENS, TweenTiming
from mundwerk.mouth.track import Cue, Track, overlay


def insert_tweens(track: Track, min_ms: int) -> Track:
    """In-betweens of ``MIN_TWEEN_MS``..``MAX_TWEEN_MS``, never shorter than ``min_ms``."""
    cues = list(track.cues())
    patches = [
        patch
        for first, second in pairwise(cues)
        if (patch := _tween(first, second, max(min_ms, MIN_TWEEN_MS))) is not None
    ]
    return overlay(track, patches)


def _tween(first: Cue, second: Cue, min_ms: int) -> Cue | None:
    rule = TWEENS.get((first[2], second[2]))
    if rule is None:
        return None
    shape, timing = rule
    first_ms, second_ms, cut_ms = first[1] - first[0], second[1] - second[0], first[1]
    if timing is TweenTiming.EARLY:
        duration = min(first_ms // 3, MAX_TWEEN_MS)
        start = cut_ms - duration
    elif timing is TweenTiming.CENTERED:
        duration = min(first_ms // 4, second_ms // 4, MAX_TWEEN_MS)
        start = cut_ms - duration // 2
    else:
        duration = min(second_ms // 3, MAX_TWEEN_MS)
        start = cut_ms
    return (start, start + duration, shape) if duration >= min_ms else None

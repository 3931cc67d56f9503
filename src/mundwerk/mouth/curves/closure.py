"""Bilabial closures: the lips meet at every P, B, M, however short.

A closure is held over the phone's segment, moved ``lead_ms`` ahead like everything else,
and always over the frame nearest the phone's middle, so it shows at any frame rate; the
lips approach and leave it along Gaussian flanks (``widths_ms``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mundwerk.mouth.curves.segments import Segments

FloatArray = npt.NDArray[np.float64]


def closure_holds(segments: Segments, lead_ms: float, fps: float) -> tuple[FloatArray, FloatArray]:
    """Start and end (ms, inclusive) of each hold, in order."""
    start = segments.start_ms[segments.lips_meet].astype(np.float64)
    end = segments.end_ms[segments.lips_meet].astype(np.float64)
    middle, half_frame_ms = (start + end) / 2, 500 / fps
    return np.minimum(start - lead_ms, middle - half_frame_ms), np.maximum(
        end - lead_ms, middle + half_frame_ms
    )


def closure_strength(
    segments: Segments, times_ms: FloatArray, lead_ms: float, fps: float, widths_ms: tuple[float, float]
) -> FloatArray:
    """Per frame, 1 inside a hold, falling off before (``widths_ms[0]``) and after (``[1]``) it."""
    return closure_strengths(segments, times_ms, lead_ms, fps, (widths_ms,))[0]


def closure_strengths(
    segments: Segments,
    times_ms: FloatArray,
    lead_ms: float,
    fps: float,
    widths_ms: Sequence[tuple[float, float]],
) -> list[FloatArray]:
    """:func:`closure_strength` for several flank widths at once: the holds and the distances
    to them are found once (the curves and the visemes fade with different widths)."""
    hold_start, hold_end = closure_holds(segments, lead_ms, fps)
    if len(hold_start) == 0:
        return [np.zeros_like(times_ms) for _ in widths_ms]
    following = np.searchsorted(hold_start, times_ms, side="right")
    previous = np.maximum(following - 1, 0)
    after = np.where(following > 0, np.maximum(times_ms - hold_end[previous], 0.0), np.inf)
    upcoming = np.minimum(following, len(hold_start) - 1)
    before = np.where(following < len(hold_start), hold_start[upcoming] - times_ms, np.inf)
    return [
        np.maximum(np.exp(-np.square(after / lag_ms)), np.exp(-np.square(before / lead_width_ms)))
        for lead_width_ms, lag_ms in widths_ms
    ]

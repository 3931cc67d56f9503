"""Phones to continuous mouth curves: the orchestrator of the curve steps."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.core.curves import MOUTH_PARAMETERS, MouthCurves, frame_count, frame_times_s
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Phone
from mundwerk.mouth.curves.blend import FloatArray, blend, pull
from mundwerk.mouth.curves.closure import closure_strength
from mundwerk.mouth.curves.segments import segments_from_phones
from mundwerk.mouth.curves.targets import (
    DOMINANCE,
    LAG_WIDTHS_MS,
    LEAD_MS,
    LEAD_WIDTHS_MS,
    TARGETS,
    TIME_CONSTANTS_MS,
)

_LIP_CLOSE = MOUTH_PARAMETERS.index("lip_close")


def check_fps(fps: float) -> None:
    """Raise a UsageError unless ``fps`` is a positive, finite frame rate."""
    if not (math.isfinite(fps) and fps > 0):
        raise UsageError(f"invalid frame rate {fps}; give a positive number such as 24 or 29.97")


def frame_times_ms(duration_ms: int, fps: float) -> FloatArray:
    """The time of every frame of a clip, in (fractional) milliseconds."""
    return frame_times_s(frame_count(duration_ms, fps), fps) * 1000


def curves_from_phones(
    phones: Sequence[Phone], duration_ms: int, fps: float, lead_ms: int = LEAD_MS
) -> MouthCurves:
    """Mouth parameters (``MOUTH_PARAMETERS``) at every frame of ``[0, duration_ms)``.

    The mouth moves ``lead_ms`` ahead of the phones; timing that already anticipates the
    sound (cues an animator placed by eye) passes 0.
    """
    check_fps(fps)
    times_ms = frame_times_ms(duration_ms, fps)
    segments = segments_from_phones(phones, duration_ms + lead_ms)
    values = blend(segments, times_ms + lead_ms, TARGETS, DOMINANCE, LEAD_WIDTHS_MS, LAG_WIDTHS_MS)
    closing = closure_strength(segments, times_ms, lead_ms, fps, TIME_CONSTANTS_MS["lip_close"])
    values[:, [_LIP_CLOSE]] = pull(values[:, [_LIP_CLOSE]], closing, 1.0)
    return MouthCurves(fps, MOUTH_PARAMETERS, np.clip(values, 0.0, 1.0))


def curves_for_analysis(analysis: Analysis, fps: float) -> MouthCurves:
    """The analysis' curves at ``fps``: its own (resampled if need be), else made from its phones."""
    if analysis.curves is None:
        return curves_from_phones(analysis.alignment.phones, analysis.duration_ms, fps)
    if analysis.curves.fps == fps:
        return analysis.curves
    check_fps(fps)
    return analysis.curves.resampled(fps, analysis.duration_ms)

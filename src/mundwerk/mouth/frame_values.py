"""Mouth parameters and viseme weights together, for a range of frames: what a live stream
needs from each run of the mouth pipeline.

``curves_from_phones`` and ``visemes_from_phones`` each cut the phones into segments and
blend targets over them. Here one segmentation and one blend (the viseme columns beside
the parameter columns) serve both, and only the frames asked for are computed. The values
are exactly theirs: the blend and the closures work column by column and frame by frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MOUTH_PARAMETERS, OCULUS_VISEMES, frame_count
from mundwerk.core.phones import Phone
from mundwerk.mouth.curves.blend import blend, pull
from mundwerk.mouth.curves.build import check_fps
from mundwerk.mouth.curves.closure import closure_strengths
from mundwerk.mouth.curves.segments import segments_from_phones
from mundwerk.mouth.curves.targets import (
    DOMINANCE,
    LAG_WIDTHS_MS,
    LEAD_MS,
    LEAD_WIDTHS_MS,
    TARGETS,
    TIME_CONSTANTS_MS,
)
from mundwerk.mouth.visemes import LAG_WIDTH_MS, LEAD_WIDTH_MS, PP_WEIGHTS, VISEME_ROWS

_PARAMETERS = len(MOUTH_PARAMETERS)
_LIP_CLOSE = MOUTH_PARAMETERS.index("lip_close")
#: The curves' targets and the visemes' one-hot rows side by side [rows × (parameters + visemes)],
#: with their dominances (every viseme equally dominant) and time constants.
_TARGETS = np.concatenate([TARGETS, VISEME_ROWS], axis=1)
_DOMINANCE = np.concatenate([DOMINANCE, np.ones_like(VISEME_ROWS)], axis=1)
_LEAD_WIDTHS_MS = np.concatenate([LEAD_WIDTHS_MS, np.full(len(OCULUS_VISEMES), LEAD_WIDTH_MS)])
_LAG_WIDTHS_MS = np.concatenate([LAG_WIDTHS_MS, np.full(len(OCULUS_VISEMES), LAG_WIDTH_MS)])
_CLOSURE_WIDTHS_MS = (TIME_CONSTANTS_MS["lip_close"], (LEAD_WIDTH_MS, LAG_WIDTH_MS))


@dataclass(frozen=True, slots=True, eq=False)
class FrameValues:
    """Row ``i`` is frame ``first_frame + i``: ``parameters`` as ``curves_from_phones`` gives
    them (``MOUTH_PARAMETERS``), ``visemes`` as ``visemes_from_phones`` does; float32."""

    first_frame: int
    parameters: npt.NDArray[np.float32]
    visemes: npt.NDArray[np.float32]

    @property
    def stop_frame(self) -> int:
        return self.first_frame + len(self.parameters)


def frame_values(phones: Sequence[Phone], duration_ms: int, fps: float, first_frame: int = 0) -> FrameValues:
    """Mouth parameters and viseme weights at the frames of ``[0, duration_ms)`` from ``first_frame`` on."""
    check_fps(fps)
    count = frame_count(duration_ms, fps)
    first = min(max(first_frame, 0), count)
    times_ms = np.arange(first, count, dtype=np.float64) / fps * 1000  # as frame_times_ms, from first
    segments = segments_from_phones(phones, duration_ms + LEAD_MS)
    blended = blend(segments, times_ms + LEAD_MS, _TARGETS, _DOMINANCE, _LEAD_WIDTHS_MS, _LAG_WIDTHS_MS)
    lips, visemes = closure_strengths(segments, times_ms, LEAD_MS, fps, _CLOSURE_WIDTHS_MS)
    parameters = blended[:, :_PARAMETERS]
    parameters[:, [_LIP_CLOSE]] = pull(parameters[:, [_LIP_CLOSE]], lips, 1.0)
    return FrameValues(
        first,
        np.minimum(np.maximum(parameters, 0.0), 1.0).astype(np.float32),  # np.clip, with less overhead
        pull(blended[:, _PARAMETERS:], visemes, PP_WEIGHTS).astype(np.float32),
    )

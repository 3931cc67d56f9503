"""Mouth measurements from the 478 landmarks: inner-lip opening, mouth width, lip closure.

Distances are 3D (x, y and z in pixels) and normalised by the distance between the outer
eye corners, which neither the jaw nor a turn of the head changes much.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

UPPER_INNER_LIP = 13
LOWER_INNER_LIP = 14
MOUTH_CORNERS = (61, 291)
OUTER_EYE_CORNERS = (33, 263)
#: Lips count as closed below this inner-lip opening (a fraction of the eye-corner distance).
LIPS_CLOSED_MAX_OPENING = 0.05


@dataclass(frozen=True)
class MouthMeasure:
    """One face's mouth: pixel distances and the same divided by ``face_scale_px``."""

    opening_px: float
    width_px: float
    face_scale_px: float

    @property
    def opening(self) -> float:
        """Inner-lip opening (landmark 13 to 14) per eye-corner distance."""
        return self.opening_px / self.face_scale_px

    @property
    def width(self) -> float:
        """Mouth-corner distance (61 to 291) per eye-corner distance."""
        return self.width_px / self.face_scale_px

    @property
    def lips_closed(self) -> bool:
        return self.opening < LIPS_CLOSED_MAX_OPENING


def measure_mouth(landmarks_px: npt.NDArray[np.float32]) -> MouthMeasure:
    """The mouth of one face's landmarks (at least 468 rows of x, y, z in pixels)."""
    if landmarks_px.ndim != 2 or landmarks_px.shape[0] < 468 or landmarks_px.shape[1] != 3:
        raise ValueError(f"expected landmarks of shape (478, 3), got {landmarks_px.shape}")
    points = landmarks_px.astype(np.float64)
    scale = _distance(points, *OUTER_EYE_CORNERS)
    if scale <= 0:
        raise ValueError("degenerate landmarks: the outer eye corners coincide")
    return MouthMeasure(
        opening_px=_distance(points, UPPER_INNER_LIP, LOWER_INNER_LIP),
        width_px=_distance(points, *MOUTH_CORNERS),
        face_scale_px=scale,
    )


def _distance(points: npt.NDArray[np.float64], first: int, second: int) -> float:
    return float(np.linalg.norm(points[first] - points[second]))

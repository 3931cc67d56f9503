"""Zoomed search windows for faces that are small in a large image.

MediaPipe's face detector sees the whole image at 128×128, so a face under about an
eighth of the image's long side is missed. When the full frame finds nothing, the image is
searched in overlapping square windows, each level half the side of the one before,
down to windows small enough that a face of the smallest usable size is found.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The smallest face the detector finds, as a fraction of the side of the square it sees.
DETECTABLE_FACE_FRACTION = 0.13


@dataclass(frozen=True)
class Window:
    """A square part of the image, in pixels."""

    left_px: int
    top_px: int
    side_px: int


def zoom_levels(width_px: int, height_px: int, min_face_px: int) -> tuple[tuple[Window, ...], ...]:
    """Levels of overlapping windows (half-side stride), coarsest first."""
    finest_side = min_face_px / DETECTABLE_FACE_FRACTION
    side = min(width_px, height_px)
    if max(width_px, height_px) <= side * 1.25:
        side //= 2  # the full frame already searched this scale
    levels = []
    while side >= min_face_px:
        levels.append(_windows(width_px, height_px, side))
        if side <= finest_side:
            break
        side //= 2
    return tuple(levels)


def _windows(width_px: int, height_px: int, side: int) -> tuple[Window, ...]:
    return tuple(Window(x, y, side) for y in _starts(height_px, side) for x in _starts(width_px, side))


def _starts(extent: int, side: int) -> list[int]:
    """Window starts every half side, the last one flush with the far edge."""
    last = max(extent - side, 0)
    starts = list(range(0, last, max(side // 2, 1)))
    return [*starts, last]


def overlap(first: tuple[float, float, float, float], second: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    area = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1])
    return inter / (area - inter)

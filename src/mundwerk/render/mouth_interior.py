"""Inside the mouth: a dark cavity where the inner lips part, with an upper-teeth band.

Colours come from the photo: the cavity is the lips' colour darkened, the teeth an
off-white tinted toward the skin and lit like it. The mask is blurred for soft edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from mundwerk.face.mesh import INNER_LIP_RING

Points = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]

OUTER_LIP_RING = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
#: The upper inner lip from corner to corner (its first half of INNER_LIP_RING).
UPPER_INNER = INNER_LIP_RING[:11]
LOWER_INNER = (INNER_LIP_RING[0], *reversed(INNER_LIP_RING[10:]))
CHEEKS = (50, 280, 205, 425)
TEETH_WHITE = np.array([236.0, 232.0, 222.0])
#: Teeth height as a share of the local opening, and at most a share of the face height.
TEETH_SHARE, TEETH_MAX = 0.3, 0.03
LOWER_TEETH_SHARE = 0.15
#: Openings below this (px) draw nothing.
MIN_OPENING_PX = 0.6


@dataclass(frozen=True, slots=True)
class MouthColours:
    """The cavity and teeth colours (RGB floats 0..255) for one photo."""

    cavity: npt.NDArray[np.float64]
    teeth: npt.NDArray[np.float64]
    seam: npt.NDArray[np.float64]

    @classmethod
    def sample(cls, image: Image, points: Points) -> MouthColours:
        lips = _mean_colour(image, points, OUTER_LIP_RING, INNER_LIP_RING)
        skin = np.mean([image[_pixel(image, points[i])] for i in CHEEKS], axis=0).astype(np.float64)
        cavity = lips * 0.22 + np.array([8.0, 2.0, 2.0])
        light = float(np.clip(skin.mean() / 170.0, 0.8, 1.05))
        teeth = (TEETH_WHITE * 0.85 + skin * 0.15) * light
        seam = lips * 0.6
        return cls(np.clip(cavity, 0, 255), np.clip(teeth, 0, 255), np.clip(seam, 0, 255))


def _pixel(image: Image, point: npt.NDArray[np.float64]) -> tuple[int, int]:
    height, width = image.shape[:2]
    x = int(np.clip(round(float(point[0])), 0, width - 1))
    y = int(np.clip(round(float(point[1])), 0, height - 1))
    return y, x


def _mean_colour(image: Image, points: Points, outer: tuple[int, ...], inner: tuple[int, ...]) -> Points:
    mask = np.zeros(image.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points[list(outer)]).astype(np.int32)], 255)
    cv2.fillPoly(mask, [np.round(points[list(inner)]).astype(np.int32)], 0)
    if not mask.any():
        return np.array([150.0, 80.0, 80.0])
    return np.asarray(cv2.mean(image, mask=mask)[:3], dtype=np.float64)


def paint_mouth(
    image: Image, points: Points, colours: MouthColours, face_height_px: float, jaw_open: float
) -> None:
    """Paint the oral cavity and teeth into ``image`` (in place) inside the inner lips at ``points``."""
    ring = points[list(INNER_LIP_RING)]
    gap = _opening_px(points)
    if gap < MIN_OPENING_PX:
        _paint_seam(image, points, colours)
        return
    left, top = np.floor(ring.min(axis=0)).astype(int) - 3
    right, bottom = np.ceil(ring.max(axis=0)).astype(int) + 4
    height, width = image.shape[:2]
    left, top, right, bottom = max(left, 0), max(top, 0), min(right, width), min(bottom, height)
    if right <= left or bottom <= top:
        return
    offset = np.array([left, top], dtype=np.float64)
    size = (bottom - top, right - left)
    mouth = _polygon_mask(size, ring - offset)
    teeth_px = min(gap * TEETH_SHARE, TEETH_MAX * face_height_px)
    upper_teeth = _band_mask(size, points[list(UPPER_INNER)] - offset, teeth_px)
    lower_px = gap * LOWER_TEETH_SHARE * float(np.clip((jaw_open - 0.4) / 0.4, 0.0, 1.0))
    lower_teeth = _band_mask(size, points[list(LOWER_INNER)] - offset, -lower_px)
    shade = _shading(size, ring - offset)
    teeth = np.clip(upper_teeth + lower_teeth, 0.0, 1.0)[..., None]
    colour = colours.cavity * (1 - teeth) + colours.teeth * teeth * shade[..., None]
    alpha = cv2.GaussianBlur(mouth, (0, 0), max(0.6, min(gap * 0.08, 1.5)))[..., None]
    alpha = alpha * np.clip(gap / 2.0, 0.0, 1.0)
    region = image[top:bottom, left:right].astype(np.float32)
    image[top:bottom, left:right] = np.clip(region * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)


def _paint_seam(image: Image, points: Points, colours: MouthColours) -> None:
    """Closed lips: a soft line where they meet (it hides what was between the photo's lips)."""
    upper = points[list(UPPER_INNER)]
    lower = points[list(LOWER_INNER)]
    seam = np.round((upper + lower) / 2 * 16).astype(np.int32)
    colour = tuple(float(value) for value in colours.seam)
    cv2.polylines(image, [seam], False, colour, thickness=1, lineType=cv2.LINE_AA, shift=4)


def _opening_px(points: Points) -> float:
    return float(np.linalg.norm(points[14] - points[13]))


def _polygon_mask(size: tuple[int, int], polygon: Points) -> npt.NDArray[np.float32]:
    mask = np.zeros(size, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


def _band_mask(size: tuple[int, int], contour: Points, depth_px: float) -> npt.NDArray[np.float32]:
    """The strip between ``contour`` and the same contour moved down by ``depth_px``."""
    if abs(depth_px) < 0.5:
        return np.zeros(size, dtype=np.float32)
    shifted = contour + np.array([0.0, depth_px])
    # Shallower towards the corners, where the teeth curve away.
    shifted[0], shifted[-1] = contour[0], contour[-1]
    polygon = np.concatenate([contour, shifted[::-1]])
    return _polygon_mask(size, polygon)


def _shading(size: tuple[int, int], ring: Points) -> npt.NDArray[np.float32]:
    """Darker towards the mouth corners (the teeth turn away from the light)."""
    centre = float(ring[:, 0].mean())
    half = max(float(np.ptp(ring[:, 0])) / 2, 1.0)
    columns = np.arange(size[1], dtype=np.float32)
    across = 1.0 - 0.55 * np.clip(np.abs(columns - centre) / half, 0.0, 1.0) ** 2
    return np.broadcast_to(across[None, :], size).astype(np.float32)

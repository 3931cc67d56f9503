"""Inside the mouth: a dark cavity where the inner lips part, teeth bands and a tongue.

Colours come from the photo: the cavity is the lips' colour darkened, the tongue the lips'
colour a little darker and redder, the teeth an off-white tinted toward the skin and lit
like it. Back to front: cavity, tongue (lying low, or with ``tongue_up`` raised to the
ridge behind the upper teeth, as for l, th, t, d, n), then the teeth over it. Upper teeth
show as soon as the lips part, lower ones once the jaw drops. The mask is blurred for soft edges.
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
#: The tongue: the lips' colour darkened and reddened; its width as a share of the mouth's;
#: how dark it is lying low (it is in the mouth's shadow) and raised.
TONGUE_SHARE, TONGUE_TINT = 0.72, np.array([22.0, 2.0, 6.0])
TONGUE_WIDTH = 0.34
TONGUE_LIGHT = (0.5, 0.95)
#: Openings below this (px) draw nothing.
MIN_OPENING_PX = 0.6


@dataclass(frozen=True, slots=True)
class MouthColours:
    """The cavity and teeth colours (RGB floats 0..255) for one photo."""

    cavity: npt.NDArray[np.float64]
    teeth: npt.NDArray[np.float64]
    seam: npt.NDArray[np.float64]
    tongue: npt.NDArray[np.float64]

    @classmethod
    def sample(cls, image: Image, points: Points) -> MouthColours:
        lips = _mean_colour(image, points, OUTER_LIP_RING, INNER_LIP_RING)
        skin = np.mean([image[_pixel(image, points[i])] for i in CHEEKS], axis=0).astype(np.float64)
        cavity = lips * 0.22 + np.array([8.0, 2.0, 2.0])
        light = float(np.clip(skin.mean() / 170.0, 0.8, 1.05))
        teeth = (TEETH_WHITE * 0.85 + skin * 0.15) * light
        seam = lips * 0.6
        tongue = lips * TONGUE_SHARE + TONGUE_TINT
        colours = (cavity, teeth, seam, tongue)
        return cls(*(np.clip(colour, 0, 255) for colour in colours))


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
    image: Image,
    points: Points,
    colours: MouthColours,
    face_height_px: float,
    jaw_open: float,
    tongue_up: float = 0.0,
) -> None:
    """Paint cavity, tongue and teeth into ``image`` (in place) inside the inner lips at ``points``."""
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
    shade = _shading(size, ring - offset)[..., None]
    teeth = np.clip(upper_teeth + lower_teeth, 0.0, 1.0)[..., None]
    tongue, tongue_light = _tongue(size, points - offset, teeth_px, tongue_up)
    back = colours.cavity * (1 - tongue) + colours.tongue * tongue * tongue_light * shade
    colour = back * (1 - teeth) + colours.teeth * teeth * shade
    alpha = cv2.GaussianBlur(mouth, (0, 0), max(0.6, min(gap * 0.08, 1.5)))[..., None]
    alpha = alpha * np.clip(gap / 2.0, 0.0, 1.0)
    region = image[top:bottom, left:right].astype(np.float32)
    image[top:bottom, left:right] = np.clip(region * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)


def _tongue(
    size: tuple[int, int], points: Points, teeth_px: float, tongue_up: float
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The tongue's mask and light: its top lies low behind the lower lip, or with ``tongue_up``
    rises to just behind the upper teeth; lit from above, darker when low."""
    ring = points[list(INNER_LIP_RING)]
    upper_y, lower_y = float(points[13, 1]), float(points[14, 1])
    raised_top = upper_y + teeth_px * 0.6
    low_top = lower_y - 0.22 * max(lower_y - upper_y, 0.0)
    up = float(np.clip(tongue_up, 0.0, 1.0))
    top = low_top + (raised_top - low_top) * up
    centre_x = float(ring[:, 0].mean())
    half_width = TONGUE_WIDTH * float(np.ptp(ring[:, 0])) * (0.8 + 0.2 * up)
    half_height = max(lower_y + half_width * 0.6 - top, 1.0)
    mask = np.zeros(size, dtype=np.uint8)
    centre = (round(centre_x * 16), round((top + half_height) * 16))
    axes = (max(round(half_width * 16), 1), max(round(half_height * 16), 1))
    cv2.ellipse(mask, centre, axes, 0.0, 0.0, 360.0, 255, -1, cv2.LINE_AA, 4)
    rows = np.arange(size[0], dtype=np.float32)[:, None]
    depth = np.clip((rows - top) / max(half_height, 1.0), 0.0, 1.0)
    light = TONGUE_LIGHT[0] + (TONGUE_LIGHT[1] - TONGUE_LIGHT[0]) * up
    shading = np.broadcast_to(light * (1.0 - 0.35 * depth), size).astype(np.float32)
    return (mask.astype(np.float32) / 255.0)[..., None], shading[..., None]


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

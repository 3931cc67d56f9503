"""Idle motion drawn on a portrait: raised brows, moving irises and a gently moving head.

- Brows: the brow landmarks and the skin around them move up in the mesh warp's targets
  (eyelids and the face's outline stay, so the stretch is taken up by the skin between).
- Gaze: inside each eye's opening (at the current lids) the iris is shifted by a smooth
  displacement that is full on the iris and fades to nothing before the eye's corners.
- Head: a dense displacement field over the head that fades smoothly into the background
  (no box, no seam, no tearing): a rotation (roll) about the neck plus a shift, and for yaw
  and pitch a parallax bulge centred on the nose (the front of the face moves furthest).

``MotionRig.of`` prepares one portrait; ``shift_brows``, ``move_irises`` and ``move_head``
apply one frame's ``IdlePose``. A zero pose changes nothing, pixel for pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from mundwerk.mouth.idle import IdlePose
from mundwerk.render.warp import EYELID_PAIRS, FACE_OVAL, FaceRig

Points = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]
Field = npt.NDArray[np.float32]

BROWS = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55, 300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
#: Eye openings (corner, lower lid, corner, upper lid) for the two eyes.
EYE_RINGS = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466),
)
#: Iris landmarks (centre first, then four on its rim) for the two eyes, after the 468 mesh points.
IRISES = ((468, 469, 470, 471, 472), (473, 474, 475, 476, 477))
#: Pixels follow the iris fully within its radius, not at all beyond this many radii; the box
#: around each iris leaves room for gazes up to this many eye widths.
IRIS_REACH = 2.2
GAZE_MARGIN = 0.2
#: A full brow raise in face heights; how far (face heights) the raise reaches into the skin.
BROW_RAISE_MAX = 0.03
BROW_REACH = 0.06
#: The head region: an ellipse around the face (semi-axes in face heights), the fade beyond it
#: (in ellipse radii) and the parallax depth of the nose in front of the turning axis.
HEAD_AXES = (0.72, 0.85)
HEAD_FADE = 0.5
PARALLAX_DEPTH = 0.5
PARALLAX_SPREAD = (0.38, 0.5)
#: The head's displacement is computed every this many pixels and interpolated in between.
FIELD_STEP_PX = 4
#: Below the chin, where the neck turns (face heights).
NECK_BELOW_CHIN = 0.25
#: An empty second map for ``cv2.convertMaps`` (the first holds both x and y).
_NO_MAP = np.empty((0, 0), dtype=np.float32)


@dataclass(frozen=True, slots=True, eq=False)
class EyeRig:
    """One eye: its opening's landmarks, a box around the iris and how much each pixel there follows it."""

    ring: tuple[int, ...]
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive), px
    grid_x: Field
    grid_y: Field
    follow: Field  # 1 on the iris, fading to 0 at IRIS_REACH iris radii
    radius_px: float
    width_px: float


@dataclass(frozen=True, slots=True, eq=False)
class HeadField:
    """The head region's precomputed weights over a box of the photo."""

    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive), px
    grid: Field  # every pixel's (x, y) in the box, (height, width, 2)
    # The rest on a coarse grid (every FIELD_STEP_PX): the field is smooth, so it is computed
    # there and scaled up, which keeps the head's motion to about a millisecond a frame.
    weight: Field  # 1 on the head, fading to 0 in the background
    weight_x: Field  # weight × (x - neck x)
    weight_y: Field  # weight × (y - neck y)
    bulge: Field  # parallax share: 1 at the nose, less towards the outline
    u_axis: Points
    v_axis: Points
    face_height_px: float


@dataclass(frozen=True, slots=True, eq=False)
class MotionRig:
    """What one portrait needs for idle motion."""

    brow_weight: Points  # (468,) share of the full raise per landmark
    up_px: Points  # a full raise as an image displacement (px)
    eyes: tuple[EyeRig, ...]
    head: HeadField

    @classmethod
    def of(cls, landmarks_px: npt.ArrayLike, rig: FaceRig, image_size: tuple[int, int]) -> MotionRig:
        landmarks = np.asarray(landmarks_px, dtype=np.float64)[:, :2]
        height = rig.frame.height_px
        up = -rig.frame.v_axis * BROW_RAISE_MAX * height
        eyes = tuple(
            _eye(landmarks, ring, iris, image_size) for ring, iris in zip(EYE_RINGS, IRISES, strict=True)
        )
        present = tuple(eye for eye in eyes if eye is not None)
        return cls(_brow_weights(rig), up, present, _head_field(landmarks, rig, image_size))

    def shift_brows(self, targets: Points, pose: IdlePose) -> Points:
        """``targets`` (468 landmarks, px) with the brows raised by ``pose.brow_raise``."""
        if pose.brow_raise == 0:
            return targets
        return targets + self.brow_weight[:, None] * (self.up_px * pose.brow_raise)

    def move_irises(self, image: Image, targets: Points, pose: IdlePose) -> None:
        """Shift each iris (in place) by the pose's gaze, inside the eye's opening at ``targets``."""
        if pose.gaze_x_eye_widths == 0 and pose.gaze_y_eye_widths == 0:
            return
        for eye in self.eyes:
            gaze = np.array([pose.gaze_x_eye_widths, pose.gaze_y_eye_widths]) * eye.width_px
            _shift_iris(image, targets[list(eye.ring)], eye, gaze)

    def move_head(self, image: Image, pose: IdlePose) -> None:
        """Turn and shift the head in ``image`` (in place) by ``pose``."""
        if pose.moves_head:
            _move_head(image, self.head, pose)


def _brow_weights(rig: FaceRig) -> Points:
    """Per landmark: 1 on the brows, fading with distance; 0 on the eyelids and the face's outline."""
    height = rig.frame.height_px
    brows = rig.uv[list(BROWS)]
    distance = np.min(np.linalg.norm(rig.uv[:, None, :] - brows[None, :, :], axis=2), axis=1)
    weight = np.exp(-((distance / (BROW_REACH * height)) ** 2))
    lid_v = float(np.max(rig.uv[[upper for upper, _ in EYELID_PAIRS], 1]))
    brow_v = float(np.mean(brows[:, 1]))
    above_lids = np.clip((lid_v - rig.uv[:, 1]) / max(lid_v - brow_v, 1.0), 0.0, 1.0)
    weight *= above_lids * above_lids
    for ring in EYE_RINGS:
        weight[list(ring)] = 0.0
    weight[list(FACE_OVAL)] = 0.0
    return np.asarray(weight, dtype=np.float64)


def _eye(
    landmarks: Points, ring: tuple[int, ...], iris: tuple[int, ...], image_size: tuple[int, int]
) -> EyeRig | None:
    if len(landmarks) <= max(iris):
        return None
    centre = landmarks[iris[0]]
    radius = max(float(np.mean(np.linalg.norm(landmarks[list(iris[1:])] - centre, axis=1))), 1.0)
    width = max(float(np.linalg.norm(landmarks[ring[0]] - landmarks[ring[8]])), 2.0)
    left, top, right, bottom = _box_around(centre, IRIS_REACH * radius + GAZE_MARGIN * width, image_size)
    ys, xs = np.mgrid[top:bottom, left:right].astype(np.float32)
    distance = np.hypot(xs - centre[0], ys - centre[1]) / radius
    fade = np.clip((IRIS_REACH - distance) / (IRIS_REACH - 1.0), 0.0, 1.0)
    follow = (fade * fade * (3 - 2 * fade)).astype(np.float32)
    return EyeRig(ring, (left, top, right, bottom), xs, ys, follow, radius, width)


def _shift_iris(image: Image, opening: Points, eye: EyeRig, gaze_px: Points) -> None:
    left, top, right, bottom = eye.box
    if right - left < 3 or bottom - top < 3:
        return
    mask = np.zeros((bottom - top, right - left), dtype=np.uint8)
    offset = np.array([left, top], dtype=np.float64)
    cv2.fillPoly(mask, [np.round((opening - offset) * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    inside = cv2.GaussianBlur(mask, (0, 0), max(eye.radius_px * 0.15, 0.5)).astype(np.float32) / 255.0
    weight = inside * eye.follow
    map_x = eye.grid_x - np.float32(gaze_px[0]) * weight
    map_y = eye.grid_y - np.float32(gaze_px[1]) * weight
    moved = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    changed = weight > 0
    image[top:bottom, left:right][changed] = moved[changed]


def _head_field(landmarks: Points, rig: FaceRig, image_size: tuple[int, int]) -> HeadField:
    frame = rig.frame
    height = frame.height_px
    points = rig.points
    centre = (points[10] + points[152]) / 2 - frame.v_axis * 0.1 * height
    neck = points[152] + frame.v_axis * NECK_BELOW_CHIN * height
    box = _box_around(centre, (1 + HEAD_FADE) * max(HEAD_AXES) * height, image_size)
    left, top, right, bottom = box
    ys, xs = np.mgrid[top:bottom:FIELD_STEP_PX, left:right:FIELD_STEP_PX].astype(np.float64)
    u, v = _face_coordinates(xs, ys, centre, frame.u_axis, frame.v_axis)
    radius = np.hypot(u / (HEAD_AXES[0] * height), v / (HEAD_AXES[1] * height))
    fade = np.clip((radius - 1.0) / HEAD_FADE, 0.0, 1.0)
    weight = 1.0 - fade * fade * (3 - 2 * fade)
    nose_u, nose_v = _face_coordinates(xs, ys, points[1], frame.u_axis, frame.v_axis)
    spread_u, spread_v = (s * height for s in PARALLAX_SPREAD)
    bulge = weight * np.exp(-((nose_u / spread_u) ** 2) - (nose_v / spread_v) ** 2)
    full_ys, full_xs = np.mgrid[top:bottom, left:right].astype(np.float32)
    return HeadField(
        box,
        np.stack([full_xs, full_ys], axis=2),
        weight.astype(np.float32),
        (weight * (xs - neck[0])).astype(np.float32),
        (weight * (ys - neck[1])).astype(np.float32),
        bulge.astype(np.float32),
        frame.u_axis,
        frame.v_axis,
        height,
    )


def _box_around(centre: Points, reach: float, image_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom; px) reaching ``reach`` around ``centre``, inside the image."""
    width, height = image_size
    left = max(math.floor(float(centre[0]) - reach), 0)
    top = max(math.floor(float(centre[1]) - reach), 0)
    right = min(math.ceil(float(centre[0]) + reach) + 1, width)
    bottom = min(math.ceil(float(centre[1]) + reach) + 1, height)
    return left, top, right, bottom


def _face_coordinates(
    xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], origin: Points, u_axis: Points, v_axis: Points
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    dx, dy = xs - origin[0], ys - origin[1]
    return dx * u_axis[0] + dy * u_axis[1], dx * v_axis[0] + dy * v_axis[1]


def _move_head(image: Image, head: HeadField, pose: IdlePose) -> None:
    """Backward map: each output pixel reads the photo at itself minus the head's displacement there."""
    angle = -math.radians(pose.roll_deg)  # counter-clockwise on screen, with y pointing down
    cos_1, sin = math.cos(angle) - 1.0, math.sin(angle)
    shift = head.u_axis * pose.shift_x_face_heights + head.v_axis * pose.shift_y_face_heights
    turn = head.u_axis * math.sin(math.radians(pose.yaw_deg))
    nod = head.v_axis * math.sin(math.radians(pose.pitch_deg))
    parallax = (turn - nod) * PARALLAX_DEPTH * head.face_height_px
    shift = shift * head.face_height_px
    move_x = cos_1 * head.weight_x - sin * head.weight_y + shift[0] * head.weight + parallax[0] * head.bulge
    move_y = sin * head.weight_x + cos_1 * head.weight_y + shift[1] * head.weight + parallax[1] * head.bulge
    coarse = np.stack([move_x, move_y], axis=2).astype(np.float32)
    size = (head.grid.shape[1], head.grid.shape[0])
    backward = cv2.resize(coarse, size, interpolation=cv2.INTER_LINEAR)
    np.subtract(head.grid, backward, out=backward)  # in place: no second full-size field
    left, top, right, bottom = head.box
    # Fixed-point maps (1/32 px) remap about twice as fast as float ones, conversion included;
    # the two-channel field converts as it is (no split into x and y).
    fixed, fraction = cv2.convertMaps(backward, _NO_MAP, cv2.CV_16SC2)
    moved = cv2.remap(image, fixed, fraction, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    image[top:bottom, left:right] = moved

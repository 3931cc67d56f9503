"""Moving the lower face: landmark targets from mouth parameters, then a piecewise-affine warp.

A ``FaceRig`` is prepared once per portrait. It knows, for each of the 468 mesh landmarks,
whether it rides on the jaw or the skull, how close it is to the lips and its place in a
face-aligned frame (``u`` along the eyes, ``v`` down the face). ``targets(params)`` moves the
landmarks; ``Warper.warp`` draws the photo so each mesh triangle lands on its target. The
triangles are the canonical mesh's plus a ring of fixed anchors around the lower face, so
the warp is the identity outside that ring: no seam, and the rest of the photo is untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MOUTH_PARAMETERS
from mundwerk.face.mesh import INNER_LIP_RING

Points = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]

MESH_POINTS = 468
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
#: Inner-lip landmarks facing each other, upper then lower, from the image's left to right.
INNER_LIP_PAIRS = (
    (191, 95), (80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318), (415, 324),
)  # fmt: skip
UPPER_INNER_LIP = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER_LIP = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291)
INNER_MOUTH_CORNERS = (78, 308)
EYE_CORNERS = (33, 263)
FOREHEAD, CHIN, NOSE_BASE = 10, 152, 2
EARS = (234, 454)
#: Eyelids for blinks: (upper lid, lower lid) landmark pairs per eye.
EYELID_PAIRS = (
    (246, 7), (161, 163), (160, 144), (159, 145), (158, 153), (157, 154), (173, 155),
    (466, 249), (388, 390), (387, 373), (386, 374), (385, 380), (384, 381), (398, 382),
)  # fmt: skip

#: Displacements as fractions of the face height (forehead 10 to chin 152).
JAW_OPEN_MAX = 0.12
LOWER_LIP_DROP_MAX = 0.03
UPPER_LIP_RAISE_MAX = 0.025
LIP_PRESS_MAX = 0.012
FUNNEL_OPEN_MAX = 0.015
PUCKER_NARROW = 0.28
FUNNEL_NARROW = 0.18
STRETCH_WIDEN = 0.14
SMILE_WIDEN, SMILE_LIFT = 0.08, 0.02
#: The share of the jaw's opening that fully closed lips take away.
JAW_LIFT_BY_CLOSURE = 0.8
#: The share of the jaw's drop the lower lip takes next to the mouth corners.
CORNER_JAW_SHARE = 0.25
#: How deep into the lips (face heights) the mouth triangles read their pixels.
MOUTH_SOURCE_DEPTH = 0.012
#: How far from the lip line (face heights) the lips' pull on the skin reaches.
LIP_REACH_V, LIP_REACH_U = 0.07, 0.08


@dataclass(frozen=True, slots=True)
class FaceFrame:
    """A face-aligned frame: ``u`` along the eye line, ``v`` down the face, in pixels."""

    origin: Points
    u_axis: Points
    v_axis: Points
    height_px: float

    @classmethod
    def of(cls, points: Points) -> FaceFrame:
        eyes = points[EYE_CORNERS[1]] - points[EYE_CORNERS[0]]
        u_axis = eyes / max(float(np.linalg.norm(eyes)), 1e-6)
        v_axis = np.array([-u_axis[1], u_axis[0]])
        if float(np.dot(points[CHIN] - points[FOREHEAD], v_axis)) < 0:
            v_axis = -v_axis
        height = float(np.linalg.norm(points[CHIN] - points[FOREHEAD]))
        origin = (points[MOUTH_CORNERS[0]] + points[MOUTH_CORNERS[1]]) / 2
        return cls(origin, u_axis, v_axis, max(height, 1.0))

    def to_uv(self, points: Points) -> Points:
        offset = points - self.origin
        return np.stack([offset @ self.u_axis, offset @ self.v_axis], axis=1)

    def to_xy(self, displacement_uv: Points) -> Points:
        """Displacements (du, dv) as image (dx, dy)."""
        return displacement_uv[:, :1] * self.u_axis + displacement_uv[:, 1:] * self.v_axis


def _smoothstep(values: Points) -> Points:
    t = np.clip(values, 0.0, 1.0)
    return t * t * (3 - 2 * t)


@dataclass(frozen=True, slots=True, eq=False)
class FaceRig:
    """Per-landmark weights of one portrait; ``targets`` moves its landmarks."""

    points: Points  # (468, 2) source positions, px
    frame: FaceFrame
    uv: Points
    jaw: Points  # how much each point follows the jaw (lever included), (468,)
    lower: Points  # membership of the lower lip, (468,)
    upper: Points  # membership of the upper lip, (468,)
    closing_uv: Points  # (468, 2) the displacement that closes the photo's lips
    half_width_px: float
    gate: Points  # 0 above the nose's base, 1 from a little below it: nothing above moves, (468,)

    @classmethod
    def of(cls, landmarks_px: npt.ArrayLike) -> FaceRig:
        points = np.asarray(landmarks_px, dtype=np.float64)[:MESH_POINTS, :2]
        frame = FaceFrame.of(points)
        uv = frame.to_uv(points)
        height = frame.height_px
        pair_u, mid_v, gap = _lip_line(uv)
        line = np.interp(uv[:, 0], pair_u, mid_v)
        below = uv[:, 1] - line
        half_width = float(abs(uv[MOUTH_CORNERS[1], 0] - uv[MOUTH_CORNERS[0], 0]) / 2)
        outside = np.maximum(np.abs(uv[:, 0]) - half_width, 0.0)
        near_u = np.exp(-((outside / (LIP_REACH_U * height)) ** 2))
        is_lower = _lower_side(below, outside, height)
        reach = np.exp(-((below / (LIP_REACH_V * height)) ** 2)) * near_u
        lower = reach * is_lower
        upper = reach * (1 - is_lower)
        lower[list(LOWER_INNER_LIP[1:-1])] = 1.0
        upper[list(UPPER_INNER_LIP[1:-1])] = 1.0
        jaw = is_lower * _lever(uv, height) * _corner_taper(uv, lower)
        half_gap = np.interp(uv[:, 0], pair_u, gap) / 2
        closing = np.zeros_like(uv)
        closing[:, 1] = half_gap * (upper - lower)
        gate = _smoothstep((uv[:, 1] - uv[NOSE_BASE, 1]) / (0.02 * height))
        return cls(points, frame, uv, jaw, lower, upper, closing, half_width, gate)

    def targets(self, params: Mapping[str, float], blink: float = 0.0) -> Points:
        """Where the 468 landmarks go (px) for mouth ``params`` (``MOUTH_PARAMETERS``, 0..1)."""
        value = {name: float(params.get(name, 0.0)) for name in MOUTH_PARAMETERS}
        height = self.frame.height_px
        move = self.closing_uv.copy()
        closing = value["lip_close"]
        # Lips that close pull the jaw up with them (a dropped chin under shut lips reads as open).
        jaw_px = value["jaw_open"] * (1 - JAW_LIFT_BY_CLOSURE * closing) * JAW_OPEN_MAX * height
        move[:, 1] += jaw_px * self.jaw * (1 - closing * self.lower)
        # What parts the lips gives way to closing lips: a bilabial shuts them whatever comes next.
        parting = (1 - closing) * (
            value["lower_lip_drop"] * LOWER_LIP_DROP_MAX * self.lower
            - value["upper_lip_raise"] * UPPER_LIP_RAISE_MAX * self.upper
            + value["lip_funnel"] * FUNNEL_OPEN_MAX * (self.lower - self.upper)
        )
        move[:, 1] += height * (
            parting
            + value["lip_press"] * LIP_PRESS_MAX * (self.upper - self.lower) * self._outer_lip
            - value["lip_smile"] * SMILE_LIFT * self._corner_weight
        )
        narrow = value["lip_pucker"] * PUCKER_NARROW + value["lip_funnel"] * FUNNEL_NARROW
        widen = value["lip_stretch"] * STRETCH_WIDEN + value["lip_smile"] * SMILE_WIDEN
        lips = np.maximum(self.lower, self.upper)
        move[:, 0] += self.uv[:, 0] * (widen - narrow) * lips
        targets = self.points + self.frame.to_xy(move * self.gate[:, None])
        if blink > 0:
            _close_lids(targets, self.points, blink)
        return targets

    @property
    def _outer_lip(self) -> Points:
        """Away from the lip line: press thins the lips from outside."""
        return np.clip(np.abs(self.uv[:, 1]) / (0.04 * self.frame.height_px), 0.0, 1.0)

    @property
    def _corner_weight(self) -> Points:
        lips = np.maximum(self.lower, self.upper)
        return lips * np.clip(np.abs(self.uv[:, 0]) / max(self.half_width_px, 1.0), 0.0, 1.0) ** 2


def _lip_line(uv: Points) -> tuple[Points, Points, Points]:
    """Along ``u``: the lips' midline ``v`` and the inner-lip gap, corners included."""
    upper = np.array([pair[0] for pair in INNER_LIP_PAIRS])
    lower = np.array([pair[1] for pair in INNER_LIP_PAIRS])
    corners = np.array([78, 308])
    u = np.concatenate([uv[corners[:1], 0], (uv[upper, 0] + uv[lower, 0]) / 2, uv[corners[1:], 0]])
    mid = np.concatenate([uv[corners[:1], 1], (uv[upper, 1] + uv[lower, 1]) / 2, uv[corners[1:], 1]])
    gap = np.concatenate([[0.0], np.maximum(uv[lower, 1] - uv[upper, 1], 0.0), [0.0]])
    order = np.argsort(u)
    return u[order], mid[order], gap[order]


def _lower_side(below: Points, outside: Points, height: float) -> Points:
    """1 for points on the jaw side of the lip line; beside the mouth a soft band."""
    hard = (below > 0).astype(np.float64)
    soft = _smoothstep(0.5 + below / (0.2 * height))
    beside = np.clip(outside / (0.03 * height), 0.0, 1.0)
    side = hard * (1 - beside) + soft * beside
    for index in LOWER_INNER_LIP[1:-1]:
        side[index] = 1.0
    for index in UPPER_INNER_LIP[1:-1]:
        side[index] = 0.0
    return side


def _corner_taper(uv: Points, lower: Points) -> Points:
    """How much of the jaw's drop the lower lip takes along its length: all of it in the middle,
    ``CORNER_JAW_SHARE`` at the corners, an ellipse in between, so the lips part in a lens shape
    rather than a box. Skin away from the lip (``lower`` small) follows the jaw fully."""
    corners = uv[list(INNER_MOUTH_CORNERS), 0]
    half_width = max(float(abs(corners[1] - corners[0])) / 2, 1.0)
    middle = float(corners.mean())
    across = np.clip(np.abs(uv[:, 0] - middle) / half_width, 0.0, 1.0)
    profile = CORNER_JAW_SHARE + (1 - CORNER_JAW_SHARE) * np.sqrt(1 - across**2)
    return 1 - lower * (1 - profile)


def _lever(uv: Points, height: float) -> Points:
    """How far each point moves with the jaw: 0 at ear level, 1 at the lower lip."""
    pivot_v = float(np.mean(uv[list(EARS), 1]))
    lip_v = float(uv[14, 1])
    span = max(lip_v - pivot_v, 0.05 * height)
    return np.clip((uv[:, 1] - pivot_v) / span, 0.0, 1.6)


def _close_lids(targets: Points, source: Points, amount: float) -> None:
    for upper, lower in EYELID_PAIRS:
        meet = source[upper] * 0.25 + source[lower] * 0.75
        targets[upper] = source[upper] + (meet - source[upper]) * amount
        targets[lower] = source[lower] + (meet - source[lower]) * amount


@dataclass(frozen=True, slots=True, eq=False)
class Warper:
    """The triangles of one portrait and the region they may move in."""

    triangles: npt.NDArray[np.intp]  # (T, 3) into [landmarks, anchors, mouth copies]
    anchors: Points  # fixed points around the moving region, px
    mouth_source: Points  # the inner-lip ring's copies for the mouth triangles, read from the lips
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive), px

    @classmethod
    def of(
        cls,
        rig: FaceRig,
        mesh_triangles: npt.ArrayLike,
        mouth: npt.NDArray[np.bool_],
        image_size: tuple[int, int],
    ) -> Warper:
        """``mouth`` marks the mesh triangles that close the mouth (drawn from lip pixels)."""
        width, height = image_size
        anchors = _anchor_ring(rig, width, height)
        inner = _mouth_copies(np.asarray(mesh_triangles, dtype=np.intp), mouth, MESH_POINTS + len(anchors))
        oval = rig.points[list(FACE_OVAL)]
        outer_points = np.concatenate([oval, anchors])
        outer = delaunay(outer_points)
        centroids = outer_points[outer].mean(axis=1)
        contour = oval.astype(np.float32).reshape(-1, 1, 2)
        keep = [cv2.pointPolygonTest(contour, (float(x), float(y)), False) < 0 for x, y in centroids]
        index = np.concatenate([np.array(FACE_OVAL), MESH_POINTS + np.arange(len(anchors))])
        triangles = np.concatenate([inner, index[outer[keep]]])
        every = np.concatenate([rig.points, anchors])
        left, top = np.floor(every.min(axis=0)).astype(int)
        right, bottom = np.ceil(every.max(axis=0)).astype(int) + 1
        box = (max(int(left), 0), max(int(top), 0), min(int(right), width), min(int(bottom), height))
        return cls(triangles, anchors, _mouth_source(rig), box)

    def warp(self, image: Image, source: Points, target: Points) -> Image:
        """``image`` with the landmarks at ``source`` moved to ``target`` (both (468, 2) px).

        Only the box around the triangles that move is redrawn, in one ``cv2.remap``: each
        pixel there reads the photo through the affine map of the triangle it lies in (the
        identity where none moves, which copies the pixel exactly).
        """
        moving = np.abs(target - source).max(axis=1) > 0.05
        ring = list(INNER_LIP_RING)
        src = np.concatenate([source, self.anchors, self.mouth_source])
        dst = np.concatenate([target, self.anchors, target[ring]])
        fixed = np.zeros(len(self.anchors), dtype=bool)
        moved = np.concatenate([moving, fixed, moving[ring]])
        active = self.triangles[moved[self.triangles].any(axis=1)]
        output = image.copy()
        if len(active) == 0:
            return output
        corners = dst[active]
        left, top, right, bottom = self._redrawn_box(corners)
        if right <= left or bottom <= top:
            return output
        ids = _triangle_ids(corners, (left, top), (bottom - top, right - left))
        table = np.concatenate([_IDENTITY, _affines(corners, src[active]).reshape(-1, 6)])
        coefficients = np.take(table, ids, axis=0)  # (rows, columns, 6); take is faster than table[ids]
        x = np.arange(left, right, dtype=np.float32)[None, :]
        y = np.arange(top, bottom, dtype=np.float32)[:, None]
        # In place, in the order a·x + b·y + c (the same floats as one expression, fewer temporaries).
        map_x = coefficients[..., 0] * x
        map_x += coefficients[..., 1] * y
        map_x += coefficients[..., 2]
        map_y = coefficients[..., 3] * x
        map_y += coefficients[..., 4] * y
        map_y += coefficients[..., 5]
        output[top:bottom, left:right] = cv2.remap(
            np.ascontiguousarray(image), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return output

    def _redrawn_box(self, corners: Points) -> tuple[int, int, int, int]:
        """The moving triangles' box (their targets), inside the warp's own box."""
        low = np.floor(corners.reshape(-1, 2).min(axis=0)).astype(int)
        high = np.ceil(corners.reshape(-1, 2).max(axis=0)).astype(int) + 1
        left, top, right, bottom = self.box
        return (
            max(int(low[0]), left),
            max(int(low[1]), top),
            min(int(high[0]), right),
            min(int(high[1]), bottom),
        )


#: The identity as a row of the affine table: pixels in no moving triangle keep their place.
_IDENTITY = np.array([[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]], dtype=np.float32)


def _triangle_ids(corners: Points, origin: tuple[int, int], size: tuple[int, int]) -> npt.NDArray[np.int32]:
    """Per pixel of a box at ``origin`` (x, y) of ``size`` (rows, columns): 1 + the index of the
    triangle (``corners``, (T, 3, 2) px) it lies in, 0 for none. Later triangles win shared edges."""
    ids = np.zeros(size, dtype=np.int32)
    fixed = np.round((corners - np.array(origin, dtype=np.float64)) * 16).astype(np.int32)
    for number, triangle in enumerate(fixed, start=1):
        cv2.fillConvexPoly(ids, triangle, number, lineType=cv2.LINE_8, shift=4)
    return ids


def _affines(dst: Points, src: Points) -> npt.NDArray[np.float32]:
    """Per triangle the 2×3 affine mapping its ``dst`` corners onto its ``src`` corners."""
    ones = np.ones((len(dst), 3, 1))
    d = np.concatenate([dst, ones], axis=2)  # (T, 3, 3)
    singular = np.abs(np.linalg.det(d)) < 1e-6
    d[singular] += np.array([[0.0, 0.0, 0.0], [1e-3, 0.0, 0.0], [0.0, 1e-3, 0.0]])
    solution = np.linalg.solve(d, src)  # (T, 3, 2): d @ m = src
    return np.transpose(solution, (0, 2, 1)).astype(np.float32)


def delaunay(points: Points) -> npt.NDArray[np.intp]:
    """The Delaunay triangles of ``points`` ((N, 2) px) as (T, 3) indices, by OpenCV's
    ``Subdiv2D`` (SciPy's would cost a second of import time on every run). Coinciding
    points share the first one's index."""
    # A bounding rectangle far larger than the points puts Subdiv2D's three outer vertices so
    # far away that thin triangles on the convex hull are kept, as in an exact triangulation.
    span = float(np.ptp(points, axis=0).max()) + 1.0
    low = np.floor(points.min(axis=0) - 50 * span)
    side = int(np.ceil(101 * span)) + 2
    subdivision = cv2.Subdiv2D((int(low[0]), int(low[1]), side, side))
    subdivision.insert([(float(x), float(y)) for x, y in points])
    corners = np.asarray(subdivision.getTriangleList(), dtype=np.float64).reshape(-1, 3, 2)
    distance = np.linalg.norm(corners[:, :, None, :] - points[None, None, :, :], axis=3)  # (T, 3, N)
    real = distance.min(axis=2).max(axis=1) < 0.01  # leaves out triangles on Subdiv2D's outer corners
    return np.asarray(distance.argmin(axis=2)[real], dtype=np.intp)


def _mouth_copies(
    triangles: npt.NDArray[np.intp], mouth: npt.NDArray[np.bool_], first: int
) -> npt.NDArray[np.intp]:
    """``triangles`` with the mouth triangles' inner-lip corners renumbered to their copies."""
    copy = np.arange(MESH_POINTS + first)
    copy[list(INNER_LIP_RING)] = first + np.arange(len(INNER_LIP_RING))
    result = triangles.copy()
    result[mouth] = copy[triangles[mouth]]
    return result


def _mouth_source(rig: FaceRig) -> Points:
    """The inner-lip ring moved a little into the lips, so the mouth triangles show lip, not teeth."""
    into = np.zeros((len(INNER_LIP_RING), 2))
    for position, index in enumerate(INNER_LIP_RING):
        if index in UPPER_INNER_LIP[1:-1]:
            into[position, 1] = -MOUTH_SOURCE_DEPTH * rig.frame.height_px
        elif index in LOWER_INNER_LIP[1:-1]:
            into[position, 1] = MOUTH_SOURCE_DEPTH * rig.frame.height_px
    return rig.points[list(INNER_LIP_RING)] + rig.frame.to_xy(into)


def _anchor_ring(rig: FaceRig, width: int, height: int) -> Points:
    """Fixed points on an ellipse around the lower face, reaching below the chin."""
    face_height = rig.frame.height_px
    centre_uv = np.array([0.0, 0.05 * face_height])
    radius_u = max(float(np.abs(rig.uv[list(FACE_OVAL), 0]).max()) * 1.25, face_height * 0.5)
    radius_v = float(rig.uv[CHIN, 1] - centre_uv[1]) + 0.3 * face_height
    angles = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    ring_uv = np.stack([radius_u * np.cos(angles), radius_v * np.sin(angles)], axis=1) + centre_uv
    ring = rig.frame.origin + rig.frame.to_xy(ring_uv)
    return np.clip(ring, [0.0, 0.0], [width - 1.0, height - 1.0])

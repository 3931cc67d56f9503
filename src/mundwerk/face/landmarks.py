"""Faces in a still image: MediaPipe Tasks FaceLandmarker (IMAGE mode), loaded lazily once
(and imported without the rest of MediaPipe: see ``mediapipe_tasks``).

Each ``Face`` carries the 478 landmarks in pixels (x right, y down, z depth in the same
scale as x: smaller is nearer the camera), the 52 blendshape scores by name, the head pose
and the 4×4 facial transformation matrix (canonical mesh → camera space, centimetres).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import math
import os
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from mundwerk.core.errors import FaceTooSmallError, NoFaceError
from mundwerk.face.assets import face_landmarker_path
from mundwerk.face.mediapipe_tasks import face_tasks
from mundwerk.face.windows import Window, overlap, zoom_levels

LANDMARK_COUNT = 478
#: Faces whose bounding box's longer side is below this are too small to animate.
MIN_FACE_SIZE_PX = 80
#: Faces turned further than this (yaw or pitch) get ``turned_away``.
MAX_TURN_DEG = 45.0
DEFAULT_MAX_FACES = 5
#: Finds in different windows whose boxes overlap this much (IoU) are the same face.
SAME_FACE_OVERLAP = 0.3

Landmarks = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees, R = Rz(roll)·Ry(yaw)·Rx(pitch) in camera space.

    yaw > 0: the face turns toward the image's right (the person's left);
    pitch > 0: the face tilts up; roll > 0: the head tilts counter-clockwise in the image.
    """

    yaw_deg: float
    pitch_deg: float
    roll_deg: float

    @classmethod
    def from_matrix(cls, matrix: Matrix) -> HeadPose:
        """The pose of a facial transformation matrix (rotation part, scale removed)."""
        rotation = np.asarray(matrix, dtype=np.float64)[:3, :3]
        rotation = rotation / np.linalg.norm(rotation, axis=0, keepdims=True)
        yaw = math.asin(float(np.clip(-rotation[2, 0], -1.0, 1.0)))
        pitch = math.atan2(rotation[2, 1], rotation[2, 2])
        roll = math.atan2(rotation[1, 0], rotation[0, 0])
        return cls(math.degrees(yaw), -math.degrees(pitch), math.degrees(roll))


@dataclass(frozen=True)
class BoundingBox:
    """An axis-aligned box in pixels (right and bottom exclusive in spirit, floats)."""

    left_px: float
    top_px: float
    right_px: float
    bottom_px: float

    @property
    def width_px(self) -> float:
        return self.right_px - self.left_px

    @property
    def height_px(self) -> float:
        return self.bottom_px - self.top_px

    @property
    def center_px(self) -> tuple[float, float]:
        return ((self.left_px + self.right_px) / 2, (self.top_px + self.bottom_px) / 2)


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face. Arrays are read-only."""

    landmarks_px: Landmarks
    blendshapes: Mapping[str, float]
    pose: HeadPose
    transform: Matrix
    box: BoundingBox
    image_size_px: tuple[int, int]

    @property
    def face_size_px(self) -> float:
        """The longer side of the landmarks' bounding box."""
        return max(self.box.width_px, self.box.height_px)

    @property
    def turned_away(self) -> bool:
        """True when the head is turned or tilted more than MAX_TURN_DEG (a warning, not an error)."""
        return max(abs(self.pose.yaw_deg), abs(self.pose.pitch_deg)) > MAX_TURN_DEG


@dataclass
class FaceAnalyzer:
    """A loaded FaceLandmarker. Build with ``load()``; the constructor does no I/O."""

    landmarker: Any
    max_faces: int = DEFAULT_MAX_FACES

    @classmethod
    def load(cls, model_path: Path | None = None, max_faces: int = DEFAULT_MAX_FACES) -> FaceAnalyzer:
        """Load the model (the cached asset unless ``model_path`` is given)."""
        tasks = face_tasks()
        options = tasks.FaceLandmarkerOptions(
            base_options=tasks.BaseOptions(model_asset_path=str(model_path or face_landmarker_path())),
            running_mode=tasks.RunningMode.IMAGE,
            num_faces=max_faces,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with _quiet_native_stderr():
            landmarker = tasks.FaceLandmarker.create_from_options(options)
            analyzer = cls(landmarker, max_faces)
            analyzer.detect_all(np.zeros((64, 64, 3), dtype=np.uint8))
        _close_before_exit(landmarker)
        return analyzer

    def detect_all(self, image: npt.NDArray[np.uint8]) -> tuple[Face, ...]:
        """Every face found, largest first, whatever its size (may be empty).

        When the whole frame shows no face, zoomed windows are searched (see ``windows``).
        """
        _check_image(image)
        faces = self._detect_in(image, None) or self._search_windows(image)
        return tuple(sorted(faces, key=lambda face: -face.face_size_px))

    def _detect_in(self, image: npt.NDArray[np.uint8], window: Window | None) -> list[Face]:
        tasks = face_tasks()
        height, width = image.shape[:2]
        if window is None:
            window = Window(0, 0, 0)
            part = image
        else:
            part = image[window.top_px : window.top_px + window.side_px]
            part = part[:, window.left_px : window.left_px + window.side_px]
        frame = tasks.Image(image_format=tasks.ImageFormat.SRGB, data=np.ascontiguousarray(part))
        result = self.landmarker.detect(frame)
        place = _Placement((part.shape[1], part.shape[0]), (window.left_px, window.top_px), (width, height))
        return [_face_from_result(result, index, place) for index in range(len(result.face_landmarks))]

    def _search_windows(self, image: npt.NDArray[np.uint8]) -> list[Face]:
        height, width = image.shape[:2]
        for level in zoom_levels(width, height, MIN_FACE_SIZE_PX):
            found = [(face, window) for window in level for face in self._detect_in(image, window)]
            if found:
                return _distinct(found)
        return []

    def detect(self, image: npt.NDArray[np.uint8]) -> tuple[Face, ...]:
        """Faces of at least MIN_FACE_SIZE_PX, largest first; NoFaceError / FaceTooSmallError if none."""
        faces = self.detect_all(image)
        if not faces:
            height, width = image.shape[:2]
            raise NoFaceError(
                f"no face found in the {width}x{height} image (a face needs at least {MIN_FACE_SIZE_PX} px)"
            )
        usable = tuple(face for face in faces if face.face_size_px >= MIN_FACE_SIZE_PX)
        if not usable:
            size = faces[0].face_size_px
            raise FaceTooSmallError(
                f"face too small: {size:.0f} px, need at least {MIN_FACE_SIZE_PX} px (use a larger photo)"
            )
        return usable

    def close(self) -> None:
        """Release the native graph (also done automatically at exit)."""
        self.landmarker.close()


@functools.cache
def default_analyzer() -> FaceAnalyzer:
    """The process-wide analyzer, loaded on first use."""
    return FaceAnalyzer.load()


def detect_faces(image: npt.NDArray[np.uint8]) -> tuple[Face, ...]:
    """``default_analyzer().detect(image)``."""
    return default_analyzer().detect(image)


def _close_before_exit(landmarker: Any) -> None:
    """Close the landmarker while its worker thread still runs (its ``__del__`` fails later)."""
    register = getattr(threading, "_register_atexit", atexit.register)
    reference = weakref.ref(landmarker)

    def close() -> None:
        alive = reference()
        if alive is not None:
            alive.close()

    register(close)


def _check_image(image: npt.NDArray[np.uint8]) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")


@dataclass(frozen=True)
class _Placement:
    """Where the analysed part lies: its size, its top-left corner, the whole image's size."""

    part_size_px: tuple[int, int]
    offset_px: tuple[int, int]
    image_size_px: tuple[int, int]


def _face_from_result(result: Any, index: int, place: _Placement) -> Face:
    width, height = place.part_size_px
    points = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[index]], dtype=np.float32)
    points *= np.array([width, height, width], dtype=np.float32)
    points[:, :2] += np.array(place.offset_px, dtype=np.float32)
    points.setflags(write=False)
    matrix = np.array(result.facial_transformation_matrixes[index], dtype=np.float32)
    matrix.setflags(write=False)
    scores = {c.category_name: float(c.score) for c in result.face_blendshapes[index]}
    low, high = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    box = BoundingBox(float(low[0]), float(low[1]), float(high[0]), float(high[1]))
    pose = HeadPose.from_matrix(matrix)
    return Face(points, MappingProxyType(scores), pose, matrix, box, place.image_size_px)


def _distinct(found: list[tuple[Face, Window]]) -> list[Face]:
    """One face per place: of overlapping finds, the one lying deepest inside its window."""
    ranked = sorted(found, key=lambda pair: -_margin_px(*pair))
    kept: list[Face] = []
    for face, _window in ranked:
        if all(overlap(_corners(face.box), _corners(other.box)) < SAME_FACE_OVERLAP for other in kept):
            kept.append(face)
    return kept


def _margin_px(face: Face, window: Window) -> float:
    box = face.box
    right, bottom = window.left_px + window.side_px, window.top_px + window.side_px
    return min(
        box.left_px - window.left_px, box.top_px - window.top_px, right - box.right_px, bottom - box.bottom_px
    )


def _corners(box: BoundingBox) -> tuple[float, float, float, float]:
    return (box.left_px, box.top_px, box.right_px, box.bottom_px)


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Hold back the C++ log lines MediaPipe prints while loading; show them if loading fails."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), fd)
        try:
            yield
        except BaseException:
            os.dup2(saved, fd)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, fd)
            os.close(saved)

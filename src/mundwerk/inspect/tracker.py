"""Per-frame mouth opening of the largest face, found anew in every frame (MediaPipe IMAGE mode).

MediaPipe's VIDEO running mode was tried first: here it was no faster, and its landmark
smoothing made the mouth lag the picture by about a frame and flattened short closures,
which is exactly what a sync measurement must not do. The opening is the inner-lip
distance per eye-corner distance (``face.mouth_measure``), so it does not change with the
face's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mundwerk.face.assets import face_landmarker_path
from mundwerk.face.landmarks import _close_before_exit, _quiet_native_stderr
from mundwerk.face.mouth_measure import measure_mouth
from mundwerk.inspect.media import TimedFrame

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class MouthTrack:
    """Frame times (ms) and the mouth opening there; NaN where no face was found."""

    times_ms: FloatArray
    opening: FloatArray

    @property
    def found_share(self) -> float:
        """The share of frames with a face."""
        return float(np.mean(np.isfinite(self.opening))) if len(self.opening) else 0.0


class MouthTracker:
    """A FaceLandmarker that finds one face per frame. Build with ``load()``."""

    def __init__(self, landmarker: Any) -> None:
        self._landmarker = landmarker

    @classmethod
    def load(cls) -> MouthTracker:
        """Load the cached face landmarker model (one face, no blendshapes: they are not needed)."""
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(face_landmarker_path())),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=1,
        )
        with _quiet_native_stderr():
            landmarker = vision.FaceLandmarker.create_from_options(options)
            tracker = cls(landmarker)
            tracker.opening(TimedFrame(0.0, np.zeros((64, 64, 3), dtype=np.uint8)))
        _close_before_exit(landmarker)
        return tracker

    def track(self, frames: Iterable[TimedFrame]) -> MouthTrack:
        """The mouth opening in every frame of one stretch of video."""
        times, openings = [], []
        for frame in frames:
            times.append(frame.time_ms)
            openings.append(self.opening(frame))
        return MouthTrack(np.asarray(times, dtype=np.float64), np.asarray(openings, dtype=np.float64))

    def opening(self, frame: TimedFrame) -> float:
        """The inner-lip opening per eye-corner distance in one frame, NaN without a face."""
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame.image))
        result = self._landmarker.detect(image)
        if not result.face_landmarks:
            return float("nan")
        height, width = frame.image.shape[:2]
        points = np.array([(p.x * width, p.y * height, p.z * width) for p in result.face_landmarks[0]])
        try:
            return measure_mouth(points.astype(np.float32)).opening
        except ValueError:
            return float("nan")

    def close(self) -> None:
        """Release the native graph."""
        self._landmarker.close()

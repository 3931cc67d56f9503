"""MediaPipe's face landmarker is imported without the rest of MediaPipe (matplotlib,
sounddevice, the audio and text tasks), and the whole package still works afterwards."""

from __future__ import annotations

import subprocess
import sys

_DETECT_THEN_IMPORT_ALL = """
import sys
from skimage import data
from mundwerk.face.landmarks import detect_faces
from mundwerk.face.mediapipe_tasks import face_tasks

faces = detect_faces(data.astronaut())
print(len(faces), "matplotlib" in sys.modules, "sounddevice" in sys.modules)
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, audio, vision
from mediapipe.tasks.python.vision import face_landmarker

tasks = face_tasks()
same = (
    vision.FaceLandmarker is tasks.FaceLandmarker is face_landmarker.FaceLandmarker,
    vision.FaceLandmarkerOptions is tasks.FaceLandmarkerOptions,
    vision.RunningMode is tasks.RunningMode,
    BaseOptions is tasks.BaseOptions,
    mp.Image is tasks.Image,
    mp.ImageFormat is tasks.ImageFormat,
    mp.tasks.vision is vision,
)
print(all(same), hasattr(audio, "AudioClassifier"), "matplotlib" in sys.modules)
"""

_IMPORTED_FIRST = """
import mediapipe as mp
from mediapipe.tasks.python import vision
from mundwerk.face.mediapipe_tasks import face_tasks

tasks = face_tasks()
print(tasks.FaceLandmarker is vision.FaceLandmarker and tasks.Image is mp.Image)
"""


def _run(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_faces_are_found_without_importing_the_rest_of_mediapipe_which_still_works_after() -> None:
    found, plotting, sound, same, audio_tasks, plotting_after = _run(_DETECT_THEN_IMPORT_ALL)
    assert (found, plotting, sound) == ("1", "False", "False")
    assert (same, audio_tasks, plotting_after) == ("True", "True", "True")  # the real package, loaded in full


def test_an_already_imported_mediapipe_is_used_as_it_is() -> None:
    assert _run(_IMPORTED_FIRST) == ["True"]

"""MediaPipe's face landmarker without the rest of MediaPipe.

``import mediapipe`` runs the ``__init__`` of ``mediapipe.tasks.python``, which imports every
task (audio, text, vision) and the vision drawing utilities, which import matplotlib and
sounddevice: over a second of start-up (most of the face's share of ``mundwerk render``) for
a landmarker that needs none of it. ``face_tasks()`` imports only the modules the landmarker
needs: it enters the packages on the way (``mediapipe``, ``mediapipe.tasks``,
``mediapipe.tasks.python`` and its ``vision``) into ``sys.modules`` without running their
``__init__``, and imports the landmarker's own modules. Each such package runs its real
``__init__`` the first time anything asks it for a name it lacks (a module ``__getattr__``),
so ``import mediapipe as mp; mp.Image`` or ``from mediapipe.tasks.python import vision``
elsewhere in the process still get the whole package. When mediapipe is imported already,
or its layout is not the expected one, it is imported the ordinary way.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import threading
from dataclasses import dataclass
from typing import Any

#: The packages whose ``__init__`` pulls in what the landmarker does not need.
_DEFERRED_PACKAGES = (
    "mediapipe",
    "mediapipe.tasks",
    "mediapipe.tasks.python",
    "mediapipe.tasks.python.vision",
)
_LOCK = threading.RLock()


@dataclass(frozen=True, slots=True)
class FaceTasks:
    """The MediaPipe names the face landmarker is built and called with."""

    BaseOptions: Any
    FaceLandmarker: Any
    FaceLandmarkerOptions: Any
    RunningMode: Any
    Image: Any
    ImageFormat: Any


@functools.cache
def face_tasks() -> FaceTasks:
    """MediaPipe's face landmarker API, imported once with as little else as possible."""
    with _LOCK:
        if "mediapipe" in sys.modules:
            return _from_full_import()
        try:
            return _from_own_modules()
        except (ImportError, AttributeError):
            return _from_full_import()


def _from_own_modules() -> FaceTasks:
    for name in _DEFERRED_PACKAGES:
        _enter_without_init(name)
    base_options = importlib.import_module("mediapipe.tasks.python.core.base_options")
    landmarker = importlib.import_module("mediapipe.tasks.python.vision.face_landmarker")
    running_mode = importlib.import_module("mediapipe.tasks.python.vision.core.vision_task_running_mode")
    image = importlib.import_module("mediapipe.tasks.python.vision.core.image")
    return FaceTasks(
        BaseOptions=base_options.BaseOptions,
        FaceLandmarker=landmarker.FaceLandmarker,
        FaceLandmarkerOptions=landmarker.FaceLandmarkerOptions,
        RunningMode=running_mode.VisionTaskRunningMode,
        Image=image.Image,
        ImageFormat=image.ImageFormat,
    )


def _enter_without_init(name: str) -> None:
    """Put package ``name`` into ``sys.modules`` with its ``__path__`` set and its ``__init__``
    not run yet: that runs when a name missing from it is first asked for."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package")
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def finish_init(attribute: str) -> Any:
        with _LOCK:
            if package.__dict__.get("__getattr__") is finish_init:
                del package.__dict__["__getattr__"]
                loader.exec_module(package)
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    package.__dict__["__getattr__"] = finish_init
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        vars(sys.modules[parent])[child] = package  # as the import system binds a loaded submodule


def _from_full_import() -> FaceTasks:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return FaceTasks(
        BaseOptions=BaseOptions,
        FaceLandmarker=vision.FaceLandmarker,
        FaceLandmarkerOptions=vision.FaceLandmarkerOptions,
        RunningMode=vision.RunningMode,
        Image=mp.Image,
        ImageFormat=mp.ImageFormat,
    )

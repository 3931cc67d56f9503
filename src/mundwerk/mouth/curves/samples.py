"""Curve samples made elsewhere (a curves file, perhaps edited in Blender) as mouth
parameters at a video's frames.

Samples may be named as ARKit blendshapes (what mundwerk's curves files hold) or as
``MOUTH_PARAMETERS``. ARKit pairs (left/right) are averaged; ``mouthClose`` is mundwerk's
``lip_close`` times ``jawOpen``, so it is divided back out. Curves a file lacks stay 0.
Values are interpolated linearly at each frame's time and held before the first sample
and after the last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import ARKIT_SOURCES, MOUTH_PARAMETERS, MouthCurves, frame_count, frame_times_s
from mundwerk.mouth.curves.build import check_fps

FloatArray = npt.NDArray[np.float64]

#: Below this jaw opening, ``mouthClose / jawOpen`` is meaningless: the lips count as closed.
_MIN_JAW = 1e-3


def known_curve_names() -> frozenset[str]:
    """Every curve name a samples file may use: ARKit names and mouth parameter names."""
    return frozenset(ARKIT_SOURCES) | frozenset(MOUTH_PARAMETERS)


def curves_from_samples(
    names: Sequence[str], times_s: FloatArray, values: FloatArray, duration_ms: int, fps: float
) -> MouthCurves:
    """``values`` [samples × names] at ``times_s`` (increasing) as ``MOUTH_PARAMETERS`` at
    every frame of ``[0, duration_ms)``; unknown names are ignored."""
    check_fps(fps)
    frames_s = frame_times_s(frame_count(duration_ms, fps), fps)
    sampled = {
        name: np.interp(frames_s, times_s, values[:, column])
        for column, name in enumerate(names)
        if name in known_curve_names()
    }
    parameters = _parameters(sampled, len(frames_s))
    matrix = np.stack([parameters[name] for name in MOUTH_PARAMETERS], axis=1)
    return MouthCurves(fps, MOUTH_PARAMETERS, np.clip(matrix, 0.0, 1.0))


def _parameters(sampled: dict[str, FloatArray], count: int) -> dict[str, FloatArray]:
    """Mouth parameters from sampled curves of either naming."""
    parameters = {name: sampled[name] for name in MOUTH_PARAMETERS if name in sampled}
    for parameter in MOUTH_PARAMETERS:
        if parameter in parameters:
            continue
        sources = [
            sampled[name] for name, of in ARKIT_SOURCES.items() if of == (parameter,) and name in sampled
        ]
        if sources:
            parameters[parameter] = np.mean(sources, axis=0)
    if "lip_close" not in parameters and "mouthClose" in sampled:
        jaw = parameters.get("jaw_open", np.zeros(count))
        safe_jaw = np.maximum(jaw, _MIN_JAW)
        parameters["lip_close"] = np.where(jaw > _MIN_JAW, sampled["mouthClose"] / safe_jaw, 1.0)
    return {name: parameters.get(name, np.zeros(count)) for name in MOUTH_PARAMETERS}

"""Per-frame mouth values: continuous mouth parameters and Oculus viseme weights.

Frame ``k`` shows time ``k / fps`` seconds; a clip of ``duration_ms`` has the frames whose
time lies in ``[0, duration)``, i.e. ``ceil(duration * fps)`` of them (see ``frame_count``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


class OculusViseme(Enum):
    """The 15 Oculus (MPEG-4) visemes; ``index`` is Oculus' viseme number 0–14."""

    SIL = "sil"
    """Silence: the mouth at rest."""
    PP = "PP"
    """Lips pressed together: p, b, m ('put', 'bat', 'mat')."""
    FF = "FF"
    """Lower lip to upper teeth: f, v ('fat', 'vat')."""
    TH = "TH"
    """Tongue between the teeth: th ('think', 'that')."""
    DD = "DD"
    """Tongue tip on the ridge: t, d ('tip', 'doll')."""
    KK = "kk"
    """Back of the tongue raised: k, g, ng ('call', 'gas')."""
    CH = "CH"
    """Lips forward, teeth close: ch, j, sh, zh ('chair', 'join', 'she')."""
    SS = "SS"
    """Teeth close, lips spread: s, z ('sir', 'zeal')."""
    NN = "nn"
    """Tongue tip up, jaw half open: n, l ('lot', 'not')."""
    RR = "RR"
    """Lips slightly rounded: r, er ('red', 'bird')."""
    AA = "aa"
    """Jaw wide open: aa, ae, ah ('car')."""
    E = "E"
    """Mid open, spread: eh, ey ('bed')."""
    IH = "ih"
    """Nearly closed, spread: ih, iy, y ('tip')."""
    OH = "oh"
    """Rounded, open: ao, ow, oy ('toe')."""
    OU = "ou"
    """Rounded, pursed: uw, uh, w ('book')."""

    @property
    def index(self) -> int:
        """Oculus' viseme number (``sil`` 0 … ``ou`` 14)."""
        return _VISEME_INDEX[self]


OCULUS_VISEMES: tuple[OculusViseme, ...] = tuple(OculusViseme)
_VISEME_INDEX = {viseme: index for index, viseme in enumerate(OCULUS_VISEMES)}

#: The mouth parameters ``MouthCurves`` hold, each 0..1. ``lip_close`` is the share of the
#: jaw's opening the lips close (1: lips meet); the others are the ARKit poses' strengths.
MOUTH_PARAMETERS: tuple[str, ...] = (
    "jaw_open",
    "lip_close",
    "lip_funnel",
    "lip_pucker",
    "lip_stretch",
    "lip_press",
    "upper_lip_raise",
    "lower_lip_drop",
    "lower_lip_roll",
    "upper_lip_roll",
    "lip_smile",
    "tongue_tip_up",
)

#: Each ARKit blendshape (plus ``tongueTipUp``) as the product of mouth parameters.
ARKIT_SOURCES: Mapping[str, tuple[str, ...]] = {
    "jawOpen": ("jaw_open",),
    "mouthClose": ("lip_close", "jaw_open"),
    "mouthFunnel": ("lip_funnel",),
    "mouthPucker": ("lip_pucker",),
    "mouthStretchLeft": ("lip_stretch",),
    "mouthStretchRight": ("lip_stretch",),
    "mouthPressLeft": ("lip_press",),
    "mouthPressRight": ("lip_press",),
    "mouthRollLower": ("lower_lip_roll",),
    "mouthRollUpper": ("upper_lip_roll",),
    "mouthUpperUpLeft": ("upper_lip_raise",),
    "mouthUpperUpRight": ("upper_lip_raise",),
    "mouthLowerDownLeft": ("lower_lip_drop",),
    "mouthLowerDownRight": ("lower_lip_drop",),
    "mouthSmileLeft": ("lip_smile",),
    "mouthSmileRight": ("lip_smile",),
    "tongueTipUp": ("tongue_tip_up",),
}
ARKIT_CURVES: tuple[str, ...] = tuple(ARKIT_SOURCES)


def frame_count(duration_ms: int, fps: float) -> int:
    """The number of frames whose time ``k / fps`` lies in ``[0, duration_ms)``."""
    if duration_ms <= 0:
        return 0
    count = math.ceil(duration_ms * fps / 1000)
    while count > 0 and (count - 1) * 1000 / fps >= duration_ms:
        count -= 1
    while count * 1000 / fps < duration_ms:
        count += 1
    return count


def frame_times_s(count: int, fps: float) -> npt.NDArray[np.float64]:
    """The time of each frame in seconds: exactly ``k / fps``."""
    return np.arange(count, dtype=np.float64) / fps


def _frozen_matrix(values: npt.ArrayLike, columns: int) -> FloatArray:
    matrix = np.array(values, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != columns:
        raise ValueError(f"values must be [frames × {columns}], got shape {matrix.shape}")
    matrix.setflags(write=False)
    return matrix


def _resampled(values: FloatArray, fps: float, new_fps: float, duration_ms: int) -> FloatArray:
    """``values`` linearly interpolated onto the frames of ``new_fps`` (held at the ends)."""
    count = frame_count(duration_ms, new_fps)
    if len(values) == 0:
        return np.zeros((count, values.shape[1]), dtype=np.float32)
    position = np.minimum(frame_times_s(count, new_fps) * fps, len(values) - 1)
    low = np.floor(position).astype(np.intp)
    high = np.minimum(low + 1, len(values) - 1)
    share = (position - low)[:, None]
    return (values[low] * (1 - share) + values[high] * share).astype(np.float32)


@cache
def _arkit_source_columns(names: tuple[str, ...]) -> tuple[list[int], ...]:
    """For each ARKit curve, the columns of ``names`` whose product it is: the k-th tuple
    entry holds every curve's k-th source (``len(names)``, a column of ones, where it has
    fewer), so the curves are a product of a few column gathers."""
    wanted = [name for arkit in ARKIT_CURVES for name in ARKIT_SOURCES[arkit]]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise KeyError(f"no curve {missing[0]!r}; curves: {', '.join(names)}")
    sources = [[names.index(name) for name in ARKIT_SOURCES[arkit]] for arkit in ARKIT_CURVES]
    width = max(len(columns) for columns in sources)
    ones = len(names)
    return tuple([columns[k] if k < len(columns) else ones for columns in sources] for k in range(width))


@dataclass(frozen=True, slots=True, eq=False)
class MouthCurves:
    """Mouth values per frame: ``values[k, j]`` is curve ``names[j]`` at time ``k / fps``.

    ``names`` are ``MOUTH_PARAMETERS`` from the mouth stage, or ``ARKIT_CURVES`` after
    ``to_arkit()``. ``values`` is a read-only float32 array [frames × curves] in 0..1.
    """

    fps: float
    names: tuple[str, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"invalid frame rate {self.fps}")
        object.__setattr__(self, "values", _frozen_matrix(self.values, len(self.names)))

    @property
    def frame_count(self) -> int:
        return int(self.values.shape[0])

    def times_s(self) -> npt.NDArray[np.float64]:
        """Each frame's time in seconds (``k / fps``)."""
        return frame_times_s(self.frame_count, self.fps)

    def curve(self, name: str) -> FloatArray:
        """The values of the curve called ``name``, one per frame."""
        try:
            return self.values[:, self.names.index(name)]
        except ValueError as error:
            raise KeyError(f"no curve {name!r}; curves: {', '.join(self.names)}") from error

    def to_arkit(self) -> MouthCurves:
        """The same frames as ARKit blendshapes (``ARKIT_CURVES``); already-ARKit curves as they are."""
        if self.names == ARKIT_CURVES:
            return self
        ones = np.ones((self.frame_count, 1), dtype=np.float32)
        padded = np.concatenate([self.values, ones], axis=1)  # the last column stands for "no source"
        factors = _arkit_source_columns(self.names)
        product = padded[:, factors[0]]
        for columns in factors[1:]:
            product = product * padded[:, columns]
        return MouthCurves(self.fps, ARKIT_CURVES, product.astype(np.float32))

    def resampled(self, fps: float, duration_ms: int) -> MouthCurves:
        """The curves at another frame rate, linearly interpolated, for a clip of ``duration_ms``."""
        return MouthCurves(fps, self.names, _resampled(self.values, self.fps, fps, duration_ms))


@dataclass(frozen=True, slots=True, eq=False)
class VisemeWeights:
    """Oculus viseme weights per frame: ``values[k, v]`` is ``OCULUS_VISEMES[v]`` at ``k / fps``.

    Each row sums to 1 (a cross-fade between visemes); read-only float32 [frames × 15].
    """

    fps: float
    values: FloatArray

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"invalid frame rate {self.fps}")
        object.__setattr__(self, "values", _frozen_matrix(self.values, len(OCULUS_VISEMES)))

    @property
    def frame_count(self) -> int:
        return int(self.values.shape[0])

    def times_s(self) -> npt.NDArray[np.float64]:
        """Each frame's time in seconds (``k / fps``)."""
        return frame_times_s(self.frame_count, self.fps)

    def weight(self, viseme: OculusViseme) -> FloatArray:
        """The weight of ``viseme``, one per frame."""
        return self.values[:, viseme.index]

    def dominant(self) -> tuple[OculusViseme, ...]:
        """The heaviest viseme of each frame."""
        return tuple(OCULUS_VISEMES[index] for index in np.argmax(self.values, axis=1))

    def resampled(self, fps: float, duration_ms: int) -> VisemeWeights:
        """The weights at another frame rate, linearly interpolated (rows still sum to 1)."""
        return VisemeWeights(fps, _resampled(self.values, self.fps, fps, duration_ms))

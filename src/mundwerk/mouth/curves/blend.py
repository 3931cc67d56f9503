"""Coarticulation by dominance blending (Cohen & Massaro, 1993).

Each segment pulls each parameter toward its target with a dominance that is its weight
inside the segment and decays exponentially with the distance to it: by ``lead`` widths
before the segment (anticipation), by ``lag`` widths after it (carry-over). A frame's
value is the dominance-weighted mean of the nearby segments' targets; between two equally
dominant segments with equal widths that is a logistic cross-fade centred on the boundary.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mundwerk.mouth.curves.segments import Segments

FloatArray = npt.NDArray[np.float64]

#: Segments on each side of a frame's own segment that still pull on it.
NEIGHBOURS = 3


def nearby(segments: Segments, times_ms: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """[frames × window] indices of the segments around each time, and which of them exist."""
    count = len(segments.rows)
    own = np.searchsorted(segments.end_ms, times_ms, side="right")
    window = np.minimum(own, count - 1)[:, None] + np.arange(-NEIGHBOURS, NEIGHBOURS + 1)
    exists = (window >= 0) & (window < count)
    return np.minimum(np.maximum(window, 0), count - 1), exists  # np.clip, with less overhead


def blend(
    segments: Segments,
    times_ms: FloatArray,
    targets: FloatArray,
    dominance: FloatArray,
    lead_widths_ms: FloatArray,
    lag_widths_ms: FloatArray,
) -> FloatArray:
    """[frames × parameters]: the targets (rows × parameters) blended at each time."""
    index, exists = nearby(segments, times_ms)
    before = np.maximum(segments.start_ms[index] - times_ms[:, None], 0.0)
    after = np.maximum(times_ms[:, None] - segments.end_ms[index], 0.0)
    before[~exists] = np.inf
    reach = before[..., None] / lead_widths_ms + after[..., None] / lag_widths_ms
    rows = segments.rows[index]
    weight = dominance[rows] * np.exp(-reach)
    total = np.maximum(weight.sum(axis=1), 1e-12)
    blended: FloatArray = np.einsum("fwp,fwp->fp", weight, targets[rows]) / total
    return blended


def pull(values: FloatArray, strength: FloatArray, target: FloatArray | float) -> FloatArray:
    """``values`` moved toward ``target`` by ``strength`` (0 none … 1 all the way), per frame."""
    pulled: FloatArray = values + strength[:, None] * (target - values)
    return pulled

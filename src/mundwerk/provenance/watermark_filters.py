"""The two smoothing filters the watermark's embedder needs, in NumPy.

They compute what ``scipy.ndimage.uniform_filter`` (size 3) and ``gaussian_filter`` (truncated
at 4 sigma) compute, in the same float64 arithmetic per axis with the result stored as the
input's float32 between axes, so they give the same float32 values; tests/test_watermark.py
compares them with SciPy's. Importing ``scipy.ndimage`` costs about 0.4 s of start-up, which
every ``mundwerk render`` paid before its first frame; only detection needs it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

Floats32 = npt.NDArray[np.float32]
Floats64 = npt.NDArray[np.float64]
#: How the edges are extended: ``reflect`` repeats the edge pixel outwards (d c b a | a b c d),
#: ``wrap`` continues from the other side (as SciPy's modes of those names).
Edge = Literal["reflect", "wrap"]
_NUMPY_PAD: dict[str, Literal["symmetric", "wrap"]] = {"reflect": "symmetric", "wrap": "wrap"}
#: SciPy's default truncation of the Gaussian kernel, in standard deviations.
TRUNCATE_SIGMAS = 4.0


def uniform3(values: Floats32) -> Floats32:
    """The mean of each 3×3 neighbourhood of a 2-D float32 array (edges reflected)."""
    out = values
    for axis in (0, 1):
        padded = _padded(out, 1, axis, "reflect")
        length = out.shape[axis]
        # A running sum as SciPy keeps it: the first window's sum, then what enters minus what leaves.
        first = _part(padded, 0, 1, axis) + _part(padded, 1, 1, axis) + _part(padded, 2, 1, axis)
        steps = _part(padded, 3, length - 1, axis) - _part(padded, 0, length - 1, axis)
        sums = np.cumsum(np.concatenate([first, steps], axis=axis), axis=axis)
        out = np.asarray(sums / 3.0, dtype=np.float32)
    return out


def gaussian(values: Floats32, sigma: float, edge: Edge = "reflect") -> Floats32:
    """A 2-D float32 array smoothed by a Gaussian of ``sigma`` pixels along both axes."""
    radius = int(TRUNCATE_SIGMAS * sigma + 0.5)
    weights = gaussian_weights(sigma, radius)
    out = values
    for axis in (0, 1):
        padded = _padded(out, radius, axis, edge)
        length = out.shape[axis]
        total = _part(padded, radius, length, axis) * weights[radius]
        for step in range(1, radius + 1):
            pair = _part(padded, radius - step, length, axis) + _part(padded, radius + step, length, axis)
            total += pair * weights[radius - step]
        out = np.asarray(total, dtype=np.float32)
    return out


def gaussian_weights(sigma: float, radius: int) -> Floats64:
    """The normalised kernel (``2·radius + 1`` taps), computed as SciPy computes it."""
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 / (sigma * sigma) * offsets**2)
    return np.asarray(kernel / kernel.sum(), dtype=np.float64)


def _padded(values: Floats32, radius: int, axis: int, edge: Edge) -> Floats64:
    widths = [(0, 0), (0, 0)]
    widths[axis] = (radius, radius)
    return np.pad(values.astype(np.float64), widths, mode=_NUMPY_PAD[edge])


def _part(values: Floats64, start: int, length: int, axis: int) -> Floats64:
    """``length`` rows (axis 0) or columns (axis 1) of ``values`` from ``start`` on."""
    if axis == 0:
        return values[start : start + length]
    return values[:, start : start + length]

"""Finding the pattern in a picture of unknown scale and crop, and reading its chips.

1. Residual: the (frame-summed) luma, band-passed to the chips' frequencies and divided by
   its local spread, so that the picture underneath counts as roughly white noise.
2. Scale: the tiled pattern makes the residual periodic; the autocorrelation's first peaks
   along x and y give the tile period in pixels (any scale, either aspect).
3. Phase: every pixel is folded onto one tile (its position modulo the period); the folded
   tile is cross-correlated (FFT, cyclic) with the sync chips; the peak is the crop offset.
4. Chips: the aligned folded tile is summed over each chip's cell and the key signs are taken
   off, giving one soft value per coded bit for the Viterbi decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from mundwerk.provenance.watermark_pattern import (
    CODED_BITS,
    SMOOTHING,
    TILE_CHIPS,
    Floats32,
    layout,
    sync_chips,
)

Floats = npt.NDArray[np.float64]

#: Frames are analysed with their shorter side shrunk (by a whole factor) to about this.
WORKING_SHORT_SIDE_PX = 400
#: Gaussian window (working pixels) of the local variance that weights the residual.
VARIANCE_SIGMA_PX = 3.0
#: Bins per chip when folding onto one tile.
BINS_PER_CHIP = 4
TILE_BINS = TILE_CHIPS * BINS_PER_CHIP
SHIFTS = TILE_BINS * TILE_BINS
#: Tile periods searched, in working pixels (chips of 2 px to a tile half the picture).
MIN_PERIOD_PX = 2 * TILE_CHIPS
#: Share of a side up to which the autocorrelation's harmonics are read (the overlap at that
#: lag is still a quarter of the picture).
HARMONIC_REACH = 0.75
#: Candidate periods tried per axis (the best autocorrelation peaks).
PERIOD_CANDIDATES = 2
#: Relative period steps tried around each candidate (see ``_nudged``).
NUDGES = (-0.01, -0.006, -0.003, 0.0, 0.003, 0.006, 0.01)
#: The harmonics may move a comb estimate by at most this share (more means they misled).
MAX_REFINEMENT = 0.012
#: The sync peak is read at its bin and the eight around it (a bin is a quarter chip).
NEIGHBOURS = tuple((y, x) for y in (0, -1, 1) for x in (0, -1, 1))


@dataclass(frozen=True, slots=True)
class Reading:
    """One hypothesis read: the tile period (x, y) in the picture's pixels, the sync peak's
    z-score among all cyclic shifts, and a soft value per coded bit."""

    period_px: tuple[float, float]
    sync_z: float
    soft_bits: Floats


def working_factor(shape: tuple[int, ...]) -> int:
    """The whole factor that brings a picture's shorter side near WORKING_SHORT_SIDE_PX."""
    return max(1, round(min(shape[:2]) / WORKING_SHORT_SIDE_PX))


def working_luma(luma: Floats32) -> Floats32:
    """``luma`` shrunk by a whole factor (block means) so its shorter side is near the working size."""
    factor = working_factor(luma.shape)
    if factor == 1:
        return luma
    height, width = (side // factor * factor for side in luma.shape)
    blocks = luma[:height, :width].reshape(height // factor, factor, width // factor, factor)
    return np.asarray(blocks.mean(axis=(1, 3)), dtype=np.float32)


def residual(luma: Floats32, chip_px: float = 6.0) -> Floats32:
    """Band-passed luma divided by its local variance: busy parts of the picture (where the
    picture itself, not the pattern, dominates) count less, as in a matched filter. The
    band's lower edge follows the chip size (once it is known)."""
    band = band_pass(luma, chip_px)
    return np.asarray(band / local_variance(band), dtype=np.float32)


def band_pass(luma: Floats32, chip_px: float) -> Floats32:
    """Luma less its slow variations (below about a chip's frequency) and its pixel noise."""
    low_sigma = float(np.clip(0.5 * chip_px, 1.5, 3.0))
    return np.asarray(ndimage.gaussian_filter(luma, 0.5) - ndimage.gaussian_filter(luma, low_sigma))


def local_variance(band: Floats32) -> Floats32:
    """The band's local mean square over a few pixels (a chip or less: edges and texture are
    down-weighted right where they are), floored at 1/100 of its median square."""
    spread = np.sqrt(ndimage.gaussian_filter(band * band, VARIANCE_SIGMA_PX))
    floor = max(float(np.median(spread)) * 0.1, 1e-3)
    return np.asarray(np.maximum(spread, floor) ** 2, dtype=np.float32)


def period_candidates(r: Floats32) -> list[tuple[float, float]]:
    """The likely tile periods (x, y) in pixels, best first: a comb over the autocorrelation
    along x and y scores every period by its peaks at T, 2T, 3T, ... (a square tile)."""
    height, width = r.shape
    spectrum = np.fft.rfft2(r, s=(2 * height, 2 * width))
    auto = np.fft.irfft2(np.abs(spectrum) ** 2, s=(2 * height, 2 * width))
    along_x = _detrended(auto[[0, 1, -1], : _lags(width)].sum(axis=0), width)
    along_y = _detrended(auto[: _lags(height), [0, 1, -1]].sum(axis=1), height)
    longest = min(width, height) // 2 - 1
    if longest <= MIN_PERIOD_PX:
        return []
    periods = np.arange(MIN_PERIOD_PX, longest, 0.25)
    score = _comb(along_x, periods) + _comb(along_y, periods)
    found = []
    for period in _best_maxima(periods, score):
        x, y = _refine_with_harmonics(along_x, period), _refine_with_harmonics(along_y, period)
        found += [(x, y), (period, period)]
    return found


def _lags(length: int) -> int:
    """How many autocorrelation lags to keep: periods are searched up to half the side, but
    their harmonics are read up to HARMONIC_REACH of it (on a small picture a tile of a third
    of the side would otherwise show only one peak, and its period would rest on that one)."""
    return int(HARMONIC_REACH * length) + 1


def _detrended(profile: Floats, length: int) -> Floats:
    """The autocorrelation per overlapping pixel, less its slow trend (the picture's own)."""
    per_pixel = profile / (length - np.arange(len(profile)))
    trend = ndimage.median_filter(per_pixel, size=15, mode="nearest")
    return np.asarray(per_pixel - trend, dtype=np.float64)


def _comb(profile: Floats, periods: Floats) -> Floats:
    score = np.zeros_like(periods)
    harmonics = np.zeros_like(periods)
    lags = np.arange(len(profile))
    for multiple in range(1, 8):
        inside = multiple * periods < len(profile) - 1
        score[inside] += np.interp(multiple * periods[inside], lags, profile)
        harmonics[inside] += 1
    return score / np.sqrt(np.maximum(harmonics, 1))


def _best_maxima(periods: Floats, score: Floats) -> list[float]:
    inner = score[1:-1]
    is_peak = (inner > score[:-2]) & (inner >= score[2:])
    index = np.nonzero(is_peak)[0] + 1
    best = index[np.argsort(score[index])[::-1][:PERIOD_CANDIDATES]]
    return [float(periods[i]) for i in best]


def _subpixel(curve: Floats, lag: int) -> float:
    left, middle, right = curve[lag - 1], curve[lag], curve[min(lag + 1, len(curve) - 1)]
    denominator = left - 2 * middle + right
    return lag + (0.5 * (left - right) / denominator if denominator < 0 else 0.0)


def _refine_with_harmonics(curve: Floats, period: float) -> float:
    """``period`` refined from the sub-pixel peaks near its multiples (weighted by multiple)."""
    estimates, weights = [], []
    for multiple in range(1, 8):
        guess = round(multiple * period)
        if guess + 2 >= len(curve):
            break
        lag = guess - 1 + int(np.argmax(curve[guess - 1 : guess + 2]))
        if 0 < lag < len(curve) - 1 and curve[lag] > 0:
            estimates.append(_subpixel(curve, lag) / multiple)
            weights.append(float(multiple))
    refined = float(np.average(estimates, weights=weights)) if estimates else period
    return refined if abs(refined - period) <= MAX_REFINEMENT * period else period


def fold(r: Floats32, period_px: tuple[float, float]) -> Floats:
    """``r`` averaged onto one tile of TILE_BINS² bins (each pixel goes to its position
    modulo the period)."""
    height, width = r.shape
    bin_x = np.floor(np.arange(width) * (TILE_BINS / period_px[0])).astype(np.int64) % TILE_BINS
    bin_y = np.floor(np.arange(height) * (TILE_BINS / period_px[1])).astype(np.int64) % TILE_BINS
    index = (bin_y[:, None] * TILE_BINS + bin_x[None, :]).reshape(-1)
    sums = np.bincount(index, weights=r.reshape(-1).astype(np.float64), minlength=SHIFTS)
    counts = np.bincount(index, minlength=SHIFTS)
    return (sums / np.maximum(counts, 1)).reshape(TILE_BINS, TILE_BINS)


def _binned(chips: Floats32) -> Floats:
    tile = np.kron(chips, np.ones((BINS_PER_CHIP, BINS_PER_CHIP)))
    return np.asarray(ndimage.gaussian_filter(tile, SMOOTHING * BINS_PER_CHIP, mode="wrap"))


def find_phase(folded: Floats) -> tuple[tuple[int, int], float]:
    """The cyclic shift (dy, dx) of the folded tile that best matches the sync pattern, and
    the peak's z-score among all TILE_BINS² shifts."""
    correlation = _sync_correlation(folded)
    peak = int(np.argmax(correlation))
    z = (correlation.flat[peak] - correlation.mean()) / max(float(correlation.std()), 1e-12)
    dy, dx = divmod(peak, TILE_BINS)
    return (dy, dx), float(z)


def _sync_correlation(folded: Floats) -> Floats:
    reference = _binned(sync_chips())
    spectrum = np.fft.rfft2(folded) * np.conj(np.fft.rfft2(reference))
    return np.asarray(np.fft.irfft2(spectrum, s=folded.shape))


def chip_cells(folded: Floats, shift: tuple[int, int] = (0, 0)) -> Floats:
    """The folded tile aligned at ``shift`` and summed over each chip's cell (TILE_CHIPS²)."""
    aligned = np.roll(folded, (-shift[0], -shift[1]), axis=(0, 1))
    return np.asarray(aligned.reshape(TILE_CHIPS, BINS_PER_CHIP, TILE_CHIPS, BINS_PER_CHIP).sum(axis=(1, 3)))


def soft_bits(folded: Floats, shift: tuple[int, int]) -> Floats:
    """One soft value per coded bit (positive = 1) from the folded tile aligned at ``shift``."""
    cells = chip_cells(folded, shift)
    plan = layout()
    chips = cells.reshape(-1)[plan.data_index] * plan.key[plan.data_index]
    values = np.bincount(plan.bit_of_chip, weights=chips, minlength=CODED_BITS)
    return values / max(float(np.std(values)), 1e-12)


def readings(luma_sum: Floats32) -> list[Reading]:
    """Every (period, phase) hypothesis for a frame-summed luma picture, best sync first."""
    working, factor = working_luma(luma_sum), working_factor(luma_sum.shape)
    r = residual(working)
    found = []
    tuned: dict[float, Floats32] = {}
    for rough in period_candidates(r):
        chip_px = round(2 * min(rough) / TILE_CHIPS) / 2
        if chip_px not in tuned:
            tuned[chip_px] = residual(working, chip_px)
        for period in {rough, _nudged(tuned[chip_px], rough)}:
            in_pixels = (period[0] * factor, period[1] * factor)
            found += _read(fold(tuned[chip_px], period), in_pixels)
    return sorted(found, key=lambda reading: -reading.sync_z)


def _nudged(r: Floats32, period_px: tuple[float, float]) -> tuple[float, float]:
    """``period_px`` scaled by the step in NUDGES that gives the strongest sync peak (the
    autocorrelation's estimate can be off by a fraction of a pixel, which smears the chips)."""
    scores = [(find_phase(fold(r, (period_px[0] * (1 + n), period_px[1] * (1 + n))))[1], n) for n in NUDGES]
    best = max(scores)[1]
    return (period_px[0] * (1 + best), period_px[1] * (1 + best))


def _read(folded: Floats, period_px: tuple[float, float]) -> list[Reading]:
    (dy, dx), z = find_phase(folded)
    readings = []
    for near_y, near_x in NEIGHBOURS:
        shift = ((dy + near_y) % TILE_BINS, (dx + near_x) % TILE_BINS)
        readings.append(Reading(period_px, z, soft_bits(folded, shift)))
    return readings

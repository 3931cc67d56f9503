"""Prosody per video frame: loudness (RMS in dB) and voice pitch, what idle motion follows.

Frame ``k`` describes the audio around time ``k / fps``: a window centred there. Pitch is a
cheap YIN (cumulative mean normalised difference, first dip under a threshold) over a 40 ms
window, 0 Hz where the frame is unvoiced or too quiet; a 5-frame median removes octave slips.
``prosody_of_blocks`` gives the same figures from consecutive blocks (e.g. ``decode.iter_blocks``),
holding only a block and a window's worth of samples at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.curves import frame_count

Floats = npt.NDArray[np.float64]

#: The floor of the energy track (digital silence reads as this).
SILENCE_DB = -80.0
#: Pitch search range.
PITCH_MIN_HZ, PITCH_MAX_HZ = 70.0, 400.0
PITCH_WINDOW_S = 0.04
#: A dip of the normalised difference below this is a period (YIN's absolute threshold).
YIN_THRESHOLD = 0.2
#: Frames quieter than this much below the loudest speech are not searched for a pitch.
VOICED_BELOW_PEAK_DB = 35.0


@dataclass(frozen=True, slots=True, eq=False)
class Prosody:
    """Per-frame loudness and pitch; ``pitch_hz`` is 0 where a frame is unvoiced."""

    fps: float
    energy_db: Floats
    pitch_hz: Floats

    @property
    def frame_count(self) -> int:
        return len(self.energy_db)


#: Frames analysed at a time (memory stays bounded for long speech).
CHUNK_FRAMES = 500


def prosody(audio: Audio, fps: float, count: int | None = None) -> Prosody:
    """Loudness and pitch of ``audio`` at each video frame (``count`` frames, default its length)."""
    audio = at_analysis_rate(audio)
    count = frame_count(audio.duration_ms, fps) if count is None else count
    return prosody_of_blocks([audio], fps, count)


def prosody_of_blocks(blocks: Iterable[Audio], fps: float, count: int) -> Prosody:
    """Loudness and pitch at each of ``count`` video frames of the audio given as consecutive
    ``blocks`` (one sample rate): each frame is measured as soon as its windows are read, and
    only the samples later frames still need are kept."""
    energy: list[Floats] = []
    pitch: list[Floats] = []
    centres = np.zeros(0, dtype=np.intp)
    start = 0  # the sample index of kept[0]
    kept = np.zeros(0)
    done = 0  # frames measured
    rate: int | None = None
    for block in blocks:
        block = at_analysis_rate(block)
        if rate is None:
            rate = block.sample_rate_hz
            centres = np.round(np.arange(count) / fps * rate).astype(np.intp)
        kept = np.concatenate([kept, np.asarray(block.samples, dtype=np.float64).reshape(-1)])
        ready = int(np.searchsorted(centres, start + len(kept) - _reach(rate, fps), side="right"))
        done, start, kept = _measure(centres, done, ready, start, kept, rate, fps, energy, pitch)
    if rate is None or done < count:
        rate = rate or 16_000
        if len(centres) != count:
            centres = np.round(np.arange(count) / fps * rate).astype(np.intp)
        _measure(centres, done, count, start, kept, rate, fps, energy, pitch)
    return _prosody(fps, np.concatenate(energy or [np.zeros(0)]), np.concatenate(pitch or [np.zeros(0)]))


def _reach(rate: int, fps: float) -> int:
    """How far past a frame's centre its windows read (samples)."""
    length = max(int(rate / fps), int(0.02 * rate))
    pitch_length = int(PITCH_WINDOW_S * rate) + int(rate / PITCH_MIN_HZ)
    return max(length - length // 2, pitch_length - pitch_length // 2)


def _measure(
    centres: npt.NDArray[np.intp],
    done: int,
    ready: int,
    start: int,
    kept: Floats,
    rate: int,
    fps: float,
    energy: list[Floats],
    pitch: list[Floats],
) -> tuple[int, int, Floats]:
    """Measure frames ``done`` to ``ready`` on ``kept`` (samples from ``start``), appending to
    ``energy`` and ``pitch``; return the frames done and the samples still needed."""
    length = max(int(rate / fps), int(0.02 * rate))
    for first in range(done, ready, CHUNK_FRAMES):
        part = centres[first : min(first + CHUNK_FRAMES, ready)] - start
        energy.append(frame_energy_db(kept, part, length))
        pitch.append(frame_pitch_hz(kept, part, rate))
    done = max(done, ready)
    if done >= len(centres):
        return done, start, kept
    # Keep what the next frame's windows reach back to (the longest window's half).
    back = max(length // 2, (int(PITCH_WINDOW_S * rate) + int(rate / PITCH_MIN_HZ)) // 2)
    drop = min(max(int(centres[done]) - back - start, 0), len(kept))
    return done, start + drop, kept[drop:]


def _prosody(fps: float, energy: Floats, pitch: Floats) -> Prosody:
    count = len(energy)
    loud_enough = energy >= (np.percentile(energy, 95) if count else 0.0) - VOICED_BELOW_PEAK_DB
    return Prosody(fps, energy, _median5(np.where(loud_enough, pitch, 0.0)))


def _chunks(centres: npt.NDArray[np.intp]) -> list[npt.NDArray[np.intp]]:
    """``centres`` in pieces of ``CHUNK_FRAMES``: the per-frame windows of long speech never all
    sit in memory at once (each frame's result depends on its own window only)."""
    return [centres[start : start + CHUNK_FRAMES] for start in range(0, len(centres), CHUNK_FRAMES)] or [
        centres
    ]


def _windows(samples: Floats, centres: npt.NDArray[np.intp], length: int) -> Floats:
    """One row per centre: the ``length`` samples around it (zeros beyond the ends)."""
    half = length // 2
    padded = np.concatenate([np.zeros(half), samples, np.zeros(length)])
    index = centres[:, None] + np.arange(length)[None, :]
    return np.asarray(padded[np.clip(index, 0, len(padded) - 1)], dtype=np.float64)


def frame_energy_db(samples: Floats, centres: npt.NDArray[np.intp], length: int) -> Floats:
    """RMS level (dB re full scale) of the ``length`` samples around each centre."""
    if len(centres) == 0:
        return np.zeros(0)
    rms = np.sqrt(np.mean(_windows(samples, centres, length) ** 2, axis=1))
    return np.asarray(np.maximum(20 * np.log10(np.maximum(rms, 1e-12)), SILENCE_DB), dtype=np.float64)


def frame_pitch_hz(samples: Floats, centres: npt.NDArray[np.intp], rate_hz: int) -> Floats:
    """YIN-lite pitch of the window around each centre, 0 where no clear period is found."""
    if len(centres) == 0:
        return np.zeros(0)
    window = int(PITCH_WINDOW_S * rate_hz)
    max_lag = int(rate_hz / PITCH_MIN_HZ)
    min_lag = int(rate_hz / PITCH_MAX_HZ)
    frames = _windows(samples, centres, window + max_lag)
    difference = _difference(frames, window, max_lag)
    lags = np.arange(1, max_lag + 1)
    normalised = difference[:, 1:] * lags / np.maximum(np.cumsum(difference[:, 1:], axis=1), 1e-12)
    lag = _first_dip(normalised, min_lag)
    found = lag > 0
    return np.where(found, rate_hz / np.maximum(lag, 1), 0.0)


def _difference(frames: Floats, window: int, max_lag: int) -> Floats:
    """YIN's difference ``d(τ) = Σ (x[t] - x[t+τ])²`` over ``t < window``, for τ = 0 … max_lag."""
    size = 1 << int(np.ceil(np.log2(frames.shape[1] + window)))
    head = frames[:, :window]
    spectrum = np.fft.rfft(frames, size, axis=1) * np.conj(np.fft.rfft(head, size, axis=1))
    cross = np.fft.irfft(spectrum, size, axis=1)[:, : max_lag + 1]
    squares = np.cumsum(frames**2, axis=1)
    squares = np.concatenate([np.zeros((len(frames), 1)), squares], axis=1)
    lags = np.arange(max_lag + 1)
    shifted = squares[:, lags + window] - squares[:, lags]
    return np.maximum(squares[:, window : window + 1] + shifted - 2 * cross, 0.0)


def _first_dip(normalised: Floats, min_lag: int) -> npt.NDArray[np.float64]:
    """Per row the first lag (1-based) from ``min_lag`` under the threshold, at its local minimum."""
    search = normalised[:, min_lag - 1 :]
    below = search < YIN_THRESHOLD
    first = np.argmax(below, axis=1)
    lag = np.zeros(len(search))
    for row in np.nonzero(below.any(axis=1))[0]:
        position = int(first[row])
        while position + 1 < search.shape[1] and search[row, position + 1] < search[row, position]:
            position += 1
        lag[row] = position + min_lag
    return lag


def _median5(values: Floats) -> Floats:
    """A 5-frame median over voiced frames (unvoiced ones stay 0)."""
    if len(values) < 5:
        return values
    padded = np.pad(values, 2, mode="edge")
    stacked = np.lib.stride_tricks.sliding_window_view(padded, 5)
    return np.where(values > 0, np.median(stacked, axis=1), 0.0)

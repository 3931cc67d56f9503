"""Log-mel features in numpy, computed in one go or incrementally with identical results.

Frame ``t`` describes the 10 ms slot ``[10 t, 10 t + 10)`` ms: a 25 ms Hann window centred
on the slot's middle (the signal is padded with zeros by half a window minus half a hop at
the start, and at the end when flushed). So audio of ``n`` samples gives ``ceil(n / 160)``
frames, whether it arrives at once (:func:`log_mel`) or in pieces (:class:`LogMelStream`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from mundwerk.core.constants import SAMPLE_RATE_HZ

HOP_SAMPLES = 160
"""Samples between frames: 10 ms at 16 kHz."""
WINDOW_SAMPLES = 400
"""Window length: 25 ms at 16 kHz."""
FFT_SIZE = 512
MEL_BANDS = 40
LOW_HZ = 60.0
HIGH_HZ = 7600.0
FLOOR = 1e-7
"""Added to the mel energies before the log: digital silence gives log(FLOOR)."""
FRAME_MS = HOP_SAMPLES * 1000 // SAMPLE_RATE_HZ
LEAD_SAMPLES = (WINDOW_SAMPLES - HOP_SAMPLES) // 2
"""Zeros before the first sample, so frame 0's window is centred on the first slot."""

FloatArray = npt.NDArray[np.float32]


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@cache
def mel_filterbank() -> FloatArray:
    """Triangular filters, shape ``(FFT_SIZE // 2 + 1, MEL_BANDS)``, each peaking at 1."""
    edges_hz = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(LOW_HZ)), _hz_to_mel(np.array(HIGH_HZ)), MEL_BANDS + 2)
    )
    bins_hz = np.arange(FFT_SIZE // 2 + 1) * SAMPLE_RATE_HZ / FFT_SIZE
    low, centre, high = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz[None, :] - low) / (centre - low)
    falling = (high - bins_hz[None, :]) / (high - centre)
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    return np.ascontiguousarray(weights.T, dtype=np.float32)


@cache
def _window() -> FloatArray:
    return np.hanning(WINDOW_SAMPLES + 2)[1:-1].astype(np.float32)


def band_centres_hz() -> npt.NDArray[np.float64]:
    """The centre frequency of every mel band."""
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(LOW_HZ)), _hz_to_mel(np.array(HIGH_HZ)), MEL_BANDS + 2)
    )
    return edges[1:-1]


def frames_to_log_mel(padded: FloatArray, count: int) -> FloatArray:
    """Log-mel of the first ``count`` frames of a signal already padded with the lead."""
    if count <= 0:
        return np.zeros((0, MEL_BANDS), dtype=np.float32)
    windows = padded[_window_rows(count)]  # a gather: cheaper than a strided view for a few frames
    windows *= _window()
    spectrum = np.fft.rfft(windows, n=FFT_SIZE, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    logs: FloatArray = np.log(power @ mel_filterbank() + np.float32(FLOOR), dtype=np.float32)
    return logs


def _window_rows(count: int) -> npt.NDArray[np.intp]:
    """Sample indices of the first ``count`` windows, one row each (cached for live block sizes)."""
    if count > 64:
        return _rows(count)
    return _cached_rows(count)


def _rows(count: int) -> npt.NDArray[np.intp]:
    return np.arange(count)[:, None] * HOP_SAMPLES + np.arange(WINDOW_SAMPLES)


@cache
def _cached_rows(count: int) -> npt.NDArray[np.intp]:
    return _rows(count)


def frame_count(sample_count: int) -> int:
    """How many frames audio of ``sample_count`` samples gives once flushed."""
    return -(-sample_count // HOP_SAMPLES)


def log_mel(samples: npt.NDArray[np.floating]) -> FloatArray:
    """Log-mel features of 16 kHz audio, shape ``(ceil(n / 160), MEL_BANDS)``."""
    stream = LogMelStream()
    head = stream.accept(samples)
    return np.concatenate([head, stream.flush()])


class LogMelStream:
    """Incremental log-mel: feed samples in any pieces, get each frame once its window is full."""

    __slots__ = ("_buffer", "_frames_done", "_samples_seen")

    def __init__(self) -> None:
        self._buffer = np.zeros(LEAD_SAMPLES, dtype=np.float32)
        self._samples_seen = 0
        self._frames_done = 0

    def accept(self, samples: npt.NDArray[np.floating]) -> FloatArray:
        """The frames completed by these samples, shape ``(k, MEL_BANDS)``."""
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float32)])
        self._samples_seen += len(samples)
        ready = max(0, (len(self._buffer) - WINDOW_SAMPLES) // HOP_SAMPLES + 1)
        return self._take(ready)

    def flush(self) -> FloatArray:
        """The remaining frames, the signal padded with zeros to fill their windows."""
        remaining = frame_count(self._samples_seen) - self._frames_done
        if remaining <= 0:
            return np.zeros((0, MEL_BANDS), dtype=np.float32)
        needed = (remaining - 1) * HOP_SAMPLES + WINDOW_SAMPLES
        pad = max(0, needed - len(self._buffer))
        self._buffer = np.concatenate([self._buffer, np.zeros(pad, dtype=np.float32)])
        return self._take(remaining)

    def _take(self, count: int) -> FloatArray:
        features = frames_to_log_mel(self._buffer, count)
        self._buffer = self._buffer[count * HOP_SAMPLES :]
        self._frames_done += count
        return features

"""Live PCM in, 16 kHz float samples out: chunks of any size at any rate 8–48 kHz.

16-bit little-endian bytes or float arrays are converted to float32; other rates pass
through PyAV's resampler (libswresample, the one file decoding uses), which keeps its
filter state between chunks, so a stream cut anywhere gives the same samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.errors import UsageError

MIN_RATE_HZ = 8_000
MAX_RATE_HZ = 48_000

FloatArray = npt.NDArray[np.float32]


def check_rate(sample_rate_hz: object) -> int:
    """``sample_rate_hz`` as an int, or a UsageError naming the value and the valid range."""
    if not isinstance(sample_rate_hz, int) or isinstance(sample_rate_hz, bool):
        raise UsageError(
            f"invalid sample rate {sample_rate_hz!r}; give an integer {MIN_RATE_HZ}–{MAX_RATE_HZ}"
        )
    if not MIN_RATE_HZ <= sample_rate_hz <= MAX_RATE_HZ:
        raise UsageError(f"invalid sample rate {sample_rate_hz} Hz; choose {MIN_RATE_HZ}–{MAX_RATE_HZ} Hz")
    return sample_rate_hz


def pcm16_to_float(pcm: bytes) -> FloatArray:
    """16-bit little-endian mono PCM as float32 in [-1, 1); an odd byte count is a UsageError."""
    if len(pcm) % 2:
        raise UsageError(f"PCM must be 16-bit samples (an even number of bytes), got {len(pcm)} bytes")
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


class Resampler:
    """Float samples at ``sample_rate_hz`` in, float32 at 16 kHz out, with state across chunks."""

    def __init__(self, sample_rate_hz: int) -> None:
        self.sample_rate_hz = check_rate(sample_rate_hz)
        self._resampler: Any = None
        if sample_rate_hz != SAMPLE_RATE_HZ:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE_HZ)

    def accept(self, samples: npt.NDArray[np.floating]) -> FloatArray:
        """The 16 kHz samples these input samples complete (the resampler holds a few back)."""
        samples = np.asarray(samples, dtype=np.float32)
        if self._resampler is None or len(samples) == 0:
            return samples if self._resampler is None else np.zeros(0, np.float32)
        import av

        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = self.sample_rate_hz
        return self._run(frame)

    def flush(self) -> FloatArray:
        """The samples still held back, at the end of the stream."""
        return np.zeros(0, np.float32) if self._resampler is None else self._run(None)

    def _run(self, frame: object) -> FloatArray:
        frames = self._resampler.resample(frame)
        if not frames:
            return np.zeros(0, np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)

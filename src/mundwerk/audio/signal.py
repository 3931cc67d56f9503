"""The audio value passed between stages: mono float32 samples at a known rate."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from mundwerk.core.constants import SAMPLE_RATE_HZ


@dataclass(frozen=True, slots=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at ``sample_rate_hz`` (16 kHz after decoding)."""

    samples: npt.NDArray[np.float32]
    sample_rate_hz: int = SAMPLE_RATE_HZ

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.sample_rate_hz)

    def slice_ms(self, start_ms: int, end_ms: int) -> Audio:
        first = start_ms * self.sample_rate_hz // 1000
        last = end_ms * self.sample_rate_hz // 1000
        return Audio(self.samples[first:last], self.sample_rate_hz)


def at_analysis_rate(audio: Audio) -> Audio:
    """``audio`` at the 16 kHz analysis rate, float32 in [-1, 1] (resampled only if needed)."""
    if audio.sample_rate_hz == SAMPLE_RATE_HZ:
        return audio
    from scipy.signal import resample_poly  # here: importing scipy.signal costs about a second

    ratio = Fraction(SAMPLE_RATE_HZ, audio.sample_rate_hz)
    samples = resample_poly(audio.samples, ratio.numerator, ratio.denominator)
    return Audio(np.clip(samples, -1.0, 1.0).astype(np.float32), SAMPLE_RATE_HZ)

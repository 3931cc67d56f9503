"""The audio value passed between stages: mono float32 samples at a known rate."""

from __future__ import annotations

from dataclasses import dataclass

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

"""Constants every layer derives from."""

from __future__ import annotations

#: The rate all analysis works at: audio is mixed to mono and resampled to this.
SAMPLE_RATE_HZ = 16_000

#: Samples in one millisecond at SAMPLE_RATE_HZ.
SAMPLES_PER_MS = SAMPLE_RATE_HZ // 1000

#: Rhubarb's own cue resolution: cue times are multiples of this (centiseconds).
RHUBARB_RESOLUTION_MS = 10

#: Default animation frame rate for exports that need one (Moho DAT).
DEFAULT_FPS = 24.0

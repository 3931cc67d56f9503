"""Mouth openness predicted from the audio alone: loudness in the band where vowels carry it.

An open mouth lets the first formants through: energy between 300 and 3000 Hz rises with
the jaw and falls at closures (p, b, m) and in silence. The prediction is the log of that
energy, one value per 10 ms (the log-mel frames of ``audio.features``), lightly smoothed.
It is a stand-in for openness that needs no recognizer and no language; the top level may
pass a better one (mundwerk's own phones → mouth curves) to ``inspect.measure``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mundwerk.audio.features import band_centres_hz, log_mel
from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.constants import SAMPLE_RATE_HZ

LOW_HZ = 300.0
HIGH_HZ = 3000.0
#: Energy this far below the loudest frame counts as silence (the floor of the prediction).
FLOOR_DB = 50.0
SMOOTHING_FRAMES = 3

FloatArray = npt.NDArray[np.float64]


def band_openness(audio: Audio) -> FloatArray:
    """Predicted openness every 10 ms (frame ``t`` covers ``[10 t, 10 t + 10)`` ms), in log units."""
    if audio.sample_rate_hz != SAMPLE_RATE_HZ:
        audio = at_analysis_rate(audio)
    features = log_mel(audio.samples).astype(np.float64)
    centres = band_centres_hz()
    bands = (centres >= LOW_HZ) & (centres <= HIGH_HZ)
    energy: FloatArray = np.log(np.exp(features[:, bands]).sum(axis=1) + 1e-10)
    if len(energy) == 0:
        return energy
    floor = energy.max() - FLOOR_DB * np.log(10) / 10
    clipped = np.maximum(energy, floor)
    kernel = np.ones(SMOOTHING_FRAMES) / SMOOTHING_FRAMES
    return np.asarray(np.convolve(clipped, kernel, mode="same"), dtype=np.float64)

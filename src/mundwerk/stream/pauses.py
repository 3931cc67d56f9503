"""Pauses heard so far in a live stream, as ``audio.pauses.find_pauses`` finds them in a file.

Frame levels (10 ms, dBFS, median-smoothed over 50 ms) are kept for the last
``THRESHOLD_WINDOW_MS`` (the offline path cuts files into chunks of that length and sets
one threshold per chunk); the adaptive threshold is recomputed from them on every call.
A quiet run still open at the end counts once it is ``min_pause_ms`` long.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mundwerk.audio.pauses import DEFAULT_MAX_CHUNK_MS, FRAME_MS, pause_threshold_db
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.timeline import Timed

#: How much past audio sets the threshold.
THRESHOLD_WINDOW_MS = DEFAULT_MAX_CHUNK_MS
#: New frames after which the threshold is set again.
THRESHOLD_EVERY_FRAMES = 10
_FRAME = SAMPLE_RATE_HZ * FRAME_MS // 1000
_KEEP = THRESHOLD_WINDOW_MS // FRAME_MS


class PauseTracker:
    """Feed 16 kHz samples; ask for the pauses of at least ``min_pause_ms`` heard so far."""

    def __init__(self, min_pause_ms: int) -> None:
        self._min_frames = -(-min_pause_ms // FRAME_MS)
        self._pending = np.zeros(0, np.float32)
        self._levels: list[float] = []  # dB per frame, unsmoothed
        self._smoothed = np.zeros(0, np.float64)  # median of 5, for every frame with two after it
        self._first_frame = 0  # absolute index of self._levels[0]
        self._threshold: tuple[int, float] | None = None  # (frames when set, threshold dB)

    def accept(self, samples: npt.NDArray[np.float32]) -> None:
        self._pending = np.concatenate([self._pending, samples])
        whole = len(self._pending) // _FRAME
        if not whole:
            return
        blocks = self._pending[: whole * _FRAME].astype(np.float64).reshape(whole, _FRAME)
        self._pending = self._pending[whole * _FRAME :]
        self._levels.extend((10 * np.log10(np.mean(blocks**2, axis=1) + 1e-12)).tolist())
        self._smooth_settled()
        excess = len(self._levels) - _KEEP
        if excess > 0:
            del self._levels[:excess]
            self._smoothed = self._smoothed[excess:]
            self._first_frame += excess

    def pauses(self, since_ms: int = 0) -> list[Timed[None]]:
        """Quiet stretches among the frames kept that end after ``since_ms``, in absolute ms, in order."""
        if not self._levels:
            return []
        levels = np.concatenate([self._smoothed, self._smoothed_edge()])
        quiet = levels < self._threshold_db(levels)
        edges = np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        return [
            Timed((self._first_frame + int(a)) * FRAME_MS, (self._first_frame + int(b)) * FRAME_MS, None)
            for a, b in zip(starts, stops, strict=True)
            if b - a >= self._min_frames and (self._first_frame + int(b)) * FRAME_MS > since_ms
        ]

    def _threshold_db(self, levels: npt.NDArray[np.float64]) -> float:
        """The adaptive threshold, set again after ``THRESHOLD_EVERY_FRAMES`` new frames (it moves slowly)."""
        heard = self._first_frame + len(levels)
        if self._threshold is None or heard - self._threshold[0] >= THRESHOLD_EVERY_FRAMES:
            self._threshold = (heard, pause_threshold_db(levels))
        return self._threshold[1]

    def _smooth_settled(self) -> None:
        """Smooth the frames that now have two frames after them (they no longer change)."""
        settled = [_median5_at(self._levels, i) for i in range(len(self._smoothed), len(self._levels) - 2)]
        if settled:
            self._smoothed = np.concatenate([self._smoothed, settled])

    def _smoothed_edge(self) -> list[float]:
        """The last two frames, smoothed as if the audio ended here (edge held, as offline at the end)."""
        if len(self._levels) < 5:
            return self._levels[len(self._smoothed) :]
        return [_median5_at(self._levels, index) for index in range(len(self._smoothed), len(self._levels))]


def _median5_at(levels: list[float], index: int) -> float:
    """The median of the five frames around ``index``, the edges held (``audio.pauses.frame_levels_db``)."""
    last = len(levels) - 1
    return sorted(levels[min(max(i, 0), last)] for i in range(index - 2, index + 3))[2]

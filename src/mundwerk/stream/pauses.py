"""Pauses heard so far in a live stream, as ``audio.pauses.find_pauses`` finds them in a file.

Frame levels (10 ms, dBFS, median-smoothed over 50 ms) are kept for the last
``THRESHOLD_WINDOW_MS`` (the offline path cuts files into chunks of that length and sets
one threshold per chunk); the adaptive threshold is set again from them as they grow (every
``THRESHOLD_EVERY_FRAMES`` new frames at first, every 2.5 % of those kept later: with many
frames one more moves it little). A call looks only at the frames after the time asked
about (and further back only while they are quiet), so it costs the same however much is
kept. A quiet run still open at the end counts once it is ``min_pause_ms`` long.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mundwerk.audio.pauses import DEFAULT_MAX_CHUNK_MS, FRAME_MS, pause_threshold_db
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.timeline import Timed

#: How much past audio sets the threshold.
THRESHOLD_WINDOW_MS = DEFAULT_MAX_CHUNK_MS
#: New frames after which the threshold is set again, at least.
THRESHOLD_EVERY_FRAMES = 10
#: ... and at least this share of the frames kept.
THRESHOLD_EVERY_SHARE = 0.025
_FRAME = SAMPLE_RATE_HZ * FRAME_MS // 1000
_KEEP = THRESHOLD_WINDOW_MS // FRAME_MS


class PauseTracker:
    """Feed 16 kHz samples; ask for the pauses of at least ``min_pause_ms`` heard so far."""

    def __init__(self, min_pause_ms: int) -> None:
        self._min_frames = -(-min_pause_ms // FRAME_MS)
        self._pending = np.zeros(0, np.float32)
        self._levels: list[float] = []  # dB per frame, unsmoothed
        self._smoothed: list[float] = []  # median of 5, for every frame with two after it
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
            del self._smoothed[:excess]
            self._first_frame += excess

    def pauses(self, since_ms: int = 0) -> list[Timed[None]]:
        """Quiet stretches among the frames kept that end after ``since_ms``, in absolute ms, in order."""
        if not self._levels:
            return []
        edge = self._smoothed_edge()
        threshold = self._threshold_db(edge)
        start = min(max(0, since_ms // FRAME_MS - self._first_frame - 1), len(self._smoothed))
        smoothed = self._smoothed
        while start and smoothed[start - 1] < threshold:  # a quiet run reaching back: from its start
            start -= 1
        edges = _changes(np.array(smoothed[start:] + edge) < threshold)
        first = self._first_frame + start
        return [
            Timed((first + a) * FRAME_MS, (first + b) * FRAME_MS, None)
            for a, b in zip(edges[::2], edges[1::2], strict=True)
            if b - a >= self._min_frames and (first + b) * FRAME_MS > since_ms
        ]

    def _threshold_db(self, edge: list[float]) -> float:
        """The adaptive threshold, set again once enough new frames came (it moves slowly)."""
        heard = self._first_frame + len(self._smoothed) + len(edge)
        kept = len(self._smoothed) + len(edge)
        every = max(THRESHOLD_EVERY_FRAMES, int(THRESHOLD_EVERY_SHARE * kept))
        if self._threshold is None or heard - self._threshold[0] >= every:
            self._threshold = (heard, pause_threshold_db(np.array(self._smoothed + edge)))
        return self._threshold[1]

    def _smooth_settled(self) -> None:
        """Smooth the frames that now have two frames after them (they no longer change)."""
        self._smoothed += [
            _median5_at(self._levels, i) for i in range(len(self._smoothed), len(self._levels) - 2)
        ]

    def _smoothed_edge(self) -> list[float]:
        """The last two frames, smoothed as if the audio ended here (edge held, as offline at the end)."""
        if len(self._levels) < 5:
            return self._levels[len(self._smoothed) :]
        return [_median5_at(self._levels, index) for index in range(len(self._smoothed), len(self._levels))]


def _median5_at(levels: list[float], index: int) -> float:
    """The median of the five frames around ``index``, the edges held (``audio.pauses.frame_levels_db``)."""
    if 2 <= index < len(levels) - 2:
        return sorted(levels[index - 2 : index + 3])[2]
    last = len(levels) - 1
    return sorted(levels[min(max(i, 0), last)] for i in range(index - 2, index + 3))[2]


def _changes(quiet: npt.NDArray[np.bool_]) -> list[int]:
    """Where quiet runs start and stop, alternately (a run open at the end stops at the end)."""
    padded = np.concatenate([[False], quiet, [False]])
    changes: list[int] = np.flatnonzero(padded[1:] != padded[:-1]).tolist()
    return changes

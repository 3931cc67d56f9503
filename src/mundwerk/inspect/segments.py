"""Stretches where mouth and voice disagree: sliding windows whose own best offset differs.

Each window (``WINDOW_MS`` long, every ``HOP_MS``) is correlated on its own. A window
disagrees when its best offset lies more than ``TOLERANCE_MS`` from the global one and its
peak clearly beats the correlation at the global offset, or when mouth and voice do not
correlate at all there although both move. Runs of disagreeing windows become one
stretch, reported with the median of their local offsets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mundwerk.inspect.sync import STEP_MS, Correlation, Signals, correlate

WINDOW_MS = 2400
HOP_MS = 400
#: A local offset this far from the global one is a disagreement.
TOLERANCE_MS = 120
#: ... when its peak beats the correlation at the global offset by at least this much.
MIN_GAIN = 0.25
#: A window whose best correlation stays below this does not match at all.
NO_MATCH_CORRELATION = 0.15
#: Windows where mouth or voice is unknown (no face found, no audio) for more than half are not judged.
MIN_KNOWN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the video where the mouth and voice disagree with the global offset."""

    start_ms: int
    end_ms: int
    offset_ms: float | None
    correlation: float

    def to_dict(self) -> dict[str, object]:
        offset = None if self.offset_ms is None else round(self.offset_ms)
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "offset_ms": offset,
            "correlation": round(self.correlation, 3),
        }


@dataclass(frozen=True, slots=True)
class _Local:
    start_ms: float
    offset_ms: float
    correlation: float
    disagrees: bool
    matches: bool


def disagreeing_segments(signals: Signals, global_offset_ms: float, max_offset_ms: int) -> list[Segment]:
    """The stretches of ``signals`` whose local sync differs from ``global_offset_ms``."""
    locals_ = list(_local_windows(signals, global_offset_ms, max_offset_ms))
    return list(_merged(locals_))


def _local_windows(signals: Signals, global_offset_ms: float, max_offset_ms: int) -> Iterator[_Local]:
    size, hop = WINDOW_MS // STEP_MS, HOP_MS // STEP_MS
    for first in range(0, max(len(signals.mouth) - size, 0) + 1, hop):
        window = signals.cut(first, first + size)
        if not _judgeable(window):
            continue
        correlation = correlate(window, max_offset_ms)
        yield _judged(window.start_ms, correlation, global_offset_ms)


def _judgeable(window: Signals) -> bool:
    known = np.isfinite(window.mouth) & np.isfinite(window.voice)
    if known.mean() < MIN_KNOWN_SHARE:
        return False
    return bool(np.std(np.diff(window.mouth[known])) > 0 and np.std(np.diff(window.voice[known])) > 0)


def _judged(start_ms: float, correlation: Correlation, global_offset_ms: float) -> _Local:
    offset, peak = correlation.best()
    if not np.isfinite(peak):
        return _Local(start_ms, float("nan"), 0.0, False, False)
    at_global = correlation.at(global_offset_ms)
    far = abs(offset - global_offset_ms) > TOLERANCE_MS and peak - at_global >= MIN_GAIN
    return _Local(start_ms, offset, peak, far, peak >= NO_MATCH_CORRELATION)


def _merged(windows: list[_Local]) -> Iterator[Segment]:
    run: list[_Local] = []
    for window in [*windows, None]:
        bad = window is not None and (window.disagrees or not window.matches)
        if bad and window is not None:
            run.append(window)
            continue
        if run:
            yield _segment(run)
            run = []


def _segment(run: list[_Local]) -> Segment:
    """One stretch from a run of windows: from the first window's middle quarter to the last's."""
    start = run[0].start_ms + WINDOW_MS / 4
    end = run[-1].start_ms + 3 * WINDOW_MS / 4
    offsets = [w.offset_ms for w in run if w.disagrees]
    offset = float(np.median(offsets)) if offsets else None
    correlation = float(np.median([w.correlation for w in run]))
    return Segment(round(start), round(end), offset, correlation)

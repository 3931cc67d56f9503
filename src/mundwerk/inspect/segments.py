"""Stretches where mouth and voice disagree: sliding windows whose own best offset differs.

Each window (``WINDOW_MS`` long, every ``HOP_MS``) is correlated on its own over the whole
offset range. A window disagrees when its best offset lies more than ``TOLERANCE_MS`` from
the global one, its peak is a real match (``MIN_LOCAL_PEAK``) and it clearly beats the
correlation at the global offset (``MIN_GAIN``); or when mouth and voice do not correlate
at all there although both move. A run of at least ``MIN_RUN`` such windows is one stretch,
from the middle of its first window to the middle of its last (widened by half a hop), with
the median of their local offsets. Shorter runs are dropped: on the benchmark's unperturbed
renders single windows (a pause, a run of similar syllables) sometimes prefer another
offset, but never four in a row, while a 2-s perturbed stretch gives seven or more.

A window's verdict smears a stretch's edges over the window's length, so each edge is then
moved (by up to ``EDGE_REACH_MS``) to where the evidence changes sides: the running sum of
mouth × (voice at the local offset − voice at the global offset) falls until the stretch
begins and rises inside it (a change point on the cumulative sum). On the benchmark this
brought the largest edge error from 0.7 s to 0.5 s.

The windows are correlated on the sharper ``phones`` prediction when the caller supplies it
(see ``mundwerk.inspecting``): the band energy's local peaks repeat with the syllable rate
(a window often prefers ±380 ms), which hid most perturbed stretches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from mundwerk.inspect.sync import STEP_MS, Correlation, FloatArray, Signals, correlate, prepared

WINDOW_MS = 1600
HOP_MS = 200
#: A local offset this far from the global one is a disagreement.
TOLERANCE_MS = 120
#: ... when the local peak reaches this correlation ...
MIN_LOCAL_PEAK = 0.3
#: ... and beats the correlation at the global offset by at least this much.
MIN_GAIN = 0.1
#: A window whose best correlation stays below this does not match at all.
NO_MATCH_CORRELATION = 0.15
#: Fewer disagreeing windows in a row than this are not reported (0.8 s of window middles).
MIN_RUN = 4
#: How far an edge may move when it is sharpened.
EDGE_REACH_MS = 400
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
    return [_sharpened(signals, segment, global_offset_ms) for segment in _merged(locals_)]


def _local_windows(signals: Signals, global_offset_ms: float, max_offset_ms: int) -> Iterator[_Local | None]:
    """Each window judged, or None where it cannot be (which ends a run)."""
    size, hop = WINDOW_MS // STEP_MS, HOP_MS // STEP_MS
    for first in range(0, max(len(signals.mouth) - size, 0) + 1, hop):
        window = signals.cut(first, first + size)
        if not _judgeable(window):
            yield None
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
    gain = peak - correlation.at(global_offset_ms)
    far = abs(offset - global_offset_ms) > TOLERANCE_MS and peak >= MIN_LOCAL_PEAK and gain >= MIN_GAIN
    return _Local(start_ms, offset, peak, far, peak >= NO_MATCH_CORRELATION)


def _merged(windows: list[_Local | None]) -> Iterator[Segment]:
    run: list[_Local] = []
    for window in [*windows, None]:
        if window is not None and (window.disagrees or not window.matches):
            run.append(window)
            continue
        if len(run) >= MIN_RUN:
            yield _segment(run)
        run = []


def _segment(run: list[_Local]) -> Segment:
    """One stretch from a run of windows: first window's middle to the last's, widened by half a hop."""
    start = run[0].start_ms + (WINDOW_MS - HOP_MS) / 2
    end = run[-1].start_ms + (WINDOW_MS + HOP_MS) / 2
    offsets = [w.offset_ms for w in run if w.disagrees]
    offset = float(np.median(offsets)) if offsets else None
    correlation = float(np.median([w.correlation for w in run]))
    return Segment(round(max(start, 0.0)), round(end), offset, correlation)


def _sharpened(signals: Signals, segment: Segment, global_offset_ms: float) -> Segment:
    """``segment`` with each edge moved to where the evidence for its local offset begins or ends."""
    if segment.offset_ms is None:
        return segment
    mouth, voice = prepared(signals.mouth), prepared(signals.voice)
    local_lag, global_lag = round(segment.offset_ms / STEP_MS), round(global_offset_ms / STEP_MS)
    evidence = np.nan_to_num(mouth * (_ahead(voice, local_lag) - _ahead(voice, global_lag)))
    running = np.concatenate([[0.0], np.cumsum(evidence)])  # running[i]: the sum of evidence[:i]
    reach = EDGE_REACH_MS // STEP_MS
    start = round((segment.start_ms - signals.start_ms) / STEP_MS)
    end = round((segment.end_ms - signals.start_ms) / STEP_MS)
    low = max(start - reach, 0)
    start = low + int(np.argmin(running[low : min(start + reach, end) + 1]))
    low = max(end - reach, start)
    end = low + int(np.argmax(running[low : min(end + reach, len(evidence)) + 1]))
    return Segment(
        round(signals.start_ms + start * STEP_MS),
        round(signals.start_ms + end * STEP_MS),
        segment.offset_ms,
        segment.correlation,
    )


def _ahead(values: FloatArray, lag: int) -> FloatArray:
    """``values[t + lag]`` at each ``t`` (NaN beyond the ends)."""
    moved = np.full_like(values, np.nan)
    if lag >= 0:
        moved[: len(values) - lag] = values[lag:]
    else:
        moved[-lag:] = values[: len(values) + lag]
    return moved

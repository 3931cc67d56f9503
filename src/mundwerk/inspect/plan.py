"""Which parts of a video to analyse: all of a short one, evenly spread windows of a long one.

Landmarks cost tens of milliseconds per frame, so a 2-hour video cannot be read whole. A
video up to ``max_analysed_ms`` is analysed completely; a longer one in ``window_count``
windows spread evenly from start to end (the first at the start, the last at the end), so
time and memory stay bounded by ``max_analysed_ms`` whatever the length.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ANALYSED_MS = 60_000
WINDOW_COUNT = 6


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the video to analyse, in ms."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def sampling_plan(
    duration_ms: int, max_analysed_ms: int = MAX_ANALYSED_MS, window_count: int = WINDOW_COUNT
) -> tuple[Window, ...]:
    """The windows to analyse in a video of ``duration_ms``; their total is at most ``max_analysed_ms``."""
    if duration_ms <= 0:
        return ()
    if duration_ms <= max_analysed_ms:
        return (Window(0, duration_ms),)
    length = max_analysed_ms // window_count
    gap = (duration_ms - length) / (window_count - 1)
    return tuple(Window(round(i * gap), round(i * gap) + length) for i in range(window_count))


def probe_times_ms(duration_ms: int, count: int = 8) -> tuple[int, ...]:
    """``count`` moments spread over the video, where a quick look for a face is made first."""
    if duration_ms <= 0:
        return ()
    return tuple(round(duration_ms * (i + 0.5) / count) for i in range(count))

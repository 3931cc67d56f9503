"""Counters the server keeps for ``GET /metrics``: one registry object per app (``app.state.metrics``).

Updated from the event loop and from worker threads, so every change holds the lock;
``snapshot()`` gives a consistent copy for rendering (server/exposition.py writes Prometheus text).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

#: Upper bounds (ms) of the frame latency histogram's buckets; +Inf is implied.
LATENCY_BUCKETS_MS: tuple[float, ...] = (5, 10, 20, 40, 60, 100, 200, 500, 1000, 5000)


@dataclass(frozen=True, slots=True)
class HistogramSnapshot:
    """Non-cumulative counts per bucket (the last one is +Inf), their sum and count."""

    bounds_ms: tuple[float, ...]
    counts: tuple[int, ...]
    sum_ms: float
    count: int


@dataclass
class Histogram:
    bounds_ms: tuple[float, ...] = LATENCY_BUCKETS_MS
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_MS) + 1))
    sum_ms: float = 0.0
    count: int = 0

    def observe(self, value_ms: float) -> None:
        self.counts[bisect.bisect_left(self.bounds_ms, value_ms)] += 1
        self.sum_ms += value_ms
        self.count += 1

    def snapshot(self) -> HistogramSnapshot:
        return HistogramSnapshot(self.bounds_ms, tuple(self.counts), self.sum_ms, self.count)


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """The live-stream figures at one moment (counters count since the server started)."""

    active_sessions: int
    sessions_started: int
    sessions_refused: dict[str, int]
    frames_sent: int
    frames_dropped: int
    frame_latency: HistogramSnapshot


class Metrics:
    """The registry: live-stream gauges, counters and the frame latency histogram.

    Frame latency is the time from receiving the audio message that made a frame due to
    handing the frame to the connection (the server's own share of the delay).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._started = 0
        self._refused: dict[str, int] = {}
        self._sent = 0
        self._dropped = 0
        self._latency = Histogram()

    @property
    def active_sessions(self) -> int:
        with self._lock:
            return self._active

    def try_open_session(self, limit: int) -> bool:
        """Count a new live session unless ``limit`` are already active (then count the refusal)."""
        with self._lock:
            if self._active >= limit:
                self._refused["capacity"] = self._refused.get("capacity", 0) + 1
                return False
            self._active += 1
            self._started += 1
            return True

    def close_session(self) -> None:
        with self._lock:
            self._active -= 1

    def refused(self, reason: str) -> None:
        """Count a stream refused or closed for ``reason`` (``auth``, ``protocol``, ``idle`` ...)."""
        with self._lock:
            self._refused[reason] = self._refused.get(reason, 0) + 1

    def frame_sent(self, latency_ms: float) -> None:
        with self._lock:
            self._sent += 1
            self._latency.observe(latency_ms)

    def frames_dropped(self, count: int = 1) -> None:
        with self._lock:
            self._dropped += count

    def snapshot(self) -> MetricsSnapshot:
        with self._lock:
            return MetricsSnapshot(
                self._active,
                self._started,
                dict(self._refused),
                self._sent,
                self._dropped,
                self._latency.snapshot(),
            )

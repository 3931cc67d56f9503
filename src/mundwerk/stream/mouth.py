"""Phones known so far → mouth frames, by the offline mouth pipeline over a bounded window.

The pipeline (``mouth.animate``; ``mouth.frame_values`` for the curves and visemes) runs
over the phones from at least ``HISTORY_MS`` before the first frame wanted to ``TAIL_MS``
after the last, shifted so the window starts at 0 on the frame grid. Far from the window's
edges it gives the offline result, and the edges are too far away to reach the frames
taken from it, so the cost of a call is bounded whatever the length of the stream.

A run also makes ``AHEAD_MS`` of frames beyond those wanted; while the phones that can still
reach the next frames stay the same (from ``REACH_BACK_MS`` before them on; the last phone
only growing), the next calls take their frames from it instead of running the pipeline
again. Curves and visemes are computed only from the first frame wanted on; the shapes'
rules need the whole window, but a run costs little more for a longer one (its steps are
many and small), so the window is generous and moves in long steps (``ORIGIN_STEP_MS``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MOUTH_PARAMETERS, MouthCurves
from mundwerk.core.phones import Alignment, Phone
from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.animate import MouthOptions, animate_track
from mundwerk.mouth.frame_values import frame_values
from mundwerk.mouth.track import Track
from mundwerk.stream.frames import StreamFrame

#: Phones before the first frame wanted that the pipeline sees, at least (its widest reach
#: back is the pause and minimum-duration rules, well under this).
HISTORY_MS = 500
#: Phones after the last frame made that the pipeline sees; where none are known yet the
#: last known phone is held (the mouth stays where it was).
TAIL_MS = 250
#: Frames made beyond those wanted, kept for the next calls.
AHEAD_MS = 400
#: How far back from a frame a change of the phones can still change it: the mouth rules'
#: reach (pauses shorter than 120 ms, tweens up to 80 ms, minimum durations) and the
#: blending's (exponential, widths near 10 ms). Earlier changes do not make a new run.
REACH_BACK_MS = 150
#: The window's start moves in steps of at least this much (each step means a new run).
ORIGIN_STEP_MS = 1000

#: A phone as the cache compares it: symbol, start, end (None for the last, still growing).
PhoneKey = tuple[tuple[str, int, int | None], ...]


def frame_time_ms(index: int, fps: int) -> float:
    return index * 1000 / fps


def origin_step_ms(fps: int) -> int:
    """Window starts lie on multiples of this: whole ms on the frame grid, at least ORIGIN_STEP_MS."""
    grid_ms = 1000 // math.gcd(fps, 1000)  # 30 fps: 3 frames = 100 ms
    return grid_ms * math.ceil(ORIGIN_STEP_MS / grid_ms)


@dataclass(frozen=True, slots=True)
class _Run:
    """One pipeline run: its frames ``[first, stop)`` (by absolute index) as rows from ``first``
    on, and the phones it saw.

    Frames are built from the rows only when asked for: most of a run's frames are made
    ahead and never taken (a later run replaces it)."""

    phones: tuple[Phone, ...]
    origin_ms: int
    first: int
    stop: int
    final: bool
    cues: Track
    visemes: npt.NDArray[np.float32]
    arkit: npt.NDArray[np.float32]
    parameters: npt.NDArray[np.float32]

    def frames(self, first: int, stop: int, fps: int) -> list[StreamFrame]:
        return [
            StreamFrame(
                index,
                frame_time_ms(index, fps),
                _shape_at(self.cues, frame_time_ms(index, fps) - self.origin_ms),
                tuple(self.visemes[index - self.first].tolist()),
                tuple(self.arkit[index - self.first].tolist()),
                tuple(self.parameters[index - self.first].tolist()),
            )
            for index in range(first, stop)
        ]


class MouthTrack:
    """Frames of one stream from its phones, reusing the last pipeline run while it still holds."""

    def __init__(self, fps: int, options: MouthOptions) -> None:
        self.fps = fps
        self.options = options
        self._last: _Run | None = None
        self.runs = 0

    def frames(
        self, phones: Sequence[Phone], first: int, stop: int, final_ms: int | None
    ) -> list[StreamFrame]:
        """Frames ``[first, stop)`` for the gap-free ``phones`` known so far; ``final_ms`` once the
        stream has ended (the audio's duration: the last frames see its end, as offline)."""
        if stop <= first:
            return []
        step = origin_step_ms(self.fps)
        origin_ms = max(0, math.floor((frame_time_ms(first, self.fps) - HISTORY_MS) / step)) * step
        last = self._last
        if (
            last is None
            or last.origin_ms != origin_ms
            or first < last.first
            or stop > last.stop
            or last.final
        ):
            last = self._run(phones, origin_ms, first, stop, final_ms)
        else:
            reach_ms = max(origin_ms, math.floor(frame_time_ms(first, self.fps)) - REACH_BACK_MS)
            if _key(last.phones, reach_ms) != _key(phones, reach_ms):
                last = self._run(phones, origin_ms, first, stop, final_ms)
        return last.frames(first, stop, self.fps)

    def _run(
        self, phones: Sequence[Phone], origin_ms: int, first: int, stop: int, final_ms: int | None
    ) -> _Run:
        """The pipeline over the window from ``origin_ms``: shapes over all of it (their rules
        need the history), parameters and visemes only from frame ``first`` on."""
        self.runs += 1
        if final_ms is None:
            stop = stop + math.ceil(AHEAD_MS * self.fps / 1000)
            end_ms = math.ceil(frame_time_ms(stop - 1, self.fps)) + TAIL_MS
        else:
            end_ms = final_ms
        local = _local_phones(phones, origin_ms, end_ms)
        duration_ms = end_ms - origin_ms
        cues = animate_track(Alignment(phones=local, duration_ms=duration_ms), duration_ms, self.options)
        origin = origin_ms * self.fps // 1000
        values = frame_values(local, duration_ms, self.fps, first - origin)
        stop = min(stop, origin + values.stop_frame)
        count = stop - origin - values.first_frame
        parameters = values.parameters[:count]
        self._last = _Run(
            tuple(phones),
            origin_ms,
            origin + values.first_frame,
            stop,
            final_ms is not None,
            cues,
            values.visemes[:count],
            MouthCurves(self.fps, MOUTH_PARAMETERS, parameters).to_arkit().values,
            parameters,
        )
        return self._last


def _key(phones: Sequence[Phone], from_ms: int) -> PhoneKey:
    """The phones from ``from_ms`` on, the last one without its (growing) end."""
    key = [(p.symbol, max(p.start_ms, from_ms), p.end_ms) for p in phones if p.end_ms > from_ms]
    if not key:
        return ()
    symbol, start, _ = key[-1]
    return (*key[:-1], (symbol, start, None))


def _local_phones(phones: Sequence[Phone], origin_ms: int, end_ms: int) -> tuple[Phone, ...]:
    """``phones`` cut to ``[origin_ms, end_ms)``, shifted to start at 0, the last held to the end."""
    local = [
        Phone(p.symbol, max(p.start_ms, origin_ms) - origin_ms, min(p.end_ms, end_ms) - origin_ms, p.stress)
        for p in phones
        if p.end_ms > origin_ms and p.start_ms < end_ms
    ]
    if not local:
        return (Phone("SIL", 0, end_ms - origin_ms),)
    last = local[-1]
    local[-1] = Phone(last.symbol, last.start_ms, end_ms - origin_ms, last.stress)
    return tuple(local)


def _shape_at(cues: Track, time_ms: float) -> MouthShape:
    return cues.shapes[max(0, bisect_right(cues.starts, time_ms) - 1)]

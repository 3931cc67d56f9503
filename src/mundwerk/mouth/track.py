"""``Track``: the gap-free shape timeline the animation steps pass along.

A track is a step function: shape ``i`` holds from ``starts[i]`` until the next start (the
last one until ``end_ms``). Tuples of ints keep the steps fast over thousands of phones;
``to_timeline`` turns the result into the public ``Timeline[MouthShape]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline

#: One cue inside a step: (start_ms, end_ms, shape).
Cue = tuple[int, int, MouthShape]


@dataclass(frozen=True, slots=True)
class Track:
    """Shapes covering ``[0, end_ms)`` without gaps; no two neighbours share a shape."""

    starts: tuple[int, ...]
    shapes: tuple[MouthShape, ...]
    end_ms: int

    @classmethod
    def build(cls, starts: Sequence[int], shapes: Sequence[MouthShape], end_ms: int) -> Track:
        """A normalised track from keys in any state.

        A key that starts before an earlier one overrides it (later keys win), keys are clamped
        to ``[0, end_ms]``, empty spans are dropped and equal neighbours joined.
        """
        if not shapes:
            raise ValueError("a track needs at least one shape")
        clamped = _clamp_starts(starts, end_ms)
        kept_starts: list[int] = []
        kept_shapes: list[MouthShape] = []
        last: MouthShape | None = None
        for start, end, shape in zip(clamped, [*clamped[1:], end_ms], shapes, strict=True):
            if end > start and shape is not last:
                kept_starts.append(start)
                kept_shapes.append(shape)
                last = shape
        if not kept_shapes:
            return cls((0,), (shapes[-1],), end_ms)
        kept_starts[0] = 0
        return cls(tuple(kept_starts), tuple(kept_shapes), end_ms)

    @classmethod
    def from_cues(cls, cues: Sequence[Cue], end_ms: int) -> Track:
        return cls.build([cue[0] for cue in cues], [cue[2] for cue in cues], end_ms)

    def cues(self) -> Iterator[Cue]:
        ends = (*self.starts[1:], self.end_ms)
        return zip(self.starts, ends, self.shapes, strict=True)

    def to_timeline(self) -> Timeline[MouthShape]:
        return Timeline(Timed(start, end, shape) for start, end, shape in self.cues())


def _clamp_starts(starts: Sequence[int], end_ms: int) -> list[int]:
    """Starts within ``[0, end_ms]``, each no later than the next (the later key wins)."""
    clamped = list(starts)
    bound = end_ms
    for index in range(len(clamped) - 1, -1, -1):
        start = clamped[index]
        if start > bound:
            start = bound
        if start < 0:
            start = 0
        clamped[index] = bound = start
    clamped[0] = 0
    return clamped


def overlay(track: Track, patches: Sequence[Cue]) -> Track:
    """``track`` with each patch's shape set over its span (patches sorted, not overlapping)."""
    starts, shapes, count = track.starts, track.shapes, len(track.starts)
    out_starts: list[int] = []
    out_shapes: list[MouthShape] = []
    index = 0
    for patch_start, patch_end, patch_shape in patches:
        while index < count and starts[index] < patch_start:
            out_starts.append(starts[index])
            out_shapes.append(shapes[index])
            index += 1
        beneath = shapes[index - 1] if index else shapes[0]
        out_starts.append(patch_start)
        out_shapes.append(patch_shape)
        while index < count and starts[index] < patch_end:
            beneath = shapes[index]
            index += 1
        if not (index < count and starts[index] == patch_end):
            out_starts.append(patch_end)
            out_shapes.append(beneath)
    out_starts.extend(starts[index:])
    out_shapes.extend(shapes[index:])
    return Track.build(out_starts, out_shapes, track.end_ms)

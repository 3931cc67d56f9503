"""What ``inspect`` found: the offset, how sure it is, and where mouth and voice disagree."""

from __future__ import annotations

from dataclasses import dataclass

from mundwerk.inspect.segments import Segment

#: |offset| up to this counts as in sync (about two frames at 25 fps; broadcast guidelines
#: such as EBU R37 allow a little less, lip-sync studies notice a little more).
IN_SYNC_MS = 80
#: Below this confidence the offset is a guess and the video does not count as in sync
#: (on the benchmark, dubs of other words reached 3.1 with the band predictor, 3.5 with phones;
#: matching renders 3.9 (a 5-s clip) to 5.6 with band). The margin is thin; see docs/inspect.md.
MIN_CONFIDENCE = 3.5


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The audio-video offset of one video.

    ``offset_ms`` > 0: the sound comes later than the mouth movement (audio delayed);
    < 0: earlier. ``confidence`` is the peak correlation in units of its chance spread
    (peak × sqrt(effective independent samples)): unrelated mouth and voice gave 2–3.5,
    matching renders 4.6–8. ``prominence`` is the peak's height above the median
    correlation over all offsets searched (SyncNet's notion of confidence; 0 to 2).
    """

    path: str
    offset_ms: float
    confidence: float
    prominence: float
    correlation: float
    segments: tuple[Segment, ...]
    duration_ms: int
    analysed_ms: int
    face_share: float
    predictor: str
    max_offset_ms: int

    @property
    def in_sync(self) -> bool:
        return abs(self.offset_ms) <= IN_SYNC_MS and self.confidence >= MIN_CONFIDENCE

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "offset_ms": round(self.offset_ms, 1),
            "confidence": round(self.confidence, 2),
            "prominence": round(self.prominence, 3),
            "in_sync": self.in_sync,
            "correlation": round(self.correlation, 3),
            "segments": [segment.to_dict() for segment in self.segments],
            "duration_ms": self.duration_ms,
            "analysed_ms": self.analysed_ms,
            "face_share": round(self.face_share, 3),
            "predictor": self.predictor,
            "max_offset_ms": self.max_offset_ms,
            "in_sync_ms": IN_SYNC_MS,
        }

    def summary(self) -> str:
        """One line for people."""
        verdict = "in sync" if self.in_sync else "OUT OF SYNC"
        direction = "audio late" if self.offset_ms > 0 else "audio early" if self.offset_ms < 0 else ""
        lines = [
            f"{self.path}: {verdict}: offset {self.offset_ms:+.0f} ms"
            + (f" ({direction})" if direction else "")
            + f", confidence {self.confidence:.1f}"
        ]
        for segment in self.segments:
            offset = "no match" if segment.offset_ms is None else f"offset {segment.offset_ms:+.0f} ms"
            lines.append(f"  {segment.start_ms / 1000:.1f}–{segment.end_ms / 1000:.1f} s: {offset}")
        return "\n".join(lines)

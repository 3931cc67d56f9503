"""Rhubarb mouth shapes to continuous mouth curves, for cues made elsewhere (an animator's
hand-corrected TSV, a Moho switch file).

Each shape is drawn with the articulatory targets of one representative phone, so cues
blend into each other exactly as phones do (dominance cross-fades over a few tens of ms),
and A closes the lips at any frame rate, as a P, B or M would.
"""

from __future__ import annotations

from mundwerk.core.curves import MouthCurves
from mundwerk.core.phones import Phone
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timeline
from mundwerk.mouth.curves.build import curves_from_phones

#: Rhubarb shape → the phone whose targets draw it.
SHAPE_PHONES: dict[MouthShape, str] = {
    MouthShape.A: "M",
    MouthShape.B: "T",
    MouthShape.C: "EH",
    MouthShape.D: "AA",
    MouthShape.E: "AO",
    MouthShape.F: "UW",
    MouthShape.G: "F",
    MouthShape.H: "L",
    MouthShape.X: "SIL",
}


def curves_from_shapes(cues: Timeline[MouthShape], duration_ms: int, fps: float) -> MouthCurves:
    """Mouth parameters at every frame of ``[0, duration_ms)``; gaps and the time after the
    last cue are the rest shape. Cue times are taken as they are: no extra anticipation."""
    phones = [Phone(SHAPE_PHONES[cue.value], cue.start_ms, cue.end_ms) for cue in cues if cue.duration_ms > 0]
    return curves_from_phones(phones, duration_ms, fps, lead_ms=0)

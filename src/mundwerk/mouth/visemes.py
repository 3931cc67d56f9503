"""Phones to the 15 Oculus visemes: per-frame cross-fade weights and a viseme timeline.

The weights blend the phones' visemes with the dominance model of the curves (all phones
equally dominant), ``LEAD_MS`` ahead of the sound; bilabials show PP at full weight.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.core.curves import OCULUS_VISEMES, OculusViseme, VisemeWeights
from mundwerk.core.phones import Phone
from mundwerk.core.timeline import Timed, Timeline
from mundwerk.mouth.curves.blend import blend, pull
from mundwerk.mouth.curves.build import check_fps, frame_times_ms
from mundwerk.mouth.curves.closure import closure_strength
from mundwerk.mouth.curves.segments import Segments, segments_from_phones
from mundwerk.mouth.curves.targets import LEAD_MS, SYMBOLS

V = OculusViseme

#: Each phone's viseme (Meta's Oculus Lipsync table; HH borrows the next phone's).
VISEME_OF: dict[str, OculusViseme] = {
    "SIL": V.SIL,
    **dict.fromkeys(("P", "B", "M"), V.PP),
    **dict.fromkeys(("F", "V"), V.FF),
    **dict.fromkeys(("TH", "DH"), V.TH),
    **dict.fromkeys(("T", "D"), V.DD),
    **dict.fromkeys(("K", "G", "NG", "HH"), V.KK),
    **dict.fromkeys(("CH", "JH", "SH", "ZH"), V.CH),
    **dict.fromkeys(("S", "Z"), V.SS),
    **dict.fromkeys(("N", "L"), V.NN),
    **dict.fromkeys(("R", "ER"), V.RR),
    **dict.fromkeys(("AA", "AE", "AH", "AW", "AY"), V.AA),
    **dict.fromkeys(("EH", "EY"), V.E),
    **dict.fromkeys(("IH", "IY", "Y"), V.IH),
    **dict.fromkeys(("AO", "OW", "OY"), V.OH),
    **dict.fromkeys(("UH", "UW", "W"), V.OU),
}

#: Time constants (ms) of a viseme's fade-in before its phone and fade-out after it: equal,
#: so cross-fades are logistic, 10–90 % over the 40 ms before the sound.
LEAD_WIDTH_MS = 9.0
LAG_WIDTH_MS = 9.0

#: Each target-table row's viseme as weights [rows × visemes], and PP's weights (a closure).
VISEME_ROWS = np.eye(len(OCULUS_VISEMES))[[VISEME_OF[symbol].index for symbol in SYMBOLS]]
PP_WEIGHTS = np.eye(len(OCULUS_VISEMES))[V.PP.index]


def visemes_from_phones(phones: Sequence[Phone], duration_ms: int, fps: float) -> VisemeWeights:
    """Viseme weights (rows sum to 1) at every frame of ``[0, duration_ms)``."""
    check_fps(fps)
    times_ms = frame_times_ms(duration_ms, fps)
    segments = segments_from_phones(phones, duration_ms + LEAD_MS)
    widths = np.full(len(OCULUS_VISEMES), LEAD_WIDTH_MS), np.full(len(OCULUS_VISEMES), LAG_WIDTH_MS)
    weights = blend(segments, times_ms + LEAD_MS, VISEME_ROWS, np.ones_like(VISEME_ROWS), *widths)
    closing = closure_strength(segments, times_ms, LEAD_MS, fps, (LEAD_WIDTH_MS, LAG_WIDTH_MS))
    return VisemeWeights(fps, pull(weights, closing, PP_WEIGHTS).astype(np.float32))


def viseme_track(phones: Sequence[Phone], duration_ms: int) -> Timeline[OculusViseme]:
    """Visemes over ``[0, duration_ms)`` without gaps, each ``LEAD_MS`` ahead of its phone."""
    return _track(segments_from_phones(phones, duration_ms + LEAD_MS), duration_ms)


def _track(segments: Segments, duration_ms: int) -> Timeline[OculusViseme]:
    start = np.clip(segments.start_ms - LEAD_MS, 0, max(duration_ms, 0))
    end = np.clip(segments.end_ms - LEAD_MS, 0, max(duration_ms, 0))
    items = [
        Timed(int(begin), int(stop), VISEME_OF[symbol])
        for begin, stop, symbol in zip(start, end, segments.symbols(), strict=True)
        if stop > begin
    ]
    return Timeline(items).merged()


def visemes_for_analysis(analysis: Analysis, fps: float) -> VisemeWeights:
    """The analysis' viseme weights at ``fps``: its own (resampled if need be), else from its phones."""
    if analysis.visemes is None:
        return visemes_from_phones(analysis.alignment.phones, analysis.duration_ms, fps)
    if analysis.visemes.fps == fps:
        return analysis.visemes
    check_fps(fps)
    return analysis.visemes.resampled(fps, analysis.duration_ms)

"""The result of analysing speech: words, phones, mouth cues and the options used."""

from __future__ import annotations

from dataclasses import dataclass

from mundwerk.core.curves import MouthCurves, VisemeWeights
from mundwerk.core.phones import Alignment
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timeline


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Options of one analysis, as actually used."""

    #: A recognizer name, or None for the language's default (pocketsphinx for English).
    recognizer: str | None = None
    extended_shapes: frozenset[MouthShape] = frozenset({MouthShape.G, MouthShape.H, MouthShape.X})
    language: str = "en"
    has_transcript: bool = False


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything one analysis produced.

    ``cues`` cover ``[0, duration_ms)`` without gaps. ``curves`` and ``visemes``, when
    present, are per-frame values the exporters use instead of deriving them from the phones.
    """

    source_name: str
    duration_ms: int
    alignment: Alignment
    cues: Timeline[MouthShape]
    options: AnalysisOptions
    curves: MouthCurves | None = None
    visemes: VisemeWeights | None = None

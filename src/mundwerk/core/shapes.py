"""Mouth shape sets: Rhubarb Lip Sync's nine shapes.

The letters and their meaning are Rhubarb's, so an animator's existing mouth drawings
work unchanged. A–F are the basic shapes; G, H and X are the optional extended ones.
"""

from __future__ import annotations

from enum import Enum


class MouthShape(Enum):
    """Rhubarb's mouth shapes, each with the pose it draws and example sounds."""

    A = "A"
    """Closed mouth: lips pressed together, for P, B, M."""
    B = "B"
    """Slightly open, teeth clenched: most consonants (K, S, T, EE as in 'bee')."""
    C = "C"
    """Open mouth: vowels like EH ('men') and AE ('bat'); transitions to and from D."""
    D = "D"
    """Wide open: vowels like AA ('father')."""
    E = "E"
    """Slightly rounded: AO ('off'), ER ('bird'); transitions to and from F."""
    F = "F"
    """Puckered lips: UW ('you'), OW ('show'), W."""
    G = "G"
    """Upper teeth touching the lower lip: F, V (extended)."""
    H = "H"
    """Tongue raised behind the upper teeth: long L (extended)."""
    X = "X"
    """Idle, relaxed mouth at rest: pauses (extended)."""


BASIC_SHAPES = frozenset({MouthShape.A, MouthShape.B, MouthShape.C, MouthShape.D, MouthShape.E, MouthShape.F})
EXTENDED_SHAPES = frozenset({MouthShape.G, MouthShape.H, MouthShape.X})

#: How far each shape opens the mouth, 0 closed to 1 wide open (used for fallbacks and scoring).
OPENNESS = {
    MouthShape.A: 0.0,
    MouthShape.B: 0.25,
    MouthShape.C: 0.6,
    MouthShape.D: 1.0,
    MouthShape.E: 0.45,
    MouthShape.F: 0.3,
    MouthShape.G: 0.15,
    MouthShape.H: 0.4,
    MouthShape.X: 0.05,
}


def parse_extended_shapes(letters: str) -> frozenset[MouthShape]:
    """The extended shapes named by a string such as ``"GHX"`` (Rhubarb's option)."""
    from mundwerk.core.errors import UsageError

    by_letter = {shape.value: shape for shape in EXTENDED_SHAPES}
    chosen = set()
    for letter in letters.upper():
        if letter not in by_letter:
            raise UsageError(f"invalid extended shape {letter!r} in {letters!r}; choose from G, H, X")
        chosen.add(by_letter[letter])
    return frozenset(chosen)

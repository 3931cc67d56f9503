"""The phonetic knowledge of mouth animation, as data: which shape each phone shows,
which shape stands in for an extended one that is not allowed, how pauses relax, which
shapes are worth keeping when time is short, and which in-betweens smooth a transition.

Shapes are Rhubarb's (core/shapes.py): A closed (P B M), B slightly open with clenched
teeth, C open, D wide open, E slightly rounded, F puckered, G F/V, H L, X idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mundwerk.core.phones import Phone
from mundwerk.core.shapes import MouthShape

A, B, C, D, E, F, G, H, X = (MouthShape(letter) for letter in "ABCDEFGHX")


@dataclass(frozen=True, slots=True)
class PhoneRule:
    """The shapes one phone shows.

    ``first`` holds from the phone's start; a diphthong changes to ``second`` after
    ``split`` of its duration. A phone lasting at least ``long_ms`` opens to ``long_first``.
    """

    first: MouthShape
    second: MouthShape | None = None
    split: float = 0.6
    long_first: MouthShape | None = None
    long_ms: int = 0


_ = PhoneRule

#: Phone symbol (ARPAbet + SIL) to the shapes it shows.
PHONE_RULES: dict[str, PhoneRule] = {
    "SIL": _(X),
    # open vowels: C, or D when wide or long
    "AA": _(D),
    "AE": _(C),
    "AH": _(C, long_first=D, long_ms=200),
    "EH": _(C),
    "AY": _(C, C, 0.6, long_first=D, long_ms=120),
    "AW": _(C, E, 0.7, long_first=D, long_ms=150),
    # rounded vowels: E slightly rounded, F puckered
    "AO": _(E),
    "OW": _(E, F, 0.6),
    "OY": _(E, B, 0.7),
    "UH": _(E),
    "UW": _(F),
    # spread and central vowels
    "IY": _(B),
    "IH": _(B),
    "EY": _(C, B, 0.6),
    "ER": _(B, long_first=E, long_ms=150),
    # consonants: lips closed, lip on teeth, tongue up, rounded; all others teeth together
    "P": _(A),
    "B": _(A),
    "M": _(A),
    "F": _(G),
    "V": _(G),
    "L": _(H),
    "W": _(F),
    **{symbol: _(B) for symbol in ("CH", "D", "DH", "G", "HH", "JH", "K", "N", "NG", "R")},
    **{symbol: _(B) for symbol in ("S", "SH", "T", "TH", "Y", "Z", "ZH")},
}

#: Phones that close the lips: each gets a visible closure (shape A).
BILABIALS = frozenset({"P", "B", "M"})

#: The closest allowed shape for an extended shape that is not allowed. Rhubarb draws G as A;
#: B (teeth together, lips apart) is closer to a lip on the teeth and never fakes a closure.
FALLBACKS: dict[MouthShape, MouthShape] = {G: B, H: C, X: A}

#: How a mouth relaxes in a short pause between words.
RELAXED: dict[MouthShape, MouthShape] = {A: A, B: B, C: B, D: C, E: B, F: B, G: B, H: B, X: X}

#: How much a shape matters to a viewer; a too-short shape keeps its time from a less
#: salient neighbour (a closure is never dropped).
SALIENCE: dict[MouthShape, int] = {A: 9, G: 8, F: 7, E: 6, D: 5, H: 4, C: 3, B: 2, X: 1}


class TweenTiming(Enum):
    """Where an in-between goes: end of the first shape, across the cut, or start of the second."""

    EARLY = "early"
    CENTERED = "centered"
    LATE = "late"


#: In-betweens for transitions too abrupt to draw directly (the mouth pops open, closes slowly).
TWEENS: dict[tuple[MouthShape, MouthShape], tuple[MouthShape, TweenTiming]] = {
    (D, A): (C, TweenTiming.EARLY),
    (D, B): (C, TweenTiming.CENTERED),
    (D, G): (C, TweenTiming.EARLY),
    (C, F): (E, TweenTiming.CENTERED),
    (F, C): (E, TweenTiming.CENTERED),
    (D, F): (E, TweenTiming.CENTERED),
    (H, F): (E, TweenTiming.LATE),
    (F, H): (E, TweenTiming.EARLY),
}

#: A closure shows at least this long: one frame at 24 fps.
MIN_CLOSURE_MS = 42
#: The mouth moves toward a sound at most this early, and never after it starts.
MAX_ANTICIPATION_MS = 40
#: The usual lead of the mouth over the sound (the benchmark allows 20 ms either way).
DEFAULT_ANTICIPATION_MS = 20
#: Pauses shorter than this hold the shape before them.
HOLD_PAUSE_MS = 60
#: Pauses shorter than this (and not held) relax the mouth; longer ones show X.
RELAX_PAUSE_MS = 120
#: Bounds of an in-between's duration.
MIN_TWEEN_MS = 40
MAX_TWEEN_MS = 80


def phone_keys(phone: Phone) -> tuple[tuple[int, MouthShape], ...]:
    """(start_ms, shape) of each shape ``phone`` shows, in order."""
    rule = PHONE_RULES[phone.symbol]
    first = rule.long_first if rule.long_first and phone.duration_ms >= rule.long_ms else rule.first
    if rule.second is None:
        return ((phone.start_ms, first),)
    split_ms = phone.start_ms + round(phone.duration_ms * rule.split)
    return ((phone.start_ms, first), (split_ms, rule.second))

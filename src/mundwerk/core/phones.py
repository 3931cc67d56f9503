"""Phones and words: the one phone set every engine maps onto.

Symbols are ARPAbet as in the CMU pronouncing dictionary (39 phones, diphthongs as single
phones) plus ``SIL`` for silence. Stress is a separate attribute, never part of the symbol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SILENCE = "SIL"

VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
CONSONANTS = frozenset(
    {
        "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R",
        "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH",
    }
)  # fmt: skip
PHONE_SYMBOLS = VOWELS | CONSONANTS | {SILENCE}


class Stress(Enum):
    """Lexical stress of a vowel, as the CMU dictionary's digits 0, 1, 2."""

    NONE = 0
    PRIMARY = 1
    SECONDARY = 2


@dataclass(frozen=True, slots=True)
class Phone:
    """One phone sounding over ``[start_ms, end_ms)``."""

    symbol: str
    start_ms: int
    end_ms: int
    stress: Stress | None = None

    def __post_init__(self) -> None:
        if self.symbol not in PHONE_SYMBOLS:
            raise ValueError(f"unknown phone symbol {self.symbol!r}")
        if self.end_ms < self.start_ms:
            raise ValueError(f"phone {self.symbol} ends before it starts")

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    @property
    def is_silence(self) -> bool:
        return self.symbol == SILENCE


@dataclass(frozen=True, slots=True)
class Word:
    """A word with its phones, over ``[start_ms, end_ms)``."""

    text: str
    start_ms: int
    end_ms: int
    phones: tuple[Phone, ...] = ()


@dataclass(frozen=True, slots=True)
class Alignment:
    """What a recognizer found: words (possibly none) and a gap-free phone sequence."""

    words: tuple[Word, ...] = ()
    phones: tuple[Phone, ...] = ()
    duration_ms: int = 0
    warnings: tuple[str, ...] = field(default=())

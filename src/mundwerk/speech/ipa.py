"""IPA as espeak-ng and piper write it → ARPAbet phones with stress.

The table is data (``data/ipa/arpabet.tsv``). Parsing is greedy longest match over the
string's *core* characters; stress marks go to the next vowel, length marks, tie bars and
combining diacritics belong to the character before them. Every character of the input
lands in exactly one :class:`Segment`, so callers can carry per-character durations over.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from mundwerk.core.phones import PHONE_SYMBOLS, VOWELS, Stress

STRESS_MARKS = {"ˈ": Stress.PRIMARY, "ˌ": Stress.SECONDARY}
#: Marks that modify the character before them (length, ties, modifier letters).
_MODIFIERS = frozenset("ːˑ\u0361\u035cʰʲʷˠˤⁿˡ˞")


@dataclass(frozen=True, slots=True)
class Segment:
    """The characters ``[first, last)`` of the parsed IPA and the ARPAbet phones they sound as.

    ``symbols`` is empty for spaces, punctuation and characters no table knows. ``stress``
    applies to the vowels among ``symbols`` (``None`` when there is none).
    """

    first: int
    last: int
    text: str
    symbols: tuple[str, ...]
    stress: Stress | None = None

    def phones(self) -> tuple[tuple[str, Stress | None], ...]:
        """``(symbol, stress)`` for each phone; consonants have no stress."""
        return tuple((symbol, self.stress if symbol in VOWELS else None) for symbol in self.symbols)


@cache
def _entries() -> dict[str, tuple[str, ...]]:
    """Every row of the table file, keys as written (``xx:`` for one language only)."""
    text = files("mundwerk").joinpath("data/ipa/arpabet.tsv").read_text(encoding="utf-8")
    entries: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, arpabet, *_ = [*line.split("\t"), ""]
        symbols = tuple(arpabet.split())
        unknown = [symbol for symbol in symbols if symbol not in PHONE_SYMBOLS]
        if unknown:
            raise ValueError(f"IPA table maps {key!r} to unknown phones {unknown}")
        entries[key] = symbols
    return entries


@cache
def table(language: str = "") -> dict[str, tuple[str, ...]]:
    """The IPA → ARPAbet table for ``language`` (``en``, ``de-at``, ...; empty: any), loaded once."""
    prefix = language.lower().split("-")[0] + ":"
    common = {key: value for key, value in _entries().items() if ":" not in key}
    special = {key[len(prefix) :]: value for key, value in _entries().items() if key.startswith(prefix)}
    return common | special


@cache
def _longest_key() -> int:
    return max(len(key) for key in table())


def is_core(char: str) -> bool:
    """True for characters that start a sound (or a gap), not marks that modify one."""
    if char in STRESS_MARKS or char in _MODIFIERS:
        return False
    return unicodedata.combining(char) == 0 and unicodedata.category(char) != "Mn"


def parse(ipa: str, language: str = "") -> tuple[Segment, ...]:
    """Split ``ipa`` into segments covering every character, each with its ARPAbet phones."""
    entries = table(language)
    cores = [index for index, char in enumerate(ipa) if is_core(char)]
    starts: list[int] = []
    found: list[tuple[tuple[str, ...], Stress | None]] = []
    pending: Stress | None = None
    k = 0
    while k < len(cores):
        pending = _stress_before(ipa, cores, k) or pending
        count, symbols = _match(ipa, cores, k, entries)
        has_vowel = any(symbol in VOWELS for symbol in symbols)
        stress = (pending or Stress.NONE) if has_vowel else None
        if has_vowel or not symbols:
            pending = None
        starts.append(_first_index(ipa, cores, k))
        found.append((symbols, stress))
        k += count
    return _segments(ipa, starts, found)


def _segments(
    ipa: str, starts: list[int], found: list[tuple[tuple[str, ...], Stress | None]]
) -> tuple[Segment, ...]:
    if not starts:
        return ()
    starts[0] = 0
    ends = [*starts[1:], len(ipa)]
    return tuple(
        Segment(first, last, ipa[first:last], symbols, stress)
        for first, last, (symbols, stress) in zip(starts, ends, found, strict=True)
    )


def _stress_before(ipa: str, cores: list[int], k: int) -> Stress | None:
    gap_start = cores[k - 1] + 1 if k else 0
    marks = [STRESS_MARKS[char] for char in ipa[gap_start : cores[k]] if char in STRESS_MARKS]
    return marks[-1] if marks else None


def _first_index(ipa: str, cores: list[int], k: int) -> int:
    """Where core ``k``'s segment starts: at the stress marks right before it, if any."""
    first = cores[k]
    gap_start = cores[k - 1] + 1 if k else 0
    while first > gap_start and ipa[first - 1] in STRESS_MARKS:
        first -= 1
    return first


def _match(
    ipa: str, cores: list[int], k: int, entries: dict[str, tuple[str, ...]]
) -> tuple[int, tuple[str, ...]]:
    """The longest table entry starting at core ``k``: how many cores it takes, its phones."""
    longest = min(_longest_key(), len(cores) - k)
    for count in range(longest, 1, -1):
        if _stress_between(ipa, cores[k], cores[k + count - 1]):
            continue
        key = "".join(ipa[cores[k + j]] for j in range(count))
        if key in entries:
            return count, entries[key]
    return 1, _single(ipa[cores[k]], entries)


def _stress_between(ipa: str, first: int, last: int) -> bool:
    return any(char in STRESS_MARKS for char in ipa[first:last])


def _single(char: str, entries: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """One character: the table, else its base letter without diacritics, else lower case."""
    for candidate in (char, unicodedata.normalize("NFD", char)[:1], char.lower()):
        if candidate in entries:
            return entries[candidate]
    return ()


def to_arpabet(ipa: str, language: str = "") -> tuple[tuple[str, Stress | None], ...]:
    """Every phone in ``ipa`` as ``(ARPAbet symbol, stress)``, in order."""
    return tuple(phone for segment in parse(ipa, language) for phone in segment.phones())


def arpabet_symbols(ipa: str, language: str = "") -> tuple[str, ...]:
    """Only the ARPAbet symbols for ``ipa`` (no stress, no silence)."""
    return tuple(symbol for segment in parse(ipa, language) for symbol in segment.symbols)

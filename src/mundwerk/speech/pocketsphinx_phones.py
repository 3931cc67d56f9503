"""Pocketsphinx frames → mundwerk phones and words, in integer milliseconds.

Pocketsphinx labels 10 ms frames; frame ``i`` is a 25.6 ms window starting at ``10 i`` ms,
so a change it reports at frame ``s`` happened near the window centres around it, about
8 ms later. Measured against espeak's exact timing (14 sentences, 250 phones in words whose
phones agree), unshifted boundaries are early: median vowel start -8 ms, P/B/M start -14,
P/B/M end -12, other consonants -9 to -17. Every inner boundary is therefore moved later by
``BOUNDARY_SHIFT_MS`` (one frame), which leaves the medians at -4 to +2 ms (mean absolute
error: vowel starts 10 ms, P/B/M ends 14, P/B/M starts 23); 15 ms scores about the same. The
first phone still starts at 0 and the last still ends at the end of the audio.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mundwerk.core.phones import PHONE_SYMBOLS, SILENCE, Phone, Word

FRAME_MS = 10
BOUNDARY_SHIFT_MS = 10

_VARIANT = re.compile(r"\(\d+\)$")
_NON_WORDS = frozenset({"<s>", "</s>", "<sil>", "(NULL)"})


@dataclass(frozen=True, slots=True)
class Span:
    """A label over frames ``[start_frame, end_frame)`` as pocketsphinx reports it."""

    label: str
    start_frame: int
    end_frame: int


@dataclass(frozen=True, slots=True)
class WordSpan:
    """A word over frames with the phone spans inside it."""

    label: str
    start_frame: int
    end_frame: int
    phones: tuple[Span, ...]


def phone_symbol(label: str) -> str:
    """Our symbol for a pocketsphinx phone: CMU phones as they are, fillers become SIL."""
    symbol = label.rstrip("012")
    return symbol if symbol in PHONE_SYMBOLS else SILENCE


def word_text(label: str) -> str | None:
    """The word of a dictionary entry (``and(2)`` → ``and``); None for silence and fillers."""
    if label in _NON_WORDS or label.startswith(("[", "+")):
        return None
    return _VARIANT.sub("", label)


def frame_to_ms(frame: int, duration_ms: int) -> int:
    """A boundary at ``frame``, shifted and kept within ``[0, duration_ms]``."""
    if frame <= 0:
        return 0
    return max(0, min(duration_ms, frame * FRAME_MS + BOUNDARY_SHIFT_MS))


def phones_from_spans(spans: Iterable[Span], duration_ms: int, offset_ms: int = 0) -> tuple[Phone, ...]:
    """A gap-free phone tuple over ``[offset_ms, offset_ms + duration_ms)``.

    Adjacent silences merge; phones squeezed to nothing by clamping vanish; a chunk
    without any phone becomes one silence.
    """
    cuts = [(phone_symbol(span.label), frame_to_ms(span.start_frame, duration_ms)) for span in spans]
    phones: list[Phone] = []
    for index, (symbol, start_ms) in enumerate(cuts):
        end_ms = cuts[index + 1][1] if index + 1 < len(cuts) else duration_ms
        start_ms = 0 if index == 0 else start_ms
        if end_ms <= start_ms:
            continue
        if phones and phones[-1].symbol == symbol == SILENCE:
            start_ms = phones.pop().start_ms - offset_ms
        phones.append(Phone(symbol, start_ms + offset_ms, end_ms + offset_ms))
    if not phones and duration_ms > 0:
        phones.append(Phone(SILENCE, offset_ms, offset_ms + duration_ms))
    return tuple(phones)


def words_from_spans(
    words: Sequence[WordSpan], phones: Sequence[Phone], duration_ms: int, offset_ms: int = 0
) -> tuple[Word, ...]:
    """Words with their phones, timed with the same shift and clamping as ``phones``."""
    result: list[Word] = []
    for word in words:
        text = word_text(word.label)
        if text is None:
            continue
        start_ms = frame_to_ms(word.start_frame, duration_ms) + offset_ms
        end_ms = frame_to_ms(word.end_frame, duration_ms) + offset_ms
        inside = tuple(p for p in phones if start_ms <= p.start_ms and p.end_ms <= end_ms)
        result.append(Word(text, start_ms, max(start_ms, end_ms), inside))
    return tuple(result)


def single_silence(duration_ms: int, offset_ms: int = 0) -> tuple[Phone, ...]:
    """One silence over the chunk, or nothing for empty audio."""
    return (Phone(SILENCE, offset_ms, offset_ms + duration_ms),) if duration_ms > 0 else ()


def stitch(phones: Iterable[Phone], duration_ms: int) -> tuple[Phone, ...]:
    """Phones in time order made gap-free over ``[0, duration_ms)``: gaps and overlaps
    (from chunk rounding) are closed, silences merged, the ends pinned to 0 and the end."""
    result: list[Phone] = []
    for phone in phones:
        start_ms = result[-1].end_ms if result else 0
        end_ms = min(phone.end_ms, duration_ms)
        gap_end_ms = min(phone.start_ms, duration_ms)
        if gap_end_ms > start_ms:
            _append(result, Phone(SILENCE, start_ms, gap_end_ms))
            start_ms = gap_end_ms
        if end_ms > start_ms:
            _append(result, Phone(phone.symbol, start_ms, end_ms, phone.stress))
    end_ms = result[-1].end_ms if result else 0
    if end_ms < duration_ms:
        _append(result, Phone(SILENCE, end_ms, duration_ms))
    return tuple(result)


def _append(phones: list[Phone], phone: Phone) -> None:
    if phones and phones[-1].symbol == phone.symbol == SILENCE:
        phone = Phone(SILENCE, phones.pop().start_ms, phone.end_ms)
    phones.append(phone)

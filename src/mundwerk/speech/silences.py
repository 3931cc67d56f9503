"""Pauses heard in the audio override what a recognizer aligned there.

Aligners stretch words over short pauses (pocketsphinx's optional silence is often
skipped), which keeps the mouth moving while nothing is said. Pauses found acoustically
(``mundwerk.audio.pauses.find_pauses``) become ``SIL`` phones; the phones they overlap are
trimmed, and phones left entirely inside a pause are dropped. Bilabials are never cut:
the near-silent gap before a p or b release is the lips' closure, not a pause.
"""

from __future__ import annotations

from collections.abc import Sequence

from mundwerk.core.phones import SILENCE, Alignment, Phone, Word
from mundwerk.core.timeline import Timed

#: Pauses shorter than this are left to the recognizer.
MIN_PAUSE_MS = 160
#: Pieces of a trimmed phone shorter than this are dropped.
MIN_PIECE_MS = 10
BILABIALS = frozenset({"P", "B", "M"})

Interval = tuple[int, int]


def impose_pauses(alignment: Alignment, pauses: Sequence[Timed[None]]) -> Alignment:
    """``alignment`` with every pause of at least MIN_PAUSE_MS shown as silence."""
    spans = _pause_spans(alignment.phones, pauses)
    if not spans:
        return alignment
    phones = _with_silences(alignment.phones, spans, alignment.duration_ms)
    words = tuple(word for word in (_trimmed_word(w, spans, phones) for w in alignment.words) if word)
    return Alignment(words, phones, alignment.duration_ms, alignment.warnings)


def _pause_spans(phones: Sequence[Phone], pauses: Sequence[Timed[None]]) -> list[Interval]:
    """Long pauses, each shortened so that it overlaps no bilabial."""
    closures = [(p.start_ms, p.end_ms) for p in phones if p.symbol in BILABIALS]
    spans = []
    for pause in pauses:
        for piece in _subtract((pause.start_ms, pause.end_ms), closures):
            if piece[1] - piece[0] >= MIN_PAUSE_MS:
                spans.append(piece)
    return spans


def _subtract(interval: Interval, holes: Sequence[Interval]) -> list[Interval]:
    """The parts of ``interval`` outside every hole (holes sorted by start)."""
    pieces = [interval]
    for hole_start, hole_end in holes:
        next_pieces = []
        for start, end in pieces:
            if hole_end <= start or hole_start >= end:
                next_pieces.append((start, end))
                continue
            if hole_start > start:
                next_pieces.append((start, hole_start))
            if hole_end < end:
                next_pieces.append((hole_end, end))
        pieces = next_pieces
    return pieces


def _with_silences(phones: Sequence[Phone], spans: Sequence[Interval], duration_ms: int) -> tuple[Phone, ...]:
    kept = [
        Phone(phone.symbol, start, end, phone.stress)
        for phone in phones
        if phone.symbol != SILENCE
        for start, end in _subtract((phone.start_ms, phone.end_ms), spans)
        if end - start >= MIN_PIECE_MS
    ]
    speech = [(p.start_ms, p.end_ms) for p in kept]
    silences = [
        Phone(SILENCE, start, end)
        for phone in phones
        if phone.symbol == SILENCE
        for start, end in _subtract((phone.start_ms, phone.end_ms), speech)
    ]
    silences += [Phone(SILENCE, start, end) for start, end in spans]
    return _gap_free(sorted(kept + silences, key=lambda p: (p.start_ms, p.end_ms)), duration_ms)


def _gap_free(phones: list[Phone], duration_ms: int) -> tuple[Phone, ...]:
    """Adjacent silences joined, overlaps cut, small gaps given to the phone before, the
    whole of ``[0, duration_ms)`` covered."""
    result: list[Phone] = []
    for phone in phones:
        if result and phone.start_ms < result[-1].end_ms:
            if phone.end_ms <= result[-1].end_ms:
                continue
            phone = Phone(phone.symbol, result[-1].end_ms, phone.end_ms, phone.stress)
        if result and result[-1].end_ms < phone.start_ms:
            last = result[-1]
            result[-1] = Phone(last.symbol, last.start_ms, phone.start_ms, last.stress)
        if result and result[-1].symbol == SILENCE == phone.symbol:
            result[-1] = Phone(SILENCE, result[-1].start_ms, phone.end_ms)
            continue
        result.append(phone)
    if result:
        first, last = result[0], result[-1]
        result[0] = Phone(first.symbol, 0, first.end_ms, first.stress)
        result[-1] = Phone(last.symbol, result[-1].start_ms, max(last.end_ms, duration_ms), last.stress)
    return tuple(result)


def _trimmed_word(word: Word, spans: Sequence[Interval], phones: Sequence[Phone]) -> Word | None:
    pieces = _subtract((word.start_ms, word.end_ms), spans)
    if not pieces:
        return None
    start = min(piece[0] for piece in pieces)
    end = max(piece[1] for piece in pieces)
    inside = tuple(p for p in phones if p.symbol != SILENCE and start <= p.start_ms and p.end_ms <= end)
    return Word(word.text, start, end, inside)

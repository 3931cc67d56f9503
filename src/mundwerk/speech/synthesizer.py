"""Text-to-speech with exact phone timing: the protocol, its values and the registry.

A synthesizer returns 16 kHz audio and a gap-free phone sequence covering all of it
(``SIL`` where the engine pauses), plus the words it spoke. Engines report timing in their
own samples; :func:`assemble` turns such :class:`Piece` lists into phones and words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import import_module
from typing import Protocol

import numpy as np

from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.core.phones import SILENCE, Phone, Stress, Word


@dataclass(frozen=True, slots=True)
class SynthesisOptions:
    """Per-call options. ``speed`` 1.0 is the engine's normal pace (espeak: 175 words/min)."""

    voice: str | None = None
    language: str | None = None
    speed: float = 1.0
    rate_wpm: int | None = None
    pitch: int | None = None

    def __post_init__(self) -> None:
        if not 0.1 <= self.speed <= 10.0:
            raise UsageError(f"speed {self.speed} is out of range 0.1–10")
        if self.pitch is not None and not 0 <= self.pitch <= 100:
            raise UsageError(f"pitch {self.pitch} is out of range 0–100")


DEFAULT_OPTIONS = SynthesisOptions()

#: Silence added before and after every synthesis.
EDGE_SILENCE_MS = 50


@dataclass(frozen=True, slots=True, eq=False)
class Synthesis:
    """Speech made from text: 16 kHz audio, its phones (gap-free over all of it) and words."""

    audio: Audio
    phones: tuple[Phone, ...]
    words: tuple[Word, ...]
    native_audio: Audio
    voice: str


class Synthesizer(Protocol):
    """Speaks text and says exactly when each phone sounds."""

    def synthesize(self, text: str, options: SynthesisOptions = DEFAULT_OPTIONS) -> Synthesis:
        """Audio at 16 kHz with a gap-free phone sequence over all of it."""
        ...


# name → (module, class); each class has a ``load()`` classmethod doing the heavy I/O.
_SYNTHESIZERS: dict[str, tuple[str, str]] = {
    "espeak": ("mundwerk.speech.espeak", "EspeakSynthesizer"),
    "piper": ("mundwerk.speech.piper", "PiperSynthesizer"),
}

SYNTHESIZER_NAMES = tuple(_SYNTHESIZERS)


def get_synthesizer(name: str) -> Synthesizer:
    """Load the synthesizer called ``name`` (``espeak`` or ``piper``)."""
    key = name.lower()
    if key not in _SYNTHESIZERS:
        raise UnknownChoiceError("synthesizer", name, SYNTHESIZER_NAMES)
    module_name, class_name = _SYNTHESIZERS[key]
    factory: Callable[[], Synthesizer] = getattr(import_module(module_name), class_name).load
    return factory()


@dataclass(frozen=True, slots=True)
class Piece:
    """Engine output from ``start_sample`` to ``end_sample`` (native rate).

    ``phones`` are what sounds there; a piece without phones is a pause if ``pause``, else
    it belongs to the phone before it. ``word`` indexes the spoken words, if any.
    """

    start_sample: int
    end_sample: int
    phones: tuple[tuple[str, Stress | None], ...]
    pause: bool = False
    word: int | None = None


def assemble(native: Audio, pieces: Sequence[Piece], word_texts: Sequence[str], voice: str) -> Synthesis:
    """The synthesis for ``native`` audio whose timing the engine gave as ``pieces``.

    ``EDGE_SILENCE_MS`` of silence go before and after, so speech never starts at sample 0.
    """
    pad = np.zeros(native.sample_rate_hz * EDGE_SILENCE_MS // 1000, dtype=np.float32)
    native = Audio(np.concatenate([pad, native.samples, pad]), native.sample_rate_hz)
    pieces = [
        replace(p, start_sample=p.start_sample + len(pad), end_sample=p.end_sample + len(pad)) for p in pieces
    ]
    audio = at_analysis_rate(native)
    end_ms = audio.duration_ms
    timed = _timed_phones(pieces, native.sample_rate_hz, end_ms)
    phones = tuple(phone for phone, _ in timed)
    return Synthesis(audio, phones, _words(timed, word_texts), native, voice)


_Tagged = tuple[Phone, int | None]


def _timed_phones(pieces: Sequence[Piece], rate_hz: int, end_ms: int) -> list[_Tagged]:
    """Gap-free phones over ``[0, end_ms)``, each tagged with its word index."""
    timed: list[_Tagged] = []
    cursor = 0
    for piece in sorted(pieces, key=lambda p: p.start_sample):
        start = max(cursor, _ms(piece.start_sample, rate_hz, end_ms))
        stop = max(start, _ms(piece.end_sample, rate_hz, end_ms))
        if start > cursor:
            _extend_or_add(timed, (SILENCE, None), cursor, start, None)
        _add_piece(timed, piece, start, stop)
        cursor = max(cursor, stop)
    if cursor < end_ms or not timed:
        _extend_or_add(timed, (SILENCE, None), cursor, end_ms, None)
    return [(phone, word) for phone, word in timed if phone.duration_ms > 0]


def _ms(sample: int, rate_hz: int, end_ms: int) -> int:
    return min(end_ms, max(0, round(sample * 1000 / rate_hz)))


def _add_piece(timed: list[_Tagged], piece: Piece, start: int, stop: int) -> None:
    if not piece.phones:
        if piece.pause or not timed:
            _extend_or_add(timed, (SILENCE, None), start, stop, None)
        else:
            phone, word = timed[-1]
            timed[-1] = (Phone(phone.symbol, phone.start_ms, stop, phone.stress), word)
        return
    bounds = np.linspace(start, stop, len(piece.phones) + 1).round().astype(int)
    for (symbol, stress), first, last in zip(piece.phones, bounds[:-1], bounds[1:], strict=True):
        timed.append((Phone(symbol, int(first), int(last), stress), piece.word))


def _extend_or_add(
    timed: list[_Tagged], phone: tuple[str, Stress | None], start: int, stop: int, word: int | None
) -> None:
    """Add a phone, or lengthen the last one if it is the same silence."""
    symbol, stress = phone
    if timed and symbol == SILENCE and timed[-1][0].symbol == SILENCE and timed[-1][0].end_ms == start:
        last = timed[-1][0]
        timed[-1] = (Phone(SILENCE, last.start_ms, stop), None)
        return
    timed.append((Phone(symbol, start, stop, stress), word))


def _words(timed: list[_Tagged], word_texts: Sequence[str]) -> tuple[Word, ...]:
    groups: dict[int, list[Phone]] = {}
    for phone, word in timed:
        if word is not None and not phone.is_silence and word < len(word_texts):
            groups.setdefault(word, []).append(phone)
    return tuple(
        Word(word_texts[index], phones[0].start_ms, phones[-1].end_ms, tuple(phones))
        for index, phones in sorted(groups.items())
    )

"""English words and phones with pocketsphinx (acoustic model and dictionary in its wheel).

With a transcript: forced alignment to words and phones. Audio longer than
``MAX_CHUNK_MS`` is cut at pauses into chunks (``split_at_pauses``); the transcript's words are
distributed over the chunks in order: each chunk is decoded with a grammar that accepts
any prefix of the remaining words (``heard_prefix``), the last chunk takes what is left,
then each chunk is force-aligned to its own words. Words outside the dictionary are added
with pronunciations from grapheme-to-phoneme, never dropped. A chunk whose alignment fails
or scores far below what the acoustic model allows is recognised freely instead, with a
warning.

Without a transcript: the word decoder (n-gram language model) followed by a phone
alignment of its hypothesis. On the LibriVox test clips it gets phones far closer to the
transcript's alignment than the phone loop (phone error rate .12 against .46, frames
labelled right .91 against .64), at a real-time factor near .14 against .035. A chunk
where its words do not clearly fit (synthetic or noisy speech, mostly) goes to the
``phonetic`` recognizer, mundwerk's own frame classifier; on the benchmark corpus this
lifts closure recall without a transcript from .52 to .83 and balanced accuracy from .63
to .79. Loaded without that fallback, such chunks get the phone loop (``allphone``).

Real-time factors (quiet 2-core machine, LibriVox): forced alignment .02-.03; espeak
speech, which needs the wider beams and the phone-loop check, .08-.15.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mundwerk.audio.pauses import split_at_pauses
from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.phones import Alignment, Phone, Word
from mundwerk.speech.base import Recognizer
from mundwerk.speech.lexicon import Lexicon, sphinx_dictionary
from mundwerk.speech.pocketsphinx_align import (
    Aligned,
    PhoneLoop,
    decode,
    ensure_pronunciations,
    force_align,
    heard_prefix,
    phone_alignment,
    phone_loop,
)
from mundwerk.speech.pocketsphinx_phones import (
    Span,
    phones_from_spans,
    single_silence,
    stitch,
    words_from_spans,
)
from mundwerk.speech.transcript import transcript_words

#: Longest audio aligned in one piece; longer audio is cut at pauses into chunks of 15-30 s.
MAX_CHUNK_MS = 30_000
#: Audio whose loudest 10 ms frame is below this holds no speech (-55 dBFS).
QUIET_DBFS = -55.0
_DITHER_LSB = 1.0

_WORD_SEARCH = {"fwdflat": False, "bestpath": False, "maxhmmpf": 5000}
# Second try when the default beams lose the forced path (seen on espeak speech).
_WIDE_BEAMS = {"beam": 1e-80, "wbeam": 1e-60, "pbeam": 1e-80}
_PHONE_SEARCH = {"lm": None, "lw": 2.0, "pip": 0.3, "beam": 1e-200, "pbeam": 1e-20}


@dataclass(frozen=True, slots=True)
class Chunk:
    """A stretch of the audio starting at ``start_ms``."""

    start_ms: int
    audio: Audio


@dataclass(frozen=True, slots=True)
class _Piece:
    words: tuple[Word, ...] = ()
    phones: tuple[Phone, ...] = ()
    warnings: tuple[str, ...] = field(default=())


@dataclass(eq=False)
class PocketSphinxRecognizer:
    """Pocketsphinx decoders: alignment (default and wide beams), word search (optional),
    phone loop.

    Build it with ``load()``. Decoders are stateful, so calls are serialised by a lock.
    """

    aligner: Any
    wide_aligner: Any
    phone_decoder: Any
    word_decoder: Any | None = None
    fallback: Recognizer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls, *, word_search: bool = True, lexicon: Lexicon | None = None, fallback: bool = True
    ) -> PocketSphinxRecognizer:
        """Load the en-us model (about .1 s per decoder; the word search's LM .3 s more).

        ``lexicon`` entries replace the dictionary's pronunciations of their words.
        ``fallback``: without a transcript, speech whose recognised words do not clearly fit
        goes to the ``phonetic`` recognizer instead of pocketsphinx's phone loop."""
        from pocketsphinx import Decoder, get_model_path

        from mundwerk.speech.phonetic import PhoneticRecognizer

        with tempfile.TemporaryDirectory(prefix="mundwerk-dict-") as directory:
            quiet: dict[str, Any] = {"loglevel": "FATAL", **_dictionary(lexicon, Path(directory))}
            aligner = Decoder(lm=None, bestpath=False, **quiet)
            wide = Decoder(lm=None, bestpath=False, **_WIDE_BEAMS, **quiet)
            phones = Decoder(allphone=get_model_path("en-us/en-us-phone.lm.bin"), **_PHONE_SEARCH, **quiet)
            words = Decoder(**_WORD_SEARCH, **quiet) if word_search else None
        return cls(aligner, wide, phones, words, PhoneticRecognizer.load() if fallback else None)

    def recognize(self, audio: Audio, transcript: str | None = None) -> Alignment:
        """Words and a gap-free phone sequence covering the whole audio."""
        parts = split_at_pauses(audio, MAX_CHUNK_MS)
        return self.recognize_chunks(parts, transcript, audio.duration_ms)

    def recognize_chunks(
        self, parts: Iterable[tuple[int, Audio]], transcript: str | None, duration_ms: int
    ) -> Alignment:
        """Like ``recognize`` for audio already cut into consecutive ``(start_ms, chunk)``
        parts, as ``mundwerk.audio.pauses.split_at_pauses`` yields them, ``duration_ms`` in
        all. The parts are consumed one at a time: memory does not grow with the length."""
        chunks = (Chunk(start_ms, at_analysis_rate(audio)) for start_ms, audio in parts)
        words = transcript_words(transcript) if transcript is not None else ()
        with self._lock:
            if words:
                pieces = self._align_chunks(chunks, words, duration_ms)
            else:
                pieces = [self._recognize_free(chunk) for chunk in chunks]
        if transcript is not None and not words:
            pieces.append(_Piece(warnings=(f"transcript {transcript[:40]!r} has no words to align",)))
        return _joined(pieces, duration_ms)

    def _align_chunks(self, chunks: Iterable[Chunk], words: Sequence[str], total_ms: int) -> list[_Piece]:
        ensure_pronunciations(self.aligner, words)
        ensure_pronunciations(self.wide_aligner, words)
        pieces: list[_Piece] = []
        for chunk, is_last in _with_last_flag(chunks):
            pcm = pcm16(chunk.audio)
            remaining_ms = total_ms - chunk.start_ms
            count = len(words) if is_last else self._words_heard(pcm, words, chunk, remaining_ms)
            pieces.append(self._align(chunk, pcm, words[:count]))
            words = words[count:]
        return pieces

    def _words_heard(self, pcm: bytes, words: Sequence[str], chunk: Chunk, remaining_ms: int) -> int:
        """How many of ``words`` this chunk holds; a share by duration if the search fails."""
        expected = round(len(words) * chunk.audio.duration_ms / max(remaining_ms, 1))
        window = words[: 2 * expected + 10]
        heard = heard_prefix(self.aligner, pcm, window)
        return expected if heard is None else heard

    def _align(self, chunk: Chunk, pcm: bytes, words: Sequence[str]) -> _Piece:
        silence = single_silence(chunk.audio.duration_ms, chunk.start_ms)
        if not words:
            return _Piece(phones=silence)
        if is_quiet(chunk.audio):
            return _Piece(phones=silence, warnings=(f"no speech {_span_text(chunk)} for: {_shown(words)}",))
        aligned = force_align(self.aligner, pcm, words) or force_align(self.wide_aligner, pcm, words)
        loop = None
        if aligned is not None and not aligned.trusted:
            loop = phone_loop(self.phone_decoder, pcm)
        if aligned is not None and (loop is None or aligned.fits(loop)):
            return _piece(aligned, chunk)
        warning = (
            f"transcript does not match the audio {_span_text(chunk)}: {_shown(words)}; phones recognised"
        )
        free = self._recognize_free(chunk, pcm, loop)
        return _Piece(free.words, free.phones, (warning,))

    def _recognize_free(
        self, chunk: Chunk, pcm: bytes | None = None, loop: PhoneLoop | None = None
    ) -> _Piece:
        """Words and phones without a transcript; ``loop``: the phone loop if already run."""
        if is_quiet(chunk.audio):
            return _Piece(phones=single_silence(chunk.audio.duration_ms, chunk.start_ms))
        pcm = pcm16(chunk.audio) if pcm is None else pcm
        aligned = None if self.word_decoder is None else _word_search(self.word_decoder, pcm)
        if aligned is not None and aligned.trusted:
            return _piece(aligned, chunk)
        if self.fallback is not None:
            return _shifted(self.fallback.recognize(chunk.audio), chunk.start_ms)
        loop = loop or phone_loop(self.phone_decoder, pcm)
        if aligned is not None and aligned.fits(loop):
            return _piece(aligned, chunk)
        return _Piece(phones=phones_from_spans(loop.spans, chunk.audio.duration_ms, chunk.start_ms))


def _shifted(alignment: Alignment, offset_ms: int) -> _Piece:
    phones = tuple(
        Phone(p.symbol, p.start_ms + offset_ms, p.end_ms + offset_ms, p.stress) for p in alignment.phones
    )
    return _Piece(phones=phones)


def _word_search(decoder: Any, pcm: bytes) -> Aligned | None:
    """Words by the n-gram search, then their phones by a second, aligning pass."""
    decode(decoder, pcm)
    hypothesis = decoder.hyp()
    if hypothesis is None or not hypothesis.hypstr.strip():
        return None
    aligned = phone_alignment(decoder, pcm)
    decoder.activate_search()
    return aligned


def _piece(aligned: Aligned, chunk: Chunk) -> _Piece:
    duration_ms = chunk.audio.duration_ms
    spans: list[Span] = [phone for word in aligned.words for phone in word.phones]
    phones = phones_from_spans(spans, duration_ms, chunk.start_ms)
    return _Piece(words_from_spans(aligned.words, phones, duration_ms, chunk.start_ms), phones)


def _with_last_flag(chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, bool]]:
    """Each chunk with whether it is the last, looking one chunk ahead."""
    iterator = iter(chunks)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following is None
        current = following


def _span_text(chunk: Chunk) -> str:
    end_ms = chunk.start_ms + chunk.audio.duration_ms
    return f"from {chunk.start_ms / 1000:.2f} s to {end_ms / 1000:.2f} s"


def _shown(words: Sequence[str], limit: int = 6) -> str:
    return " ".join(words[:limit]) + (" ..." if len(words) > limit else "")


def _joined(pieces: Sequence[_Piece], duration_ms: int) -> Alignment:
    words = tuple(word for piece in pieces for word in piece.words)
    phones = stitch((phone for piece in pieces for phone in piece.phones), duration_ms)
    warnings = tuple(warning for piece in pieces for warning in piece.warnings)
    return Alignment(words, phones, duration_ms, warnings)


def _dictionary(lexicon: Lexicon | None, directory: Path) -> dict[str, str]:
    """Decoder options for the model's dictionary with ``lexicon``'s words replaced (none if empty)."""
    if lexicon is None or not len(lexicon):
        return {}
    from pocketsphinx import get_model_path

    base = Path(get_model_path("en-us/cmudict-en-us.dict"))
    path = directory / "dictionary.dict"
    with base.open(encoding="utf-8") as lines:
        path.write_text("\n".join(sphinx_dictionary(lexicon, lines)) + "\n", encoding="utf-8")
    return {"dict": str(path)}


def pcm16(audio: Audio) -> bytes:
    """Samples as little-endian signed 16-bit PCM, what pocketsphinx reads.

    A fixed, inaudible dither (``_DITHER_LSB``) is added: digital silence (exact zeros, as
    TTS produces between phrases) otherwise gives degenerate features that the models
    happily read as speech.
    """
    dither = np.random.default_rng(0).normal(0.0, _DITHER_LSB, len(audio.samples))
    scaled = np.clip(audio.samples, -1.0, 1.0) * 32767.0 + dither
    return np.clip(np.round(scaled), -32768, 32767).astype("<i2").tobytes()


def is_quiet(audio: Audio) -> bool:
    """True if no 10 ms frame of ``audio`` is louder than ``QUIET_DBFS``."""
    energy = _frame_energy(audio)
    return energy.size == 0 or float(energy.max()) < 10.0 ** (QUIET_DBFS / 10)


def _frame_energy(audio: Audio) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Mean power per 10 ms frame."""
    hop = audio.sample_rate_hz // 100
    frames = len(audio.samples) // hop
    power: np.ndarray[Any, np.dtype[np.float64]] = (
        np.square(audio.samples[: frames * hop].astype(np.float64)).reshape(frames, hop).mean(axis=1)
    )
    return power

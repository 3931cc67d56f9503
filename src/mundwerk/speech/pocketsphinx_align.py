"""Decoder passes over one chunk of 16-bit PCM: forced alignment, free decoding, prefixes.

Every pass re-initialises the feature extractor first: pocketsphinx otherwise carries its
noise estimate from one utterance into the next, and the same audio would give different
phones depending on what was decoded before it.

Does a transcript fit the audio? Two checks, the cheap one first:

- The phone alignment scores each frame against the best senone in it, so its score per
  frame says how far the forced path is from the best the acoustic model could do. Natural
  speech with its own transcript (LibriVox, goforward.wav): -6 to -13; with another
  utterance's transcript: -60 to -63. Above ``TRUSTED_SCORE_PER_FRAME`` the fit is taken.
- Synthetic speech (espeak) scores -22 to -50 even with the right text, so below that the
  word pass's acoustic score is compared with the free phone loop's on the same audio.
  Per frame, right transcripts: natural -1 to -4, one wrong word of four -6, espeak -3 to
  -24; wrong transcripts -31 to -40. ``MISMATCH_MARGIN_PER_FRAME`` sits between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mundwerk.speech.pocketsphinx_phones import Span, WordSpan

LOG = logging.getLogger(__name__)

TRUSTED_SCORE_PER_FRAME = -30.0
MISMATCH_MARGIN_PER_FRAME = -27.0

#: Letters → CMU phones, used only when the grapheme-to-phoneme module is missing.
_LETTER_PHONES = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
    "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P",
    "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S",
    "y": "Y", "z": "Z",
}  # fmt: skip
_MODEL_PHONES = frozenset(" ".join(_LETTER_PHONES.values()).split()) | {
    "AA", "AH", "AO", "AW", "AY", "CH", "DH", "ER", "EY", "IY", "NG", "OW", "OY", "SH", "TH",
    "UH", "UW", "ZH",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Aligned:
    """Words with phone spans, the phone alignment's score per frame and the word search's
    acoustic score per frame (comparable with ``PhoneLoop.score_per_frame``)."""

    words: tuple[WordSpan, ...]
    score_per_frame: float
    search_score_per_frame: float = 0.0

    @property
    def trusted(self) -> bool:
        """True if the fit is clear without comparing with the phone loop."""
        return self.score_per_frame >= TRUSTED_SCORE_PER_FRAME

    def fits(self, loop: PhoneLoop) -> bool:
        """True if the words explain the audio nearly as well as free phones do."""
        return self.search_score_per_frame - loop.score_per_frame >= MISMATCH_MARGIN_PER_FRAME


@dataclass(frozen=True, slots=True)
class PhoneLoop:
    """Phones found without words, and the search's acoustic score per frame."""

    spans: tuple[Span, ...]
    score_per_frame: float


def decode(decoder: Any, pcm: bytes) -> None:
    """Run one utterance through ``decoder``'s active search."""
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, no_search=False, full_utt=True)
    decoder.end_utt()


def force_align(decoder: Any, pcm: bytes, words: Sequence[str]) -> Aligned | None:
    """Align ``words`` (all in the dictionary) to ``pcm``; None if the search fails."""
    try:
        decoder.set_align_text(" ".join(words))
        decode(decoder, pcm)
    except RuntimeError as e:
        LOG.debug("word alignment failed: %s", e)
        return None
    return phone_alignment(decoder, pcm) if decoder.hyp() is not None else None


def phone_alignment(decoder: Any, pcm: bytes) -> Aligned | None:
    """Second pass after a word search: phone spans for the words it found."""
    search_score = acoustic_score_per_frame(decoder)
    try:
        decoder.set_alignment()
        decode(decoder, pcm)
        alignment = decoder.get_alignment()
    except RuntimeError as e:
        LOG.debug("phone alignment failed: %s", e)
        return None
    if alignment is None:
        return None
    words = tuple(_word_span(entry) for entry in alignment.words())
    frames = sum(word.end_frame - word.start_frame for word in words)
    score = sum(int(phone.score) for phone in alignment.phones())
    return Aligned(words, score / frames if frames else 0.0, search_score)


def phone_loop(decoder: Any, pcm: bytes) -> PhoneLoop:
    """Phones from the allphone search (end frames in ``seg()`` are inclusive)."""
    decode(decoder, pcm)
    spans = tuple(Span(str(s.word), int(s.start_frame), int(s.end_frame) + 1) for s in decoder.seg())
    return PhoneLoop(spans, acoustic_score_per_frame(decoder))


def acoustic_score_per_frame(decoder: Any) -> float:
    """The last search's acoustic log score per frame (``seg()`` hands scores out exponentiated)."""
    logmath = decoder.get_logmath()
    total = sum(int(logmath.log(segment.ascore)) for segment in decoder.seg())
    return total / max(int(decoder.n_frames()), 1)


def heard_prefix(decoder: Any, pcm: bytes, words: Sequence[str]) -> int | None:
    """How many of ``words``, from the first, the chunk holds (None if the search fails).

    The grammar is a chain through ``words`` with an exit after each one, so the decoder
    picks the prefix that explains the audio best.
    """
    final = len(words) + 1
    chain = [(i, i + 1, 1.0, word) for i, word in enumerate(words)]
    exits = [(i, final, 1.0) for i in range(len(words) + 1)]
    try:
        decoder.add_fsg("_prefix", decoder.create_fsg("prefix", 0, final, chain + exits))
        decoder.activate_search("_prefix")
        decode(decoder, pcm)
    except (RuntimeError, ValueError) as e:
        LOG.debug("prefix search failed: %s", e)
        return None
    hypothesis = decoder.hyp()
    return len(hypothesis.hypstr.split()) if hypothesis is not None else None


def ensure_pronunciations(decoder: Any, words: Sequence[str], language: str = "en") -> None:
    """Add every word missing from the dictionary, pronounced by grapheme-to-phoneme."""
    for word in dict.fromkeys(words):
        if decoder.lookup_word(word) is None:
            phones = pronounce_unknown(word, language)
            LOG.debug("adding %r as %s", word, phones)
            decoder.add_word(word, " ".join(phones), True)


def pronounce_unknown(word: str, language: str = "en") -> tuple[str, ...]:
    """CMU phones for a word outside the dictionary; never empty."""
    try:
        from mundwerk.speech.g2p import pronounce
    except ImportError:
        phones: tuple[str, ...] = ()
    else:
        phones = tuple(p for p in pronounce(word, language) if p in _MODEL_PHONES)
    return phones or letters_to_sounds(word)


def letters_to_sounds(word: str) -> tuple[str, ...]:
    """A crude letter-by-letter pronunciation, the last resort; ``AH`` if no letter maps."""
    phones = " ".join(_LETTER_PHONES.get(letter, "") for letter in word.lower()).split()
    return tuple(phones) or ("AH",)


def _word_span(entry: Any) -> WordSpan:
    phones = tuple(_span(phone) for phone in entry)
    return WordSpan(str(entry.name), int(entry.start), int(entry.start + entry.duration), phones)


def _span(entry: Any) -> Span:
    return Span(str(entry.name), int(entry.start), int(entry.start + entry.duration))

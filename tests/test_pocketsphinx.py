"""The pocketsphinx recognizer on real speech: alignment, free recognition, odd inputs.

``data/goforward.wav`` ("go forward ten meters", 16 kHz) comes from pocketsphinx's test
data (BSD licence).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from mundwerk.audio import Audio, decode, split_at_pauses
from mundwerk.core.phones import SILENCE, VOWELS, Alignment, Phone
from mundwerk.speech.pocketsphinx import PocketSphinxRecognizer
from mundwerk.speech.pocketsphinx_align import letters_to_sounds, pronounce_unknown
from mundwerk.speech.pocketsphinx_phones import BOUNDARY_SHIFT_MS, Span, phones_from_spans, stitch

GOFORWARD = Path(__file__).parent / "data" / "goforward.wav"
WORDS = ("go", "forward", "ten", "meters")
PHONES = ["G", "OW", "F", "AO", "R", "W", "ER", "D", "T", "EH", "N", "M", "IY", "T", "ER", "Z"]


@pytest.fixture(scope="module")
def recognizer() -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer.load()


@pytest.fixture(scope="module")
def speech() -> Audio:
    return decode(GOFORWARD)


def assert_well_formed(alignment: Alignment, duration_ms: int) -> None:
    """Phones gap-free over [0, duration); words in order, inside it, made of its phones."""
    phones = alignment.phones
    assert alignment.duration_ms == duration_ms
    assert phones[0].start_ms == 0 and phones[-1].end_ms == duration_ms
    assert all(a.end_ms == b.start_ms for a, b in pairwise(phones))
    assert all(p.duration_ms > 0 for p in phones)
    assert not any(a.is_silence and b.is_silence for a, b in pairwise(phones))
    for before, word in zip((None, *alignment.words), alignment.words, strict=False):
        assert 0 <= word.start_ms < word.end_ms <= duration_ms
        assert before is None or before.end_ms <= word.start_ms
        assert word.phones and all(p in phones for p in word.phones)
        assert word.phones[0].start_ms == word.start_ms and word.phones[-1].end_ms == word.end_ms


def speech_phones(alignment: Alignment) -> list[str]:
    return [p.symbol for p in alignment.phones if not p.is_silence]


def test_goforward_aligned_to_its_transcript(recognizer: PocketSphinxRecognizer, speech: Audio) -> None:
    alignment = recognizer.recognize(speech, "Go forward 10 meters.")
    assert_well_formed(alignment, speech.duration_ms)
    assert tuple(w.text for w in alignment.words) == WORDS
    assert speech_phones(alignment) == PHONES
    assert [p.symbol for w in alignment.words for p in w.phones] == PHONES
    assert alignment.warnings == ()
    # Speech starts after about .45 s of silence and ends before about 2.2 s.
    assert 400 <= alignment.words[0].start_ms <= 550
    assert 2000 <= alignment.words[-1].end_ms <= 2300


def test_goforward_without_transcript(recognizer: PocketSphinxRecognizer, speech: Audio) -> None:
    alignment = recognizer.recognize(speech)
    assert_well_formed(alignment, speech.duration_ms)
    assert sum(p.symbol in VOWELS for p in alignment.phones) >= 4
    assert [w.text for w in alignment.words][:2] == ["go", "forward"]


def test_phone_loop_alone_finds_vowels(speech: Audio) -> None:
    alignment = PocketSphinxRecognizer.load(word_search=False).recognize(speech)
    assert_well_formed(alignment, speech.duration_ms)
    assert alignment.words == ()
    assert sum(p.symbol in VOWELS for p in alignment.phones) >= 4


def test_same_audio_gives_same_phones_whatever_came_before(
    recognizer: PocketSphinxRecognizer, speech: Audio
) -> None:
    first = recognizer.recognize(speech)
    recognizer.recognize(Audio(np.random.default_rng(1).normal(0, 0.1, 16_000).astype(np.float32)))
    assert recognizer.recognize(speech) == first


@pytest.mark.parametrize("level", [0.0, 1e-3])
@pytest.mark.parametrize("transcript", [None, "hello"])
def test_silence_is_one_silent_phone(
    recognizer: PocketSphinxRecognizer, level: float, transcript: str | None
) -> None:
    silence = Audio(np.random.default_rng(0).normal(0, level, 24_000).astype(np.float32))
    alignment = recognizer.recognize(silence, transcript)
    assert alignment.phones == (Phone(SILENCE, 0, 1500),)
    assert alignment.words == ()
    assert len(alignment.warnings) == (transcript is not None)


def test_empty_audio_gives_nothing(recognizer: PocketSphinxRecognizer) -> None:
    alignment = recognizer.recognize(Audio(np.zeros(0, np.float32)))
    assert alignment == Alignment()


def test_word_outside_the_dictionary_is_aligned(recognizer: PocketSphinxRecognizer, speech: Audio) -> None:
    assert recognizer.aligner.lookup_word("tehn") is None
    alignment = recognizer.recognize(speech, "go forward tehn meters")
    assert tuple(w.text for w in alignment.words) == ("go", "forward", "tehn", "meters")
    assert alignment.warnings == ()
    assert alignment.words[2].phones[0].symbol == "T"


def test_spoken_word_outside_the_dictionary_is_aligned(recognizer: PocketSphinxRecognizer) -> None:
    from mundwerk.speech.espeak import EspeakSynthesizer

    synthesis = EspeakSynthesizer.load().synthesize("Say mundwerk now.")
    alignment = recognizer.recognize(synthesis.audio, "Say mundwerk now.")
    assert_well_formed(alignment, synthesis.audio.duration_ms)
    assert [w.text for w in alignment.words] == ["say", "mundwerk", "now"]
    assert [p.symbol for p in alignment.words[1].phones] == list(pronounce_unknown("mundwerk"))
    assert alignment.warnings == ()


def test_unknown_words_get_a_pronunciation() -> None:
    phones = pronounce_unknown("mundwerk")
    assert phones[:3] == ("M", "AH", "N") and len(phones) >= 5
    assert letters_to_sounds("xyz") == ("K", "S", "Y", "Z")
    assert letters_to_sounds("ü") == ("AH",)


@pytest.mark.parametrize("rate_hz", [8_000, 16_000])
def test_audio_of_8khz_origin_still_aligns(
    recognizer: PocketSphinxRecognizer, speech: Audio, rate_hz: int
) -> None:
    narrow = resample_poly(speech.samples, 1, 2).astype(np.float32)
    audio = (
        Audio(narrow, 8_000) if rate_hz == 8_000 else Audio(resample_poly(narrow, 2, 1).astype(np.float32))
    )
    alignment = recognizer.recognize(audio, "go forward ten meters")
    assert tuple(w.text for w in alignment.words) == WORDS
    assert speech_phones(alignment) == PHONES
    assert alignment.warnings == ()


@pytest.mark.parametrize(
    "transcript", ["he was not an ill disposed young man", "go forward ten meters please"]
)
def test_mismatched_transcript_gives_phones_and_a_warning(
    recognizer: PocketSphinxRecognizer, speech: Audio, transcript: str
) -> None:
    alignment = recognizer.recognize(speech, transcript)
    assert_well_formed(alignment, speech.duration_ms)
    assert sum(p.symbol in VOWELS for p in alignment.phones) >= 4
    assert len(alignment.warnings) == 1 and "does not match" in alignment.warnings[0]


def repeated(speech: Audio, times: int) -> Audio:
    return Audio(np.tile(speech.samples, times))


def test_transcript_spread_over_chunks(recognizer: PocketSphinxRecognizer, speech: Audio) -> None:
    audio = repeated(speech, 4)
    chunks = list(split_at_pauses(audio, max_chunk_ms=6_000))
    assert len(chunks) >= 2
    alignment = recognizer.recognize_chunks(iter(chunks), " ".join(WORDS * 4), audio.duration_ms)
    assert_well_formed(alignment, audio.duration_ms)
    assert tuple(w.text for w in alignment.words) == WORDS * 4
    single = recognizer.recognize(speech, " ".join(WORDS)).words
    for index, word in enumerate(alignment.words):
        expected_ms = single[index % 4].start_ms + (index // 4) * speech.duration_ms
        assert abs(word.start_ms - expected_ms) <= 40, (index, word)


def test_long_audio_is_split_and_aligned(recognizer: PocketSphinxRecognizer, speech: Audio) -> None:
    audio = repeated(speech, 12)  # 33 s: more than one chunk
    alignment = recognizer.recognize(audio, " ".join(WORDS * 12))
    assert_well_formed(alignment, audio.duration_ms)
    assert tuple(w.text for w in alignment.words) == WORDS * 12
    assert alignment.warnings == ()


def test_frames_become_shifted_milliseconds() -> None:
    spans = [Span("SIL", 0, 40), Span("+NSN+", 40, 45), Span("AA", 45, 60), Span("SIL", 60, 99)]
    phones = phones_from_spans(spans, duration_ms=985, offset_ms=1000)
    shift = BOUNDARY_SHIFT_MS
    assert phones == (
        Phone(SILENCE, 1000, 1450 + shift),
        Phone("AA", 1450 + shift, 1600 + shift),
        Phone(SILENCE, 1600 + shift, 1985),
    )


def test_stitch_closes_gaps_and_overlaps() -> None:
    pieces = [Phone("AA", 10, 100), Phone("B", 99, 200), Phone(SILENCE, 250, 260), Phone("M", 300, 900)]
    assert stitch(pieces, 500) == (
        Phone(SILENCE, 0, 10),
        Phone("AA", 10, 100),
        Phone("B", 100, 200),
        Phone(SILENCE, 200, 300),
        Phone("M", 300, 500),
    )
    assert stitch([], 30) == (Phone(SILENCE, 0, 30),)

"""Forced alignment of a transcript's phones against the phonetic model's frame scores."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from bench.languages import boundary_hits
from bench.metrics import TruthPhone
from bench.truth import correct

from mundwerk.core.phones import SILENCE, Alignment
from mundwerk.speech.class_align import (
    AlignConfig,
    alignment_from_path,
    force_align,
    plan_phones,
)
from mundwerk.speech.g2p import phonemize_text
from mundwerk.speech.multilingual import PhoneticAligner
from mundwerk.speech.phonetic_model import FINE_CLASSES, FINE_INDEX
from mundwerk.speech.synthesizer import Synthesis, SynthesisOptions, get_synthesizer

GERMAN = "Wolfgang fährt mit dem Fahrrad zum Museum."

# -- the dynamic programme on hand-made scores ------------------------------------------------


def _scores(symbols: list[tuple[str, int]]) -> np.ndarray:
    """Frames where the class of each symbol is almost certain, for its number of frames."""
    rows = []
    for symbol, frames in symbols:
        row = np.full(len(FINE_CLASSES), 0.01 / (len(FINE_CLASSES) - 1))
        row[FINE_INDEX[symbol]] = 0.99
        rows += [row] * frames
    return np.log(np.array(rows, dtype=np.float32))


def _symbols(alignment: Alignment) -> list[tuple[str, int, int]]:
    return [(p.symbol, p.start_ms, p.end_ms) for p in alignment.phones]


def test_plan_has_optional_pauses_around_every_word() -> None:
    planned = plan_phones([("pa", ("P", "AA")), ("ma", ("M", "AA"))])
    assert [p.symbol for p in planned] == [SILENCE, "P", "AA", SILENCE, "M", "AA", SILENCE]
    assert [p.word for p in planned] == [None, 0, 0, None, 1, 1, None]
    assert [p.optional for p in planned] == [True, False, False, True, False, False, True]


def test_clear_scores_give_the_exact_boundaries_and_real_symbols() -> None:
    words = [("Papa", ("P", "AE", "P", "AE"))]
    scores = _scores([("SIL", 10), ("B", 6), ("EH", 12), ("M", 8), ("AE", 10), ("SIL", 4)])
    planned = plan_phones(words)
    path = force_align(scores, planned, AlignConfig())
    assert path is not None
    alignment = alignment_from_path(path, planned, words, 500)
    assert _symbols(alignment) == [
        (SILENCE, 0, 100), ("P", 100, 160), ("AE", 160, 280), ("P", 280, 360), ("AE", 360, 460),
        (SILENCE, 460, 500),
    ]  # fmt: skip
    assert [(w.text, w.start_ms, w.end_ms) for w in alignment.words] == [("Papa", 100, 460)]


def test_pauses_are_skipped_when_there_is_none() -> None:
    words = [("am", ("AA", "M")), ("am", ("AA", "M"))]
    planned = plan_phones(words)
    path = force_align(_scores([("AA", 5), ("M", 5), ("AA", 5), ("M", 5)]), planned, AlignConfig())
    assert path is not None
    assert [p[0] for p in _symbols(alignment_from_path(path, planned, words, 200))] == ["AA", "M", "AA", "M"]


def test_a_run_of_one_class_is_split_by_typical_durations() -> None:
    """T, IY and N all score as "other": the frames cannot place their boundaries."""
    words = [("tin", ("T", "IY", "N"))]
    planned = plan_phones(words)
    path = force_align(_scores([("T", 34)]), planned, AlignConfig())
    assert path is not None
    durations = [p.duration_ms for p in alignment_from_path(path, planned, words, 340).phones]
    assert durations == [100, 140, 100]


def test_too_many_phones_for_the_frames_give_none() -> None:
    planned = plan_phones([("papa", ("P", "AA", "P", "AA"))])
    assert force_align(_scores([("P", 5)]), planned, AlignConfig()) is None
    assert force_align(np.zeros((0, len(FINE_CLASSES)), np.float32), planned, AlignConfig()) is None


def test_the_narrowest_window_still_finds_the_path() -> None:
    words = [(str(i), ("M", "AA")) for i in range(40)]
    scores = _scores([("M", 4), ("AA", 6)] * 40)
    narrow = AlignConfig(max_window_states=8, beam=5.0)
    planned = plan_phones(words)
    path = force_align(scores, planned, narrow)
    assert path is not None
    phones = alignment_from_path(path, planned, words, 4000).phones
    assert [p.start_ms for p in phones[::2]] == list(range(0, 4000, 100))


# -- real speech ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def german() -> PhoneticAligner:
    return PhoneticAligner.load("de")


def _espeak(text: str, voice: str, rate_wpm: int = 175) -> Synthesis:
    return get_synthesizer("espeak").synthesize(text, SynthesisOptions(voice=voice, rate_wpm=rate_wpm))


def _truth(synthesis: Synthesis) -> list[TruthPhone]:
    labels = [TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in synthesis.phones]
    samples = np.asarray(synthesis.audio.samples)
    return list(correct(samples, synthesis.audio.sample_rate_hz, labels, 0).phones)


def _assert_well_formed(alignment: Alignment, text: str, language: str, duration_ms: int) -> None:
    phones = alignment.phones
    assert phones[0].start_ms == 0 and phones[-1].end_ms == duration_ms
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(phones))
    assert all(p.end_ms > p.start_ms for p in phones)
    expected = phonemize_text(text, language)
    assert [w.text for w in alignment.words] == [word for word, _ in expected]
    assert [tuple(p.symbol for p in w.phones) for w in alignment.words] == [ph for _, ph in expected]
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(alignment.words))


@pytest.mark.parametrize("rate_wpm", [140, 220])
def test_german_speech_aligns_within_50_ms(german: PhoneticAligner, rate_wpm: int) -> None:
    synthesis = _espeak(GERMAN, "de", rate_wpm)
    alignment = german.recognize(synthesis.audio, GERMAN)
    assert alignment.warnings == ()
    _assert_well_formed(alignment, GERMAN, "de", synthesis.audio.duration_ms)
    found = [TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in alignment.phones]
    assert boundary_hits(_truth(synthesis), found, 50).value >= 0.8


def test_english_speech_aligns_too() -> None:
    text = "Bob put the map by the pump, then he moved the boat."
    synthesis = _espeak(text, "en-us")
    alignment = PhoneticAligner.load("en").recognize(synthesis.audio, text)
    _assert_well_formed(alignment, text, "en", synthesis.audio.duration_ms)
    found = [TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in alignment.phones]
    assert boundary_hits(_truth(synthesis), found, 50).value >= 0.8


def test_parts_give_the_same_alignment_as_the_whole(german: PhoneticAligner) -> None:
    audio = _espeak(GERMAN, "de").audio
    cut = audio.duration_ms // 2
    parts = [(0, audio.slice_ms(0, cut)), (cut, audio.slice_ms(cut, audio.duration_ms))]
    whole = german.recognize(audio, GERMAN)
    assert german.recognize_chunks(parts, GERMAN, audio.duration_ms) == whole


def test_a_missing_word_still_aligns_with_a_warning(german: PhoneticAligner) -> None:
    synthesis = _espeak(GERMAN, "de")
    shorter = GERMAN.replace("Fahrrad ", "")
    alignment = german.recognize(synthesis.audio, shorter)
    _assert_well_formed(alignment, shorter, "de", synthesis.audio.duration_ms)
    assert len(alignment.warnings) == 1 and "poorly" in alignment.warnings[0]


def test_a_wrong_transcript_falls_back_to_free_recognition(german: PhoneticAligner) -> None:
    synthesis = _espeak(GERMAN, "de")
    alignment = german.recognize(synthesis.audio, "Guten Tag, wie geht es Ihnen heute?")
    assert alignment.words == ()
    assert "recognized without it" in alignment.warnings[0]
    assert alignment.phones[-1].end_ms == synthesis.audio.duration_ms
    assert {p.symbol for p in alignment.phones} <= {fine.symbol for fine in FINE_CLASSES}


def test_no_transcript_is_the_phonetic_recognizer(german: PhoneticAligner) -> None:
    audio = _espeak(GERMAN, "de").audio
    assert german.recognize(audio) == german.phonetic.recognize(audio)
    punctuation = german.recognize(audio, "…!")
    assert punctuation.phones == german.phonetic.recognize(audio).phones and punctuation.warnings

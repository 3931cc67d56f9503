"""The multilingual benchmark corpus: truth classes of German ü ö pf w and Spanish β, voice variants."""

from __future__ import annotations

import numpy as np
import pytest
from bench import multilingual, speak_checks
from bench.metrics import RELEASE_SYMBOL, SILENCE_SYMBOL, TruthClass, TruthPhone, truth_class
from bench.truth import correct

from mundwerk.speech import ipa
from mundwerk.speech.synthesizer import SynthesisOptions, get_synthesizer


def _truth(word: str, voice: str = "de") -> list[TruthPhone]:
    """Closure-corrected truth of one word, pauses and releases left out."""
    result = multilingual.synthesize_espeak(voice, 175, 50, word)
    phones = correct(result.samples, 16_000, result.phones, 0).phones
    return [p for p in phones if p.symbol not in (SILENCE_SYMBOL, RELEASE_SYMBOL)]


def _classes(word: str, voice: str = "de") -> list[TruthClass]:
    return [truth_class(p.symbol) for p in _truth(word, voice)]


@pytest.mark.parametrize(
    ("ipa_text", "expected"),
    [("yː", ("UW",)), ("ʏ", ("UH",)), ("øː", ("OW",)), ("œ", ("AO",)), ("pf", ("P", "F")), ("v", ("V",))],
)
def test_german_ipa_maps_to_the_phones_the_truth_classes_need(
    ipa_text: str, expected: tuple[str, ...]
) -> None:
    assert tuple(symbol for symbol, _ in ipa.to_arpabet(ipa_text, "de")) == expected


@pytest.mark.parametrize("word", ["über", "Würste", "schön", "Götter"])
def test_german_umlauts_count_as_rounded(word: str) -> None:
    assert TruthClass.ROUNDED in _classes(word)


def test_german_pf_is_a_closure_then_labiodental() -> None:
    truth = _truth("Pfund")
    assert [truth_class(p.symbol) for p in truth[:2]] == [TruthClass.CLOSED, TruthClass.LABIODENTAL]
    assert truth[0].end_ms - truth[0].start_ms >= 10  # a real closure gap, not an empty label


@pytest.mark.parametrize("word", ["Wasser", "Wolf"])
def test_german_w_is_labiodental(word: str) -> None:
    assert _classes(word)[0] == TruthClass.LABIODENTAL


def test_spanish_approximant_b_is_not_a_closure_but_a_stop_b_is() -> None:
    classes = _classes("lobo", "es")
    assert TruthClass.CLOSED not in classes
    assert multilingual.APPROXIMANT_B in {p.symbol for p in _truth("lobo", "es")}
    assert _classes("bomba", "es")[0] == TruthClass.CLOSED


def test_voice_without_variant_matches_mundwerks_synthesizer() -> None:
    text = "Der Pfarrer kauft fünf Pfund."
    multilingual.synthesize_espeak("de", 160, 40, text)  # same espeak state for both calls below
    ours = multilingual.synthesize_espeak("de", 160, 40, text)
    theirs = get_synthesizer("espeak").synthesize(text, SynthesisOptions(voice="de", rate_wpm=160, pitch=40))
    assert [p.symbol for p in ours.phones] == [p.symbol for p in theirs.phones]
    starts = np.array([p.start_ms for p in ours.phones]) - [p.start_ms for p in theirs.phones]
    assert np.abs(starts).max() <= 1


def test_a_variant_changes_the_voice() -> None:
    plain = multilingual.synthesize_espeak("de", 175, 50, "Guten Morgen")
    female = multilingual.synthesize_espeak("de+f2", 175, 50, "Guten Morgen")
    assert len(plain.samples) != len(female.samples) or not np.allclose(plain.samples, female.samples)


def test_every_language_has_its_sentences_and_voices() -> None:
    for language in multilingual.LANGUAGES:
        assert len(language.sentences) >= 16
        assert len(language.voices) >= 2
        labels = {job[1] for job in multilingual.jobs(language)}
        assert labels == {voice.label for voice in language.voices}
        assert multilingual.parse_label(language.voices[1].label) == (
            language.voices[1].name,
            language.voices[1].pitch,
        )


def test_speak_cues_follow_the_engines_own_timing() -> None:
    timing = speak_checks.speak_timing("espeak", "de", "Papa wohnt in Bonn. Wir fahren morgen.")
    assert timing.sentences == 2
    assert timing.max_boundary_difference_ms == 0
    assert timing.cues_identical

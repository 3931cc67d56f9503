"""IPA → ARPAbet: stress, length, diphthongs, affricates, language overrides, fallbacks."""

from __future__ import annotations

import itertools

import pytest

from mundwerk.core.phones import PHONE_SYMBOLS, SILENCE, Stress
from mundwerk.speech import ipa


def symbols(text: str, language: str = "") -> list[str]:
    return list(ipa.arpabet_symbols(text, language))


def test_stress_goes_to_the_next_vowel_only() -> None:
    assert ipa.to_arpabet("həlˈoʊ") == (
        ("HH", None), ("AH", Stress.NONE), ("L", None), ("OW", Stress.PRIMARY),
    )  # fmt: skip
    assert ipa.to_arpabet("ˌoʊvɚ") == (("OW", Stress.SECONDARY), ("V", None), ("ER", Stress.NONE))


def test_stress_before_a_syllable_onset_skips_its_consonants() -> None:
    assert ipa.to_arpabet("ˈbɑb") == (("B", None), ("AA", Stress.PRIMARY), ("B", None))


@pytest.mark.parametrize("text", ["ɑː", "ɑ", "ɑˑ"])
def test_length_marks_do_not_change_the_phone(text: str) -> None:
    assert symbols(text) == ["AA"]


@pytest.mark.parametrize(
    ("text", "phone"),
    [("aɪ", "AY"), ("eɪ", "EY"), ("oʊ", "OW"), ("əʊ", "OW"), ("aʊ", "AW"), ("ɔɪ", "OY"), ("ɔø", "OY")],
)
def test_diphthongs_are_single_phones(text: str, phone: str) -> None:
    assert symbols(text) == [phone]


def test_stress_mark_splits_vowels_into_two_syllables() -> None:
    assert symbols("aˈɪ") == ["AA", "IH"]


@pytest.mark.parametrize(("text", "phone"), [("ɚ", "ER"), ("ɜː", "ER"), ("ɝ", "ER"), ("ɜːɹ", "ER")])
def test_r_coloured_vowels(text: str, phone: str) -> None:
    assert symbols(text) == [phone]


@pytest.mark.parametrize(("text", "expected"), [("n̩", ["N"]), ("l̩", ["L"]), ("bˈʌʔn̩", ["B", "AH", "N"])])
def test_syllabic_consonants_and_glottal_stops(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("tʃ", ["CH"]), ("t͡ʃ", ["CH"]), ("ʤ", ["JH"]), ("d͡ʒ", ["JH"]), ("pf", ["P", "F"]), ("ts", ["T", "S"])],
)
def test_affricates_with_and_without_tie_bars(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("y", ["UW"]), ("ø", ["OW"]), ("œ", ["AO"]), ("ç", ["HH"]), ("x", ["HH"]), ("ɲ", ["N", "Y"])],
)
def test_sounds_outside_english_map_to_the_nearest_mouth_class(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


def test_nasal_vowels_fall_back_to_their_base_vowel() -> None:
    assert symbols("bˈɔ̃ vˈɛ̃") == ["B", "AO", "V", "EH"]


def test_unknown_combination_falls_back_per_character() -> None:
    assert symbols("oe") == ["OW", "EY"]
    assert symbols("ʃ☃s") == ["SH", "S"]


def test_language_overrides() -> None:
    assert symbols("wˈɔːɾɚ", "en-us") == ["W", "AO", "T", "ER"]
    assert symbols("pˈeɾo", "es") == ["P", "EY", "R", "OW"]


def test_segments_cover_every_character_once() -> None:
    text = "ˈyːbɐ pfˈeːɾdə, t͡ʃˈɜːtʃ ☃"
    segments = ipa.parse(text)
    assert segments[0].first == 0
    assert segments[-1].last == len(text)
    assert all(a.last == b.first for a, b in itertools.pairwise(segments))
    assert "".join(segment.text for segment in segments) == text


def test_table_holds_only_known_phones() -> None:
    for language in ("", "en", "de"):
        for phones in ipa.table(language).values():
            assert set(phones) <= PHONE_SYMBOLS - {SILENCE}

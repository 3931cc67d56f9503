"""Grapheme-to-phoneme through espeak: known words, any language, never empty for letters."""

from __future__ import annotations

import time

import pytest

from mundwerk.core.errors import UnknownChoiceError
from mundwerk.core.phones import PHONE_SYMBOLS, SILENCE
from mundwerk.speech.g2p import phonemize_text, pronounce


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("hello", "en", ("HH", "AH", "L", "OW")),
        ("bob", "en", ("B", "AA", "B")),
        ("water", "en", ("W", "AO", "T", "ER")),
        ("Über", "de", ("UW", "B", "ER")),
    ],
)
def test_known_words(word: str, language: str, expected: tuple[str, ...]) -> None:
    assert pronounce(word, language) == expected


def test_mundwerk_is_plausible() -> None:
    phones = pronounce("mundwerk")
    assert phones[0] == "M"
    assert phones[-1] == "K"
    assert {"N", "D", "W"} <= set(phones)


@pytest.mark.parametrize("word", ["xyzzy", "qwrtp", "zzz", "Straße", "ｘ", "привет", "Ångström", "x-ray"])
def test_words_with_letters_are_never_empty(word: str) -> None:
    phones = pronounce(word)
    assert phones
    assert set(phones) <= PHONE_SYMBOLS - {SILENCE}


@pytest.mark.parametrize("text", ["", "   ", "!?", "—"])
def test_no_letters_no_phones(text: str) -> None:
    assert pronounce(text) == ()


def test_phonemize_text_gives_each_word() -> None:
    words = phonemize_text("Hello, world! It's Bob.")
    assert [word for word, _ in words] == ["Hello", "world", "It's", "Bob"]
    assert words[0][1] == ("HH", "AH", "L", "OW")
    assert words[3][1] == ("B", "AA", "B")


def test_unknown_language_lists_choices() -> None:
    with pytest.raises(UnknownChoiceError, match="en-us"):
        pronounce("hello", "xx-nowhere")


def test_fast_enough_for_an_aligner() -> None:
    words = [f"zorbel{index}ix" for index in range(300)]
    started = time.perf_counter()
    for word in words:
        assert pronounce(word)
    assert time.perf_counter() - started < 3.0

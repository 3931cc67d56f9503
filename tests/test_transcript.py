"""Transcripts normalised into dictionary words."""

from __future__ import annotations

import pytest

from mundwerk.speech.transcript import spell_number, spell_ordinal, transcript_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Go forward 10 meters.", "go forward ten meters"),
        ("Don't STOP—John’s car!", "don't stop john's car"),
        ("'Quoted,' she said; (twice)", "quoted she said twice"),
        ("cold-hearted rock-n-roll", "cold hearted rock n roll"),
        ("1,000 people, 3.5 km", "one thousand people three point five km"),
        ("the 21st of May 2024", "the twenty first of may two thousand twenty four"),
        ("mp3 7x", "mp three seven x"),
        ("Café Ünïcode", "café ünïcode"),
        ("... !!! --", ""),
        ("", ""),
    ],
)
def test_transcript_words(text: str, words: str) -> None:
    assert transcript_words(text) == tuple(words.split())


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (99, "ninety nine"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (1_000_000, "one million"),
        (2_050_017, "two million fifty thousand seventeen"),
        (-5, "minus five"),
        (10**15 + 2, "one " + "zero " * 14 + "two"),
    ],
)
def test_spell_number(number: int, spoken: str) -> None:
    assert spell_number(number) == spoken.strip()


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (12, "twelfth"),
        (20, "twentieth"),
        (105, "one hundred fifth"),
    ],
)
def test_spell_ordinal(number: int, spoken: str) -> None:
    assert spell_ordinal(number) == spoken

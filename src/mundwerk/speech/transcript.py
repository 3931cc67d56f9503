"""Transcripts as words: lowercase, numbers spelled out in English, punctuation gone.

Apostrophes inside words stay (``don't``, ``john's``); curly ones become straight.
Hyphens, dashes and every other punctuation mark separate words. Digits are read as
English cardinals (``10`` → ``ten``, ``1,000`` → ``one thousand``), ordinals with their
suffix (``2nd`` → ``second``), decimals digit by digit (``3.5`` → ``three point five``).
"""

from __future__ import annotations

import re

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_MAX_SPELLED = 10**15

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# A number (with optional thousands commas and decimals, optional ordinal suffix) or a word.
_TOKEN = re.compile(
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<ordinal>st|nd|rd|th)?(?![^\W_])"
    r"|(?P<digits>\d+)"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)"
)


def transcript_words(text: str) -> tuple[str, ...]:
    """The words of ``text``, normalised for a pronouncing dictionary."""
    words: list[str] = []
    for match in _TOKEN.finditer(text.translate(_APOSTROPHES).lower()):
        if match["word"]:
            words.append(match["word"])
        elif match["number"]:
            words.extend(_number_words(match["number"], ordinal=bool(match["ordinal"])))
        else:
            words.extend(_number_words(match["digits"], ordinal=False))
    return tuple(words)


def spell_number(number: int) -> str:
    """An English cardinal: ``21`` → ``twenty one``; huge numbers digit by digit."""
    if number < 0:
        return "minus " + spell_number(-number)
    if number >= _MAX_SPELLED:
        return " ".join(_ONES[int(digit)] for digit in str(number))
    return " ".join(_cardinal(number))


def spell_ordinal(number: int) -> str:
    """An English ordinal: ``2`` → ``second``, ``21`` → ``twenty first``."""
    *head, last = spell_number(number).split()
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _number_words(text: str, *, ordinal: bool) -> list[str]:
    whole, _, fraction = text.replace(",", "").partition(".")
    spoken = spell_ordinal(int(whole)) if ordinal and not fraction else spell_number(int(whole))
    words = spoken.split()
    if fraction:
        words.append("point")
        words.extend(_ONES[int(digit)] for digit in fraction)
    return words


def _cardinal(number: int) -> list[str]:
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [_ONES[hundreds], "hundred"] + (_cardinal(rest) if rest else [])
    for scale, name in _SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return [*_cardinal(high), name] + (_cardinal(rest) if rest else [])
    raise AssertionError(number)  # unreachable: every number >= 1000 has a scale

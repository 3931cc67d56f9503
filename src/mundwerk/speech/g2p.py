"""Grapheme-to-phoneme: ARPAbet for any word in any espeak language.

espeak's own rules and dictionaries give the IPA (``espeak_TextToPhonemes``);
:mod:`mundwerk.speech.ipa` maps it onto ARPAbet. A word with letters never comes back
empty: what espeak cannot say is spelled letter by letter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from mundwerk.speech import espeak_lib, ipa
from mundwerk.speech.espeak import resolve_voice, voice_language

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
#: The vowel a letter without a table entry sounds as, so no word ends up silent.
_FALLBACK = ("AH",)


def pronounce(word: str, language: str = "en") -> tuple[str, ...]:
    """ARPAbet symbols for ``word`` (no stress, no ``SIL``); non-empty if it has a letter."""
    return _pronounce(unicodedata.normalize("NFKC", word).strip(), resolve_voice(language))


def phonemize_text(text: str, language: str = "en") -> list[tuple[str, tuple[str, ...]]]:
    """Each word of ``text`` with its ARPAbet symbols."""
    voice = resolve_voice(language)
    words = _WORD.findall(unicodedata.normalize("NFKC", text))
    return [(word, _pronounce(word, voice)) for word in words]


@lru_cache(maxsize=65_536)
def _pronounce(word: str, voice: str) -> tuple[str, ...]:
    if not any(char.isalnum() for char in word):
        return ()
    with espeak_lib.LOCK:
        espeak_lib.set_voice(voice)
        phonemes = espeak_lib.text_to_phonemes(word)
    symbols = ipa.arpabet_symbols(phonemes, voice_language(voice))
    if symbols or not any(char.isalpha() for char in word):
        return symbols
    return spell(word)


def spell(word: str) -> tuple[str, ...]:
    """Letter-by-letter phones: each letter as the IPA symbol it looks like."""
    symbols: list[str] = []
    for char in word.lower():
        if char.isalpha():
            base = unicodedata.normalize("NFD", char)[:1]
            symbols.extend(ipa.arpabet_symbols(base) or _FALLBACK)
    return tuple(symbols)

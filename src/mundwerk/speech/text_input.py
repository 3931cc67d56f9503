"""Text to be spoken: cleaned of markup and control characters, checked, cut into sentences.

Markup is stripped, not read out: ``<speak>Hello <break time="1s"/> world</speak>`` is spoken
as "Hello, world" (a break becomes a comma's pause). Control characters become spaces.
``[[`` and ``]]`` lose one bracket, so user text never switches an engine to phoneme input.
Letters of a script the voice's language is not written in (Chinese for an English voice)
are refused rather than spelled out as "Chinese letter".
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from mundwerk.core.errors import UsageError

#: Longest piece of text synthesised at once; longer sentences are cut at spaces.
MAX_SENTENCE_CHARS = 400

_BREAK = re.compile(r"<\s*break\b[^<>]*>", re.IGNORECASE)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?\s*>")
_SENTENCE_END = re.compile(r"(?<=[.!?;:。！？])\s+|\n\s*\n")

#: Scripts (first word of the Unicode character name) → the languages written in them.
#: Latin and scripts not listed are left to the voice.
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "CJK": frozenset({"cmn", "yue", "zh", "hak", "nan", "ja"}),
    "HIRAGANA": frozenset({"ja"}),
    "KATAKANA": frozenset({"ja"}),
    "HANGUL": frozenset({"ko"}),
    "CYRILLIC": frozenset({"ru", "uk", "bg", "mk", "sr", "be", "kk", "ky", "tt", "ba", "cv", "mn", "cu"}),
    "GREEK": frozenset({"el", "grc"}),
    "ARABIC": frozenset({"ar", "fa", "ur", "ug", "ps", "sd", "ku"}),
    "HEBREW": frozenset({"he", "yi"}),
    "DEVANAGARI": frozenset({"hi", "mr", "ne", "sa", "kok", "mai", "bh"}),
    "BENGALI": frozenset({"bn", "as", "bpy"}),
    "GURMUKHI": frozenset({"pa"}),
    "GUJARATI": frozenset({"gu"}),
    "ORIYA": frozenset({"or"}),
    "TAMIL": frozenset({"ta"}),
    "TELUGU": frozenset({"te"}),
    "KANNADA": frozenset({"kn"}),
    "MALAYALAM": frozenset({"ml"}),
    "SINHALA": frozenset({"si"}),
    "THAI": frozenset({"th"}),
    "GEORGIAN": frozenset({"ka"}),
    "ARMENIAN": frozenset({"hy"}),
    "ETHIOPIC": frozenset({"am"}),
    "MYANMAR": frozenset({"my"}),
}


class UnreadableTextError(UsageError):
    """Text the chosen voice cannot read (exit code 2: choose another voice)."""


def clean_text(text: str) -> str:
    """``text`` without markup, control characters or phoneme brackets; never empty-checked."""
    text = _BREAK.sub(", ", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = "".join(" " if _is_control(char) else char for char in text)
    return text.replace("[[", "[").replace("]]", "]")


def _is_control(char: str) -> bool:
    return char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")


def require_words(text: str) -> None:
    """Raise unless ``text`` has something to say (a letter or digit)."""
    if not any(char.isalnum() for char in text):
        raise UsageError("no text to speak")


def check_script(text: str, language: str, voice: str) -> None:
    """Raise :class:`UnreadableTextError` if ``text`` has letters ``language`` is not written in."""
    codes = {language.lower(), language.lower().split("-")[0]}
    for char in dict.fromkeys(char for char in text if char.isalpha()):
        script = unicodedata.name(char, "").split(" ", 1)[0]
        readers = SCRIPT_LANGUAGES.get(script)
        if readers is not None and not codes & readers:
            raise UnreadableTextError(
                f"voice {voice!r} ({language}) cannot read {script} letters such as {char!r}; "
                f"choose a voice for them (e.g. --voice {sorted(readers)[0]}; see `mundwerk voices`)"
            )


def sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[str]:
    """The sentences of ``text`` with something to say, none longer than ``max_chars``."""
    for sentence in _SENTENCE_END.split(text):
        for piece in _cut(" ".join(sentence.split()), max_chars):
            if any(char.isalnum() for char in piece):
                yield piece


def _cut(sentence: str, max_chars: int) -> Iterator[str]:
    """``sentence`` in pieces of at most ``max_chars``, cut at the last space before the limit."""
    while len(sentence) > max_chars:
        cut = sentence.rfind(" ", 0, max_chars + 1)
        cut = cut if cut > 0 else max_chars
        yield sentence[:cut]
        sentence = sentence[cut:].lstrip()
    yield sentence

"""Recognizer names → implementations; the one place a name is looked up, and where the
language decides which recognizer runs by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.speech.base import Recognizer


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where a recognizer lives; ``english_only`` ones take no language in ``load()``."""

    module: str
    cls: str
    english_only: bool


# name → entry; each class has a ``load()`` classmethod doing the heavy I/O.
_RECOGNIZERS: dict[str, _Entry] = {
    "pocketsphinx": _Entry("mundwerk.speech.pocketsphinx", "PocketSphinxRecognizer", english_only=True),
    "phonetic": _Entry("mundwerk.speech.multilingual", "PhoneticAligner", english_only=False),
}

RECOGNIZER_NAMES = tuple(_RECOGNIZERS)
#: Used when no recognizer is named: the first for English, the second for every other language.
DEFAULT_ENGLISH = "pocketsphinx"
DEFAULT_OTHER = "phonetic"


def canonical_recognizer_name(name: str) -> str:
    """The registry key for ``name``, accepting Rhubarb's spelling (``pocketSphinx``)."""
    key = name.lower()
    if key not in _RECOGNIZERS:
        raise UnknownChoiceError("recognizer", name, RECOGNIZER_NAMES)
    return key


def language_code(language: str) -> str:
    """espeak's main code for ``language`` (``en`` → ``en-us``); unknown ones list valid codes."""
    from mundwerk.speech.espeak import resolve_voice, voice_language

    try:
        return voice_language(resolve_voice(language))
    except UnknownChoiceError as error:
        raise UnknownChoiceError("language", language, error.choices) from error


def is_english(language: str) -> bool:
    return language_code(language).split("-")[0] == "en"


def recognizer_for(name: str | None, language: str = "en") -> str:
    """The recognizer to use for ``language``: ``name`` if given and able, else the default."""
    english = is_english(language)
    if name is None:
        return DEFAULT_ENGLISH if english else DEFAULT_OTHER
    key = canonical_recognizer_name(name)
    if _RECOGNIZERS[key].english_only and not english:
        raise UsageError(
            f"recognizer {key!r} is English-only, not for language {language!r}; use {DEFAULT_OTHER!r}"
        )
    return key


def load_recognizer(name: str, language: str = "en") -> Recognizer:
    """Load the recognizer called ``name`` for ``language`` (models load here, once)."""
    key = recognizer_for(name, language)
    entry = _RECOGNIZERS[key]
    load: Callable[..., Recognizer] = getattr(import_module(entry.module), entry.cls).load
    return load() if entry.english_only else load(language=language)

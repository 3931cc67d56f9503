"""Every voice of every synthesizer, and resolving an engine, voice and language choice.

This is the table the speaking front end consults; engines are picked by name only here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mundwerk.core.errors import UnknownChoiceError


@dataclass(frozen=True, slots=True)
class VoiceEntry:
    """A voice: its engine, identifier (what ``--voice`` takes), language codes, name."""

    engine: str
    identifier: str
    languages: tuple[str, ...]
    name: str


@dataclass(frozen=True, slots=True)
class ResolvedVoice:
    """The engine and voice a choice stands for, the voice's language, and how lexicon
    phones are spelled for the engine (``espeak`` mnemonics or ``ipa``)."""

    engine: str
    voice: str
    language: str
    spelling: str


def _espeak_voices() -> tuple[VoiceEntry, ...]:
    from mundwerk.speech.espeak import list_voices

    return tuple(VoiceEntry("espeak", v.identifier, v.languages, v.name) for v in list_voices())


def _piper_voices() -> tuple[VoiceEntry, ...]:
    from mundwerk.speech.piper import LANGUAGES, VOICES

    return tuple(VoiceEntry("piper", voice, LANGUAGES[1:], f"{voice} (en_US)") for voice in VOICES)


def _espeak_resolve(voice: str | None, language: str | None) -> ResolvedVoice:
    from mundwerk.speech.espeak import DEFAULT_VOICE, resolve_voice, voice_language

    if voice is not None:
        identifier = resolve_voice(voice)
    else:
        identifier = resolve_voice(language, "language") if language else resolve_voice(DEFAULT_VOICE)
    return ResolvedVoice("espeak", identifier, voice_language(identifier), "espeak")


def _piper_resolve(voice: str | None, language: str | None) -> ResolvedVoice:
    from mundwerk.speech.piper import LANGUAGES, VOICES

    if voice is not None and voice.lower() not in VOICES:
        raise UnknownChoiceError("piper voice", voice, VOICES)
    if language is not None and language.lower().replace("_", "-") not in LANGUAGES:
        raise UnknownChoiceError("piper language", language, LANGUAGES)
    return ResolvedVoice("piper", VOICES[0], LANGUAGES[1], "ipa")


_ENGINES: dict[str, tuple[Callable[[], tuple[VoiceEntry, ...]], Callable[..., ResolvedVoice]]] = {
    "espeak": (_espeak_voices, _espeak_resolve),
    "piper": (_piper_voices, _piper_resolve),
}


def canonical_engine(name: str) -> str:
    key = name.strip().lower()
    if key not in _ENGINES:
        raise UnknownChoiceError("engine", name, _ENGINES)
    return key


def resolve(engine: str, voice: str | None = None, language: str | None = None) -> ResolvedVoice:
    """The voice ``engine`` uses for ``voice`` or else ``language`` (unknown ones raise)."""
    return _ENGINES[canonical_engine(engine)][1](voice, language)


def list_voices(engine: str | None = None, language: str | None = None) -> tuple[VoiceEntry, ...]:
    """Voices of ``engine`` (all engines if None) speaking ``language`` (a code or its prefix:
    ``en`` matches ``en-us`` and ``en-gb``)."""
    engines = [canonical_engine(engine)] if engine is not None else list(_ENGINES)
    voices = [voice for name in engines for voice in _ENGINES[name][0]()]
    if language is None:
        return tuple(voices)
    wanted = language.strip().lower().replace("_", "-")
    return tuple(v for v in voices if any(_matches(code, wanted) for code in v.languages))


def _matches(code: str, wanted: str) -> bool:
    code = code.lower()
    return code == wanted or code.startswith(wanted + "-")

"""The espeak synthesizer: libespeak-ng's phoneme events give each phone's exact sample."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import UnknownChoiceError
from mundwerk.speech import espeak_lib, ipa
from mundwerk.speech.espeak_lib import Event, VoiceInfo
from mundwerk.speech.synthesizer import DEFAULT_OPTIONS, Piece, Synthesis, SynthesisOptions, assemble

DEFAULT_VOICE = "en-us"
NORMAL_RATE_WPM = 175
MIN_RATE_WPM = 80
MAX_RATE_WPM = 450
#: Plain "en" means American English, as in the CMU dictionary.
_ALIASES = {"en": "en-us", "english": "en-us", "german": "de", "french": "fr-fr", "spanish": "es"}
#: Shown when a voice is unknown, besides the closest matches.
_POPULAR = ("de", "en-gb", "en-us", "es", "fr", "it", "pt", "ru", "cmn", "ja")


def list_voices() -> tuple[VoiceInfo, ...]:
    """Every espeak voice: identifier (``gmw/en-US``), name, language codes."""
    return espeak_lib.list_voices()


@cache
def _voice_keys() -> dict[str, str]:
    """Lower-case identifier, file name, display name and language code → identifier."""
    keys: dict[str, str] = {}
    for voice in list_voices():
        for name in (voice.identifier, voice.identifier.rsplit("/", 1)[-1], voice.name):
            keys.setdefault(name.lower(), voice.identifier)
    for voice in list_voices():
        for code in voice.languages:
            keys.setdefault(code, voice.identifier)
    for alias, name in _ALIASES.items():
        keys[alias] = keys[name]
    return keys


def resolve_voice(name: str, kind: str = "voice") -> str:
    """The identifier of the voice called ``name`` (identifier, name or language code);
    ``kind`` names what the user gave in the error for an unknown one."""
    identifier = _voice_keys().get(name.strip().lower().replace("_", "-"))
    if identifier is None:
        codes = sorted({code for voice in list_voices() for code in voice.languages})
        close = difflib.get_close_matches(name.lower(), codes, n=5, cutoff=0.5)
        choices = [*dict.fromkeys([*close, *_POPULAR])][:10]
        raise UnknownChoiceError(kind, name, [*choices, "… (all: `mundwerk voices`)"])
    return identifier


@cache
def voice_language(identifier: str) -> str:
    """The main language code of the voice ``identifier`` (``gmw/en-US`` → ``en-us``)."""
    for voice in list_voices():
        if voice.identifier == identifier and voice.languages:
            return voice.languages[0]
    return identifier.rsplit("/", 1)[-1].lower()


def rate_wpm(options: SynthesisOptions) -> int:
    """Words per minute for ``options``, within what espeak accepts."""
    wanted = options.rate_wpm or round(NORMAL_RATE_WPM * options.speed)
    return max(MIN_RATE_WPM, min(MAX_RATE_WPM, wanted))


@dataclass(frozen=True, slots=True)
class EspeakSynthesizer:
    """libespeak-ng from espeakng-loader; every voice and language it ships."""

    sample_rate_hz: int

    @classmethod
    def load(cls) -> EspeakSynthesizer:
        return cls(espeak_lib.sample_rate_hz())

    def synthesize(self, text: str, options: SynthesisOptions = DEFAULT_OPTIONS) -> Synthesis:
        """Speak ``text``; phones come from espeak's phoneme events (exact sample positions)."""
        voice = resolve_voice(options.voice or options.language or DEFAULT_VOICE)
        with espeak_lib.LOCK:
            espeak_lib.set_voice(voice)
            espeak_lib.set_parameter(espeak_lib.PARAM_RATE, rate_wpm(options))
            espeak_lib.set_parameter(espeak_lib.PARAM_PITCH, 50 if options.pitch is None else options.pitch)
            pcm, events = espeak_lib.synthesize(text)
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        native = Audio(samples, self.sample_rate_hz)
        pieces = pieces_from_events(events, len(samples), voice_language(voice))
        return assemble(native, pieces, word_texts(text, events), voice)


def pieces_from_events(events: Sequence[Event], total_samples: int, language: str = "") -> list[Piece]:
    """Each phoneme event sounds until the next one.

    An event without a name is a pause, unless it sits inside one word (espeak has a few
    phonemes without IPA, such as the hiatus in Spanish "días"): then it joins the phone before.
    """
    phonemes: list[tuple[Event, int | None]] = []
    word: int | None = None
    words_seen = 0
    for event in events:
        if event.kind == espeak_lib.EVENT_WORD:
            word, words_seen = words_seen, words_seen + 1
        elif event.kind == espeak_lib.EVENT_PHONEME:
            phonemes.append((event, word))
    ends = [event.sample for event, _ in phonemes[1:]] + [total_samples]
    pieces: list[Piece] = []
    for index, ((event, word), end) in enumerate(zip(phonemes, ends, strict=True)):
        named = bool(event.name.strip())
        pause = not named and not _inside_word(phonemes, index)
        pieces.append(
            Piece(event.sample, end, ipa.to_arpabet(event.name, language), pause, word if named else None)
        )
    return pieces


def _inside_word(phonemes: Sequence[tuple[Event, int | None]], index: int) -> bool:
    """True if the nearest named phonemes before and after ``index`` are of its own word."""
    position = phonemes[index][0].text_position
    before = _nearest_named(phonemes, range(index - 1, -1, -1))
    after = _nearest_named(phonemes, range(index + 1, len(phonemes)))
    return before == position == after


def _nearest_named(phonemes: Sequence[tuple[Event, int | None]], indices: range) -> int | None:
    """The text position of the first phoneme with a name among ``indices``."""
    for index in indices:
        event = phonemes[index][0]
        if event.name.strip():
            return event.text_position
    return None


def word_texts(text: str, events: Sequence[Event]) -> list[str]:
    """The text of each word event (espeak counts characters from 1)."""
    return [
        text[event.text_position - 1 : event.text_position - 1 + event.length]
        for event in events
        if event.kind == espeak_lib.EVENT_WORD
    ]

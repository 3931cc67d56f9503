"""Text in (issue 3): synthesis speed per engine, and ``speak`` → cues against the engine's own timing.

Speed: one engine loaded once (load time apart), one warm-up sentence, then a few sentences
timed; real-time factor = synthesis time / audio duration.

``speak`` → cues: a ``mundwerk.Speaker`` (what ``mundwerk.speak(...)`` runs) whose engine is
wrapped so that every synthesis it returns is kept. The engine's phones, each sentence
shifted by the audio before it, are compared with the phones the cues were made from
(the largest boundary difference in ms; 0 is right), and the cues with the cues animated
straight from the engine's phones (identical is right). Piper samples noise, so its timing
differs from call to call: the comparison must use the very synthesis ``speak`` used.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench import sentences, sentences_de
from mundwerk.core.phones import Alignment, Phone
from mundwerk.mouth.animate import MouthOptions, animate
from mundwerk.speaking import Speaker, SpeakOptions
from mundwerk.speech.synthesizer import Synthesis, SynthesisOptions, Synthesizer, get_synthesizer

ENGLISH = sentences.SENTENCES[:4]
GERMAN = sentences_de.SENTENCES[:4]
#: (engine, voice or None for the default, texts)
SPEED_RUNS = (("espeak", "en-us", ENGLISH), ("espeak", "de", GERMAN), ("piper", None, ENGLISH))
SPEAK_RUNS = (
    ("espeak", "en-us", " ".join(ENGLISH[:3])),
    ("espeak", "de", " ".join(GERMAN[:3])),
    ("piper", None, " ".join(ENGLISH[:3])),
)


@dataclass(frozen=True, slots=True)
class SynthesisSpeed:
    engine: str
    voice: str
    sentences: int
    audio_seconds: float
    seconds: float
    load_seconds: float

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else float("nan")


def synthesis_speed(engine: str, voice: str | None, texts: Sequence[str]) -> SynthesisSpeed:
    """Time ``texts`` through the engine (after one untimed warm-up)."""
    start = time.perf_counter()
    synthesizer = get_synthesizer(engine)
    load_seconds = time.perf_counter() - start
    options = SynthesisOptions(voice=voice)
    used = synthesizer.synthesize(texts[0], options).voice
    audio_ms = 0
    start = time.perf_counter()
    for text in texts:
        audio_ms += synthesizer.synthesize(text, options).audio.duration_ms
    seconds = time.perf_counter() - start
    return SynthesisSpeed(engine, voice or used, len(texts), audio_ms / 1000, seconds, load_seconds)


@dataclass(eq=False)
class _Recording:
    """A synthesizer that keeps every synthesis it returns."""

    inner: Synthesizer
    kept: list[Synthesis] = field(default_factory=list)

    def synthesize(self, text: str, options: SynthesisOptions) -> Synthesis:
        result = self.inner.synthesize(text, options)
        self.kept.append(result)
        return result


@dataclass(frozen=True, slots=True)
class SpeakTiming:
    engine: str
    voice: str
    sentences: int
    phones: int
    max_boundary_difference_ms: int | None  # None: the phone sequences differ
    cues_identical: bool


def speak_timing(engine: str, voice: str | None, text: str) -> SpeakTiming:
    """``Speaker.speak(text)``'s phones and cues against the engine's own events."""
    speaker = Speaker.load(SpeakOptions(engine=engine, voice=voice))
    recording = _Recording(speaker.synthesizer)
    speaker.synthesizer = recording
    speech = speaker.speak(text)
    expected = _engine_phones(recording.kept)
    got = [(p.symbol, p.start_ms, p.end_ms) for p in speech.analysis.alignment.phones]
    difference = None
    if [symbol for symbol, *_ in got] == [symbol for symbol, *_ in expected]:
        difference = max(
            (max(abs(a[1] - b[1]), abs(a[2] - b[2])) for a, b in zip(got, expected, strict=True)), default=0
        )
    analysis = speech.analysis
    alignment = Alignment(
        analysis.alignment.words, tuple(Phone(*item) for item in expected), analysis.duration_ms
    )
    mouth = MouthOptions(extended_shapes=speaker.options.extended_shapes)
    cues = animate(alignment, analysis.duration_ms, mouth)
    return SpeakTiming(
        engine,
        speaker.voice,
        len(recording.kept),
        len(expected),
        difference,
        list(cues) == list(analysis.cues),
    )


def _engine_phones(syntheses: Sequence[Synthesis]) -> list[tuple[str, int, int]]:
    """The engines' phones, each synthesis shifted by the audio before it; adjacent pauses joined."""
    phones: list[tuple[str, int, int]] = []
    offset = 0
    for synthesis in syntheses:
        for phone in synthesis.phones:
            item = (phone.symbol, phone.start_ms + offset, phone.end_ms + offset)
            if phones and item[0] == "SIL" and phones[-1][0] == "SIL":
                phones[-1] = ("SIL", phones[-1][1], item[2])
            else:
                phones.append(item)
        offset += synthesis.audio.duration_ms
    return phones


def run_all() -> tuple[list[SynthesisSpeed], list[SpeakTiming]]:
    speeds = [synthesis_speed(engine, voice, texts) for engine, voice, texts in SPEED_RUNS]
    timings = [speak_timing(engine, voice, text) for engine, voice, text in SPEAK_RUNS]
    return speeds, timings

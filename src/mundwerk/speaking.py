"""Text in, speech and mouth cues out: ``mundwerk.speak(...)`` and the reusable ``Speaker``.

The cues come from the synthesizer's own phone timing, never from recognition. Text is
spoken sentence by sentence; each sentence's phones are shifted by the length of what came
before, so a long text streams to a WAV file in bounded memory (only phones are kept).
The millisecond timeline is the reference: each sentence's audio is cut or padded (in its
trailing silence) so that it ends on the sample its last phone ends on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.audio.write import WavWriter
from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.constants import SAMPLES_PER_MS
from mundwerk.core.phones import Alignment, Phone, Word
from mundwerk.core.shapes import EXTENDED_SHAPES, MouthShape
from mundwerk.mouth.animate import MouthOptions, animate
from mundwerk.speech.lexicon import EMPTY, Lexicon, Substitution, load_lexicon, substitute
from mundwerk.speech.synthesizer import Synthesis, SynthesisOptions, Synthesizer, get_synthesizer
from mundwerk.speech.text_input import check_script, clean_text, require_words, sentences
from mundwerk.speech.voices import resolve

if TYPE_CHECKING:
    from mundwerk.signing import Sign

#: Called with the share of the work done, 0.0 to 1.0.
Progress = Callable[[float], None]
Samples = npt.NDArray[np.float32]


def _no_progress(_: float) -> None:
    pass


@dataclass(frozen=True, slots=True)
class SpeakOptions:
    """What to speak with: engine, voice or language, pace, and the mouth shapes allowed."""

    engine: str = "espeak"
    voice: str | None = None
    language: str | None = None
    speed: float = 1.0
    extended_shapes: frozenset[MouthShape] = EXTENDED_SHAPES


@dataclass(frozen=True, slots=True, eq=False)
class Speech:
    """Spoken text: the synthesis (audio, phones, words) and its analysis (cues)."""

    synthesis: Synthesis
    analysis: Analysis


@dataclass(eq=False)
class Speaker:
    """One loaded synthesizer with a resolved voice and a lexicon; speaks any number of texts."""

    options: SpeakOptions
    synthesizer: Synthesizer
    voice: str
    language: str
    spelling: str
    lexicon: Lexicon = EMPTY

    @classmethod
    def load(
        cls, options: SpeakOptions | None = None, lexicon: Lexicon | str | Path | None = None
    ) -> Speaker:
        """Check the engine and voice (unknown ones raise, listing valid ones), load the engine."""
        options = options or SpeakOptions()
        engine = resolve(options.engine, options.voice, options.language)
        SynthesisOptions(speed=options.speed)  # validates the speed before the engine loads
        if lexicon is not None and not isinstance(lexicon, Lexicon):
            lexicon = load_lexicon(lexicon)
        synthesizer = get_synthesizer(engine.engine)
        resolved = replace(options, engine=engine.engine)
        return cls(resolved, synthesizer, engine.voice, engine.language, engine.spelling, lexicon or EMPTY)

    def speak(self, text: str, progress: Progress = _no_progress) -> Speech:
        """Speak ``text`` in memory: the whole audio and its cues."""
        natives: list[Samples] = []
        audios: list[Samples] = []
        rate: list[int] = []

        def keep(synthesis: Synthesis, native: Samples) -> None:
            natives.append(native)
            audios.append(_fit(synthesis.audio.samples, synthesis.audio.duration_ms * SAMPLES_PER_MS))
            rate[:] = [synthesis.native_audio.sample_rate_hz]

        timeline = self._run(text, keep, progress)
        analysis = self._analysis(timeline, "")
        synthesis = Synthesis(
            Audio(np.concatenate(audios)),
            analysis.alignment.phones,
            analysis.alignment.words,
            Audio(np.concatenate(natives), rate[0]),
            self.voice,
        )
        return Speech(timeline.single or synthesis, analysis)

    def speak_to_file(
        self,
        text: str,
        wav_path: str | Path,
        before_commit: Callable[[Analysis], None] | None = None,
        progress: Progress = _no_progress,
        sign: Sign = True,
    ) -> Analysis:
        """Speak ``text`` into a 16-bit WAV at the engine's rate, sentence by sentence.

        ``before_commit`` (writing cue files, say) runs before the WAV is renamed into
        place; if anything fails, no WAV is left. ``sign``: content credentials, as in
        ``mundwerk.signing`` (True: the local keys).
        """
        from mundwerk.signing import resolve_keys, sign_output, text_ingredient

        keys = resolve_keys(sign)
        sink = _WavSink(Path(wav_path))
        try:
            analysis = self._analysis(self._run(text, sink.append, progress), str(wav_path))
            if before_commit is not None:
                before_commit(analysis)
        except BaseException:
            sink.discard()
            raise
        sink.close()
        sign_output(wav_path, keys, inputs=[text_ingredient("text", text)], watermarked=False)
        return analysis

    def _run(self, text: str, sink: Callable[[Synthesis, Samples], None], progress: Progress) -> _Timeline:
        text = self._prepare(text)
        timeline = _Timeline()
        done = 0
        for sentence in sentences(text):
            synthesis = self._synthesize(sentence)
            timeline.add(synthesis)
            native = synthesis.native_audio
            end = round(timeline.duration_ms * native.sample_rate_hz / 1000)
            sink(synthesis, _fit(native.samples, end - timeline.native_samples))
            timeline.native_samples = end
            done += len(sentence)
            progress(min(done / len(text), 1.0))
        return timeline

    def _prepare(self, text: str) -> str:
        text = clean_text(text)
        require_words(text)
        check_script(text, self.language, self.voice)
        return text

    def _synthesize(self, sentence: str) -> Synthesis:
        spoken, substitutions = substitute(sentence, self.lexicon, self.spelling)
        options = SynthesisOptions(voice=self.voice, speed=self.options.speed)
        synthesis = self.synthesizer.synthesize(spoken, options)
        return replace(synthesis, words=_renamed(synthesis.words, substitutions))

    def _analysis(self, timeline: _Timeline, source_name: str) -> Analysis:
        alignment = Alignment(tuple(timeline.words), tuple(timeline.phones), timeline.duration_ms)
        mouth = MouthOptions(extended_shapes=self.options.extended_shapes)
        options = AnalysisOptions(
            recognizer=f"{self.options.engine} (synthesis)",
            extended_shapes=self.options.extended_shapes,
            language=self.language,
            has_transcript=True,
        )
        cues = animate(alignment, timeline.duration_ms, mouth)
        return Analysis(source_name, timeline.duration_ms, alignment, cues, options)


@dataclass(slots=True)
class _Timeline:
    """Phones and words of the sentences so far, each shifted by what came before."""

    phones: list[Phone] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    duration_ms: int = 0
    native_samples: int = 0
    single: Synthesis | None = None
    count: int = 0

    def add(self, synthesis: Synthesis) -> None:
        offset = self.duration_ms
        for phone in synthesis.phones:
            self._add_phone(_shifted(phone, offset))
        self.words.extend(
            Word(w.text, w.start_ms + offset, w.end_ms + offset, tuple(_shifted(p, offset) for p in w.phones))
            for w in synthesis.words
        )
        self.duration_ms += synthesis.audio.duration_ms
        self.count += 1
        self.single = synthesis if self.count == 1 else None

    def _add_phone(self, phone: Phone) -> None:
        """Append ``phone``; a silence right after a silence lengthens it instead."""
        last = self.phones[-1] if self.phones else None
        if last is not None and last.is_silence and phone.is_silence:
            self.phones[-1] = Phone(last.symbol, last.start_ms, phone.end_ms)
        else:
            self.phones.append(phone)


def _shifted(phone: Phone, offset_ms: int) -> Phone:
    return Phone(phone.symbol, phone.start_ms + offset_ms, phone.end_ms + offset_ms, phone.stress)


def _fit(samples: Samples, length: int) -> Samples:
    """``samples`` cut or padded with silence to ``length``."""
    if len(samples) >= length:
        return samples[: max(length, 0)]
    return np.concatenate([samples, np.zeros(length - len(samples), dtype=np.float32)])


def _renamed(words: tuple[Word, ...], substitutions: tuple[Substitution, ...]) -> tuple[Word, ...]:
    """``words`` with those spoken from lexicon phones named as written, in order."""
    pending = list(substitutions)
    renamed: list[Word] = []
    for word in words:
        if pending and tuple(p.symbol for p in word.phones) == pending[0].pronunciation.symbols:
            word = replace(word, text=pending.pop(0).word)
        renamed.append(word)
    return tuple(renamed)


class _WavSink:
    """Appends each sentence's native audio to a WAV file opened at the first one's rate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: WavWriter | None = None

    def append(self, synthesis: Synthesis, native: Samples) -> None:
        if self.writer is None:
            self.writer = WavWriter(self.path, synthesis.native_audio.sample_rate_hz)
        self.writer.append(native)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.discard()


def speak(
    text: str,
    *,
    engine: str = "espeak",
    voice: str | None = None,
    language: str | None = None,
    speed: float = 1.0,
    lexicon: Lexicon | str | Path | None = None,
) -> Speech:
    """Speak ``text``: the audio, its exact phones and words, and Rhubarb mouth cues."""
    options = SpeakOptions(engine=engine, voice=voice, language=language, speed=speed)
    return Speaker.load(options, lexicon).speak(text)

"""The public Python API: ``mundwerk.analyze(...)`` and the reusable ``Analyzer``;
``mundwerk.speak(...)`` and the reusable ``Speaker`` (from :mod:`mundwerk.speaking`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain, islice
from pathlib import Path
from typing import TextIO

import numpy as np

from mundwerk.audio.decode import DEFAULT_BLOCK_MS, iter_blocks, measure_duration_ms
from mundwerk.audio.pauses import find_pauses, split_at_pauses
from mundwerk.audio.signal import Audio
from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.shapes import parse_extended_shapes
from mundwerk.core.timeline import Timed
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import get_exporter
from mundwerk.files import write_text_atomically
from mundwerk.mouth.animate import MouthOptions, animate
from mundwerk.rendering import RenderResult as RenderResult
from mundwerk.rendering import render as render
from mundwerk.speaking import Speaker as Speaker
from mundwerk.speaking import SpeakOptions as SpeakOptions
from mundwerk.speaking import Speech as Speech
from mundwerk.speaking import speak as speak
from mundwerk.speech.base import Recognizer
from mundwerk.speech.registry import load_recognizer, recognizer_for
from mundwerk.speech.silences import MIN_PAUSE_MS, impose_pauses

#: Called with the share of the work done, 0.0 to 1.0.
Progress = Callable[[float], None]


def _no_progress(_: float) -> None:
    pass


@dataclass
class Analyzer:
    """Analyses any number of inputs with one loaded recognizer (models load once)."""

    options: AnalysisOptions
    recognizer: Recognizer

    @classmethod
    def load(cls, options: AnalysisOptions | None = None) -> Analyzer:
        """Load the recognizer ``options`` name for ``options.language`` (English-only ones
        refuse other languages)."""
        options = options or AnalysisOptions()
        name = recognizer_for(options.recognizer, options.language)
        return cls(replace(options, recognizer=name), load_recognizer(name, options.language))

    def analyze(
        self,
        source: str | Path | Audio,
        transcript: str | None = None,
        progress: Progress = _no_progress,
    ) -> Analysis:
        """Words, phones and mouth cues for one input: a path (read piece by piece, cut at
        pauses, in bounded memory) or decoded ``Audio``."""
        if isinstance(source, Audio):
            duration_ms, parts = source.duration_ms, split_at_pauses(source)
        else:
            duration_ms, parts = _read(source)
        progress(0.05)
        pauses: list[Timed[None]] = []
        parts = _observed(parts, duration_ms, progress, pauses)
        alignment = self.recognizer.recognize_chunks(parts, transcript, duration_ms)
        alignment = impose_pauses(alignment, pauses)
        mouth = MouthOptions(extended_shapes=self.options.extended_shapes)
        cues = animate(alignment, duration_ms, mouth)
        progress(1.0)
        return Analysis(
            source_name="" if isinstance(source, Audio) else str(source),
            duration_ms=duration_ms,
            alignment=alignment,
            cues=cues,
            options=replace(self.options, has_transcript=transcript is not None),
        )


#: Files up to this long are decoded once and held; longer ones are measured in a first pass
#: and then streamed, so memory stays bounded.
HELD_AUDIO_MS = 60_000


def _read(path: str | Path) -> tuple[int, Iterator[tuple[int, Audio]]]:
    """The duration of the audio in ``path`` and its pause-cut parts."""
    blocks = iter_blocks(path)
    held = list(islice(blocks, HELD_AUDIO_MS // DEFAULT_BLOCK_MS + 1))
    if len(held) * DEFAULT_BLOCK_MS <= HELD_AUDIO_MS:
        audio = Audio(np.concatenate([block.samples for block in held]))
        return audio.duration_ms, split_at_pauses(audio)
    return measure_duration_ms(path), split_at_pauses(chain(held, blocks))


def _observed(
    parts: Iterable[tuple[int, Audio]], duration_ms: int, progress: Progress, pauses: list[Timed[None]]
) -> Iterator[tuple[int, Audio]]:
    """``parts`` unchanged, on their way reporting progress and collecting their pauses."""
    for start_ms, chunk in parts:
        progress(0.05 + 0.9 * start_ms / max(duration_ms, 1))
        pauses.extend(find_pauses(chunk, MIN_PAUSE_MS).shifted(start_ms))
        yield start_ms, chunk


def analyze(
    source: str | Path | Audio,
    transcript: str | None = None,
    *,
    recognizer: str | None = None,
    extended_shapes: str = "GHX",
    language: str = "en",
) -> Analysis:
    """Analyse one input: words, phones and Rhubarb mouth cues.

    ``transcript`` is the text spoken (for forced alignment), or None to recognise it.
    ``recognizer`` None picks pocketsphinx for English and phonetic for other languages.
    ``extended_shapes`` names which of Rhubarb's optional shapes G, H, X may appear.
    ``language`` is any language code espeak knows (``de``, ``fr``, ``pt-br``).
    """
    name = recognizer_for(recognizer, language)
    shapes = parse_extended_shapes(extended_shapes)
    options = AnalysisOptions(recognizer=name, extended_shapes=shapes, language=language)
    return Analyzer.load(options).analyze(source, transcript)


def write_cues(analysis: Analysis, target: str, format_name: str, options: ExportOptions) -> None:
    """Write ``analysis`` in format ``format_name`` to ``target`` (``-`` is stdout), atomically."""
    exporter = get_exporter(format_name)

    def write(stream: TextIO) -> None:
        exporter.write(analysis, stream, options)

    write_text_atomically(target, write)

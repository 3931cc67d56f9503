"""The ``phonetic`` recognizer in any language: free recognition, or alignment to a transcript.

Without a transcript it is :class:`~mundwerk.speech.phonetic.PhoneticRecognizer` (streaming,
language-independent). With one, the transcript's words get their phones from espeak's
grapheme-to-phoneme for the chosen language and are force-aligned
(:mod:`mundwerk.speech.class_align`) to the same network's frame scores: the output has
the words and their real ARPAbet phones, not just mouth classes.

The fit is the alignment's score per frame below the best class of every frame (the
"gap", in nats). A transcript far off (gap above :data:`REJECT_GAP`) is not trusted: the
free decoding of the same frames is returned, with a warning. A poorer but plausible fit (a
word missing or added, say) keeps the alignment, with a warning. Calibration: on German
espeak speech, right transcripts gap 0.04-0.33, one word left out 0.04-1.9 (median .5),
another sentence's transcript 1.07-3.4; on two real English recordings, right transcripts
gap .12 and .49. The check catches transcripts that are grossly wrong, not a swapped word:
on real speech the network's classes are too coarse for that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.audio.features import FRAME_MS, LogMelStream
from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.phones import Alignment, Phone
from mundwerk.speech.class_align import (
    AlignConfig,
    alignment_from_path,
    force_align,
    free_score_per_frame,
    plan_phones,
)
from mundwerk.speech.espeak import resolve_voice
from mundwerk.speech.g2p import phonemize_text
from mundwerk.speech.phonetic import (
    DECODER,
    PhoneticRecognizer,
    mouth_log_probs,
    segment_symbol,
)
from mundwerk.speech.phonetic_decode import ViterbiStream
from mundwerk.speech.phonetic_model import (
    FINE_CLASSES,
    FUTURE_FRAMES,
    PAST_FRAMES,
    FrameClassifier,
    pad_block,
)

DEFAULT_CONFIG = AlignConfig()
#: Per-frame score gap (nats) to the free decoding above which the fit earns a warning.
WARN_GAP = 0.6
#: Gap above which the transcript is dropped and the free decoding is used instead.
REJECT_GAP = 1.2
#: Shift of the aligned boundaries against the frame grid: none needed (on German espeak
#: speech the median boundary error is -2 ms).
OFFSET_MS = 0

FloatArray = npt.NDArray[np.float32]


def frame_log_probs(classifier: FrameClassifier, parts: Iterable[tuple[int, Audio]]) -> FloatArray:
    """The network's fine-class log-probabilities of every 10 ms frame of consecutive parts.

    Audio is consumed part by part and not kept; only the scores (11 per frame) are."""
    features = LogMelStream()
    context = pad_block(PAST_FRAMES)
    blocks: list[FloatArray] = []
    for _, audio in parts:
        context = np.concatenate([context, features.accept(at_analysis_rate(audio).samples)])
        scores = classifier.log_probs(context)
        blocks.append(scores)
        context = context[len(scores) :]
    context = np.concatenate([context, features.flush(), pad_block(FUTURE_FRAMES)])
    blocks.append(classifier.log_probs(context))
    return np.concatenate([np.zeros((0, len(FINE_CLASSES)), np.float32), *blocks])


def free_phones(fine_log_probs: FloatArray, duration_ms: int) -> tuple[Phone, ...]:
    """The phonetic recognizer's own decoding of the frames (exact Viterbi, in one block)."""
    decoder = ViterbiStream(DECODER)
    decoder.accept(mouth_log_probs(fine_log_probs), np.exp(fine_log_probs))
    decoder.finish()
    phones = []
    for segment in decoder.pop():
        start_ms = min(segment.start_frame * FRAME_MS, duration_ms)
        end_ms = duration_ms if segment.end_frame >= len(fine_log_probs) else segment.end_frame * FRAME_MS
        if min(end_ms, duration_ms) > start_ms:
            phones.append(Phone(segment_symbol(segment), start_ms, min(end_ms, duration_ms)))
    return tuple(phones)


@dataclass(frozen=True, slots=True, eq=False)
class PhoneticAligner:
    """The phonetic model plus a language for the transcript's grapheme-to-phoneme."""

    phonetic: PhoneticRecognizer
    voice: str
    config: AlignConfig = DEFAULT_CONFIG

    @classmethod
    def load(cls, language: str = "en") -> PhoneticAligner:
        """Load the model; ``language`` is any code or voice espeak knows (``de``, ``fr-fr``)."""
        return cls(PhoneticRecognizer.load(), resolve_voice(language))

    def recognize(self, audio: Audio, transcript: str | None = None) -> Alignment:
        """Words and phones of the whole audio, gap-free over ``[0, duration_ms)``."""
        return self.recognize_chunks([(0, audio)], transcript, audio.duration_ms)

    def recognize_chunks(
        self, parts: Iterable[tuple[int, Audio]], transcript: str | None, duration_ms: int
    ) -> Alignment:
        """The same for consecutive parts; without a transcript, streamed through the free decoder."""
        words = [(text, phones) for text, phones in phonemize_text(transcript or "", self.voice) if phones]
        if not words:
            result = self.phonetic.recognize_chunks(parts, None, duration_ms)
            warnings = ("the transcript has no words; recognized without it",) if transcript else ()
            return Alignment(result.words, result.phones, result.duration_ms, warnings)
        fine = frame_log_probs(self.phonetic.classifier, parts)
        return self.align(fine, words, duration_ms)

    def align(
        self, fine: FloatArray, words: list[tuple[str, tuple[str, ...]]], duration_ms: int
    ) -> Alignment:
        """``words`` aligned to the frames ``fine``, or their free decoding if they do not fit."""
        planned = plan_phones(words)
        path = force_align(fine, planned, self.config)
        gap = float("inf")
        if path is not None:
            gap = free_score_per_frame(fine, self.config.floor) - path.score_per_frame
        if path is None or gap > REJECT_GAP:
            reason = (
                "is too long for the audio" if path is None else f"does not fit the audio (gap {gap:.2f})"
            )
            warning = f"the transcript {reason}; recognized without it"
            return Alignment((), free_phones(fine, duration_ms), duration_ms, (warning,))
        aligned = alignment_from_path(path, planned, words, duration_ms, OFFSET_MS)
        if gap <= WARN_GAP:
            return aligned
        warning = f"the transcript fits the audio poorly (gap {gap:.2f}); check that it is what was said"
        return Alignment(aligned.words, aligned.phones, duration_ms, (warning,))

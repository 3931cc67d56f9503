"""mundwerk's own language-independent recognizer of mouth-relevant phone classes.

No transcript, any language: a tiny ONNX network (speech/phonetic_model.py) scores every
10 ms log-mel frame; a Viterbi decoder with minimum durations (speech/phonetic_decode.py)
turns the scores into segments of six classes (lips closed, lip on teeth, rounded vowel,
open vowel, other speech, silence). Each segment becomes one ARPAbet phone standing for
its class (``P``, ``F``, ``UW``/``OW``, ``AA``/``AE``/``AH``, ``S``/``L``/``T``, ``SIL``).

Streaming: ``create_stream()`` gives a :class:`PhoneticStream`; a phone is popped at most
:data:`MAX_DELAY_MS` (158 ms) after it ends, plus the caller's block size: 8 ms of feature
window, 60 ms of network lookahead, 80 ms of decoder lag and 10 ms to see the next phone
start. A whole file is one stream fed at once. A live caller that cannot wait that long
asks :meth:`PhoneticStream.poll_phones` for the decoder's provisional best guess as well,
which reaches the newest audio.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from mundwerk.audio.features import FRAME_MS, LogMelStream
from mundwerk.audio.signal import Audio, at_analysis_rate
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Alignment, Phone
from mundwerk.speech.phonetic_decode import DecoderConfig, Segment, ViterbiStream
from mundwerk.speech.phonetic_model import (
    FINE_CLASSES,
    FUTURE_FRAMES,
    FrameClassifier,
    mouth_members,
    pad_block,
)

DECODER = DecoderConfig(
    min_frames=(5, 3, 3, 4, 4, 3),  # SILENCE CLOSED LABIODENTAL ROUNDED OPEN OTHER (10 ms each)
    switch_log=-2.0,
    class_bias=(0.0, 0.6, 0.3, 0.0, 0.0, 0.0),  # favour lip classes (chosen on German, eval_phonetic.py)
    lag_frames=8,
)
_WINDOW_OVERHANG_MS = 8  # the feature window reaches 7.5 ms past its 10 ms slot
MAX_DELAY_MS = _WINDOW_OVERHANG_MS + FRAME_MS * (FUTURE_FRAMES + DECODER.lag_frames + 1)
"""How long after a phone ends the stream pops it, at most (excluding the caller's block size)."""

FloatArray = npt.NDArray[np.float32]


def mouth_log_probs(fine_log_probs: FloatArray) -> npt.NDArray[np.float64]:
    """Per-frame log-probabilities of the six PhoneClasses from the fine classes'."""
    summed = np.exp(fine_log_probs.astype(np.float64)) @ _membership()
    return np.log(summed + 1e-12)


@cache
def _membership() -> npt.NDArray[np.float64]:
    """``(fine classes, PhoneClasses)``: 1 where the fine class belongs to the class."""
    matrix = np.zeros((len(FINE_CLASSES), len(mouth_members())))
    for label, members in enumerate(mouth_members()):
        matrix[members, label] = 1.0
    return matrix


def segment_symbol(segment: Segment) -> str:
    """The fine class with the most evidence within the segment's class names the phone."""
    members = mouth_members()[segment.label]
    return FINE_CLASSES[int(members[int(np.argmax(segment.evidence[members]))])].symbol


@dataclass(frozen=True, slots=True, eq=False)
class PhoneticRecognizer:
    """The shared, loaded model; cheap per-stream state comes from :meth:`create_stream`."""

    classifier: FrameClassifier
    decoder: DecoderConfig = DECODER

    @classmethod
    def load(cls) -> PhoneticRecognizer:
        return cls(FrameClassifier.load())

    def create_stream(self) -> PhoneticStream:
        return PhoneticStream(self.classifier, self.decoder)

    def recognize(self, audio: Audio, transcript: str | None = None) -> Alignment:
        """Phones of the whole audio, gap-free over ``[0, duration_ms)``; a transcript is ignored."""
        return self.recognize_chunks([(0, audio)], transcript, audio.duration_ms)

    def recognize_chunks(
        self, parts: Iterable[tuple[int, Audio]], transcript: str | None, duration_ms: int
    ) -> Alignment:
        """The same for consecutive parts, fed one by one into a single stream."""
        stream = self.create_stream()
        phones: list[Phone] = []
        for _, audio in parts:
            stream.accept_waveform(at_analysis_rate(audio).samples)
            phones.extend(stream.pop_phones())
        stream.input_finished()
        phones.extend(stream.pop_phones())
        warnings = ("the phonetic recognizer ignores the transcript",) if transcript else ()
        return Alignment(phones=tuple(phones), duration_ms=stream.duration_ms, warnings=warnings)


class PhoneticStream:
    """One live stream: feed 16 kHz samples, pop finished phones with bounded delay."""

    def __init__(self, classifier: FrameClassifier, decoder: DecoderConfig = DECODER) -> None:
        self._scorer = classifier.scorer()
        self._features = LogMelStream()
        self._unscored: list[FloatArray] = []  # log-mel frames not yet through the network
        self._decoder = ViterbiStream(decoder)
        self._samples = 0
        self._finished = False

    @property
    def duration_ms(self) -> int:
        """Milliseconds of audio accepted so far."""
        return round(self._samples * 1000 / SAMPLE_RATE_HZ)

    def accept_waveform(self, samples: npt.NDArray[np.floating]) -> None:
        """Feed mono float samples at 16 kHz, in blocks of any size (classified when phones are asked for)."""
        if self._finished:
            raise UsageError("audio fed to a phonetic stream after input_finished()")
        self._samples += len(samples)
        self._unscored.append(self._features.accept(samples))

    def input_finished(self) -> None:
        """No more audio: decode the rest, so that :meth:`pop_phones` returns everything."""
        if self._finished:
            return
        self._finished = True
        self._unscored += [self._features.flush(), pad_block(FUTURE_FRAMES)]
        self._classify()
        self._decoder.finish()

    def pop_phones(self) -> tuple[Phone, ...]:
        """Phones finished since the last call; after :meth:`input_finished` they end at the audio's end."""
        self._classify()
        return self._phones(self._decoder.pop())

    def poll_phones(self, speculate: bool = False) -> tuple[tuple[Phone, ...], tuple[Phone, ...]]:
        """Phones finished since the last call, and the provisional ones after them: the
        decoder's current best guess (``ViterbiStream.provisional``) up to the last classified
        frame. With ``speculate``, the guess also covers the frames heard but not yet
        classified (the network's lookahead), scored as if their last frame went on. One run
        of the network does both."""
        guessed = self._classify(speculate and not self._finished)
        final = self._phones(self._decoder.pop())
        if len(guessed):
            segments = self._decoder.guess(mouth_log_probs(guessed), np.exp(guessed))
        else:
            segments = self._decoder.provisional()
        return final, self._phones(segments)

    def _phones(self, segments: Iterable[Segment]) -> tuple[Phone, ...]:
        end_ms = self.duration_ms if self._finished else None
        phones = [self._phone(segment, end_ms) for segment in segments]
        return tuple(phone for phone in phones if phone.end_ms > phone.start_ms)

    def _classify(self, speculate: bool = False) -> FloatArray:
        """Decode the frames whose lookahead has arrived, in one network run; with ``speculate``
        the same run also scores the rest with their last frame held, and returns those scores."""
        frames = np.concatenate([pad_block(0), *self._unscored])
        self._unscored = []
        fine, guessed = self._scorer.accept(frames, FUTURE_FRAMES if speculate else 0)
        if len(fine):
            self._decoder.accept(mouth_log_probs(fine), np.exp(fine))
        return guessed

    def _phone(self, segment: Segment, end_ms: int | None) -> Phone:
        start_ms = segment.start_frame * FRAME_MS
        stop_ms = segment.end_frame * FRAME_MS
        if end_ms is not None:
            start_ms, stop_ms = min(start_ms, end_ms), min(stop_ms, end_ms)
        return Phone(segment_symbol(segment), start_ms, stop_ms)

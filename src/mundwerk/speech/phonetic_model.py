"""The phonetic recognizer's classes and its ONNX frame classifier.

The classifier sees log-mel frames (audio/features.py) and gives, for every 10 ms frame,
log-probabilities over :data:`FINE_CLASSES`. Each fine class belongs to one of the six
mouth-relevant :class:`PhoneClass` es the decoder works with, and names the ARPAbet phone
that stands for it in the output.

The network is a stack of dilated 1-D convolutions without padding: output frame ``t``
needs input frames ``t - PAST_FRAMES`` to ``t + FUTURE_FRAMES``. The caller pads the
features with :data:`PAD_VALUE` (digital silence) before the first and after the last frame.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mundwerk.audio.features import FLOOR, MEL_BANDS
from mundwerk.core.errors import MundwerkError
from mundwerk.speech.phonetic_net import ConvNet, ConvStream, UnsupportedGraph

log = logging.getLogger(__name__)


class PhoneClass(IntEnum):
    """What the mouth does: the six classes the recognizer tells apart."""

    SILENCE = 0
    CLOSED = 1
    """Lips shut: P B M (and the silent closure before a P or B burst)."""
    LABIODENTAL = 2
    """Lower lip on the upper teeth: F V."""
    ROUNDED = 3
    """Rounded vowels and W: UW OW UH AO OY W (German ü, ö)."""
    OPEN = 4
    """Open vowels: AA AE AH EH AY AW."""
    OTHER = 5
    """Every other speech sound."""


@dataclass(frozen=True, slots=True)
class FineClass:
    """A class the network outputs: its mouth class, the phone it outputs and its members."""

    name: str
    mouth: PhoneClass
    symbol: str
    members: tuple[str, ...]


FINE_CLASSES: tuple[FineClass, ...] = (
    FineClass("silence", PhoneClass.SILENCE, "SIL", ("SIL",)),
    FineClass("closed", PhoneClass.CLOSED, "P", ("P", "B", "M")),
    FineClass("labiodental", PhoneClass.LABIODENTAL, "F", ("F", "V")),
    FineClass("rounded-close", PhoneClass.ROUNDED, "UW", ("UW", "UH", "W")),
    FineClass("rounded-mid", PhoneClass.ROUNDED, "OW", ("OW", "AO", "OY")),
    FineClass("open-wide", PhoneClass.OPEN, "AA", ("AA", "AW", "AY")),
    FineClass("open-front", PhoneClass.OPEN, "AE", ("AE", "EH")),
    FineClass("open-central", PhoneClass.OPEN, "AH", ("AH",)),
    FineClass("fricative", PhoneClass.OTHER, "S", ("S", "Z", "SH", "ZH", "CH", "JH", "TH", "DH", "HH")),
    FineClass("lateral", PhoneClass.OTHER, "L", ("L",)),
    FineClass(
        "other", PhoneClass.OTHER, "T", ("T", "D", "K", "G", "N", "NG", "R", "Y", "IY", "IH", "EY", "ER")
    ),
)

#: ARPAbet symbol (and SIL) → index into FINE_CLASSES.
FINE_INDEX: dict[str, int] = {symbol: i for i, fine in enumerate(FINE_CLASSES) for symbol in fine.members}
#: Index into FINE_CLASSES → its PhoneClass, as an array.
FINE_TO_MOUTH = np.array([fine.mouth for fine in FINE_CLASSES], dtype=np.int64)

PAST_FRAMES = 38
"""Frames of past context the network sees (380 ms)."""
FUTURE_FRAMES = 6
"""Frames of lookahead the network needs (60 ms): its share of the streaming delay."""
PAD_VALUE = float(np.log(FLOOR))
"""The log-mel value of digital silence, used to pad before and after the audio."""

MODEL_RESOURCE = "data/phonetic/phonetic.onnx"
INPUT_NAME = "features"
OUTPUT_NAME = "log_probs"

FloatArray = npt.NDArray[np.float32]


class ModelMissingError(MundwerkError):
    """The phonetic model file is missing or does not match its recorded checksum."""


def model_path() -> Path:
    """Where the bundled ONNX model lives."""
    return Path(str(files("mundwerk").joinpath(MODEL_RESOURCE)))


def recorded_sha256() -> str:
    """The checksum recorded next to the model (``phonetic.onnx.sha256``)."""
    text = model_path().with_name(model_path().name + ".sha256").read_text(encoding="utf-8")
    return text.split()[0]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Blocks of at least this many new frames go through onnxruntime (faster on long blocks,
#: e.g. a whole file); smaller ones through the incremental numpy network.
LARGE_BLOCK_FRAMES = 64


@dataclass(frozen=True, slots=True, eq=False)
class FrameClassifier:
    """The ONNX network: padded log-mel frames in, per-frame fine-class log-probabilities out.

    ``net`` is the same network in numpy for incremental scoring (:meth:`scorer`), or None
    if the model's graph is not one that ``phonetic_net`` runs.
    """

    session: object
    net: ConvNet | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> FrameClassifier:
        """Open the model (the bundled one unless ``path`` is given) on one CPU thread."""
        import onnxruntime

        path = path or model_path()
        if not path.is_file():
            raise ModelMissingError(f"phonetic model not found: {path}; run training/train_phonetic.py")
        model = path.read_bytes()
        if path == model_path() and hashlib.sha256(model).hexdigest() != recorded_sha256():
            raise ModelMissingError(f"phonetic model does not match its recorded sha256: {path}")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        return cls(session, _numpy_net(model, path))

    def scorer(self) -> FrameScorer:
        """Per-stream incremental scoring of log-mel frames as they come."""
        return FrameScorer(self)

    def log_probs(self, padded: FloatArray) -> FloatArray:
        """``(n - PAST_FRAMES - FUTURE_FRAMES, len(FINE_CLASSES))`` for ``(n, MEL_BANDS)`` frames."""
        if len(padded) <= PAST_FRAMES + FUTURE_FRAMES:
            return np.zeros((0, len(FINE_CLASSES)), dtype=np.float32)
        batch = np.ascontiguousarray(padded[None, :, :MEL_BANDS], dtype=np.float32)
        (output,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})  # type: ignore[attr-defined]
        return np.asarray(output[0], dtype=np.float32)


def _numpy_net(model: bytes, path: Path) -> ConvNet | None:
    try:
        return ConvNet.from_onnx(model)
    except (UnsupportedGraph, KeyError, ValueError) as error:
        log.debug("%s: streams recompute the network with onnxruntime (%s)", path, error)
        return None


class FrameScorer:
    """One stream's scoring: feed log-mel frames, get the scores of the frames whose
    lookahead (``FUTURE_FRAMES``) has arrived, and optionally a guess for the rest.

    Starts with ``PAST_FRAMES`` of padding as past context, like a file. Small blocks go
    through the numpy network incrementally (each layer keeps the inputs it still needs);
    large ones, or any without a numpy network, through onnxruntime over the block and its
    context; the numpy network is primed again from the last context frames when a small
    block next comes (a whole file, one large block, never needs it).
    """

    def __init__(self, classifier: FrameClassifier) -> None:
        self._classifier = classifier
        self._context = pad_block(PAST_FRAMES)  # the last input frames, at most as many as the network sees
        self._net: ConvStream | None = None  # primed from the context when a small block first needs it

    def accept(self, frames: FloatArray, held: int = 0) -> tuple[FloatArray, FloatArray]:
        """Scores of the frames these complete; with ``held``, also of the ``held`` frames
        after them scored as if the last input frame went on (a guess, nothing of it kept)."""
        net = self._classifier.net
        context = np.concatenate([self._context, frames])
        if net is not None and len(frames) < LARGE_BLOCK_FRAMES:
            if self._net is None:
                self._net = net.stream()
                self._net.accept(self._context)  # no more frames than it reaches: no output
            self._context = context[-(PAST_FRAMES + FUTURE_FRAMES) :]
            return self._net.accept(frames, held)
        self._context = context[-(PAST_FRAMES + FUTURE_FRAMES) :]
        padded = np.concatenate([context, np.repeat(context[-1:], held, axis=0)]) if held else context
        scores = self._classifier.log_probs(padded)
        ready = max(0, len(context) - PAST_FRAMES - FUTURE_FRAMES)
        self._net = None  # it has not seen this block
        return scores[:ready], scores[ready:]


def pad_block(frames: int) -> FloatArray:
    """``frames`` frames of digital silence."""
    return np.full((frames, MEL_BANDS), PAD_VALUE, dtype=np.float32)


@cache
def mouth_members() -> tuple[npt.NDArray[np.int64], ...]:
    """For each PhoneClass, the indices of its fine classes."""
    return tuple(np.flatnonzero(mouth == FINE_TO_MOUTH) for mouth in PhoneClass)

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
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mundwerk.audio.features import FLOOR, MEL_BANDS
from mundwerk.core.errors import MundwerkError


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


@dataclass(frozen=True, slots=True, eq=False)
class FrameClassifier:
    """The ONNX network: padded log-mel frames in, per-frame fine-class log-probabilities out."""

    session: object

    @classmethod
    def load(cls, path: Path | None = None) -> FrameClassifier:
        """Open the model (the bundled one unless ``path`` is given) on one CPU thread."""
        import onnxruntime

        path = path or model_path()
        if not path.is_file():
            raise ModelMissingError(f"phonetic model not found: {path}; run training/train_phonetic.py")
        if path == model_path() and file_sha256(path) != recorded_sha256():
            raise ModelMissingError(f"phonetic model does not match its recorded sha256: {path}")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return cls(session)

    def log_probs(self, padded: FloatArray) -> FloatArray:
        """``(n - PAST_FRAMES - FUTURE_FRAMES, len(FINE_CLASSES))`` for ``(n, MEL_BANDS)`` frames."""
        if len(padded) <= PAST_FRAMES + FUTURE_FRAMES:
            return np.zeros((0, len(FINE_CLASSES)), dtype=np.float32)
        batch = np.ascontiguousarray(padded[None, :, :MEL_BANDS], dtype=np.float32)
        (output,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})  # type: ignore[attr-defined]
        return np.asarray(output[0], dtype=np.float32)


def pad_block(frames: int) -> FloatArray:
    """``frames`` frames of digital silence."""
    return np.full((frames, MEL_BANDS), PAD_VALUE, dtype=np.float32)


@cache
def mouth_members() -> tuple[npt.NDArray[np.int64], ...]:
    """For each PhoneClass, the indices of its fine classes."""
    return tuple(np.flatnonzero(mouth == FINE_TO_MOUTH) for mouth in PhoneClass)

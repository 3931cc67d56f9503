"""The shared part of live streaming: the recognizer model and, optionally, a prepared face."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mundwerk.render.portrait import Portrait
from mundwerk.speech.phonetic import PhoneticRecognizer
from mundwerk.stream.frames import StreamFrame
from mundwerk.stream.session import Session, SessionOptions


@dataclass(frozen=True, slots=True, eq=False)
class Engine:
    """Loaded once per process; any number of :class:`Session` s share it (each from one thread at a time).

    ``portrait`` is the face portrait frames are drawn on, or None when the engine makes
    mouth frames only.
    """

    recognizer: PhoneticRecognizer
    portrait: Portrait | None = None

    @classmethod
    def load(cls, face: Path | None = None, with_portrait: bool = False) -> Engine:
        """The phonetic recognizer; with ``with_portrait``, ``face`` (or the bundled one) at 256×256."""
        portrait = None
        if with_portrait or face is not None:
            from mundwerk.stream.portrait import load_live_portrait

            portrait = load_live_portrait(face)
        return cls(PhoneticRecognizer.load(), portrait)

    def session(self, options: SessionOptions | None = None) -> Session:
        return Session(self.recognizer.create_stream(), options or SessionOptions())

    def portrait_image(self, frame: StreamFrame) -> npt.NDArray[np.uint8]:
        """The face with the mouth of ``frame`` (RGB, 256×256); a ValueError without a portrait."""
        if self.portrait is None:
            raise ValueError("this engine was loaded without a portrait")
        return self.portrait.frame(frame.parameter_map())

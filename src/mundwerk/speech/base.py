"""The recognizer protocol every speech back-end implements."""

from __future__ import annotations

from typing import Protocol

from mundwerk.audio.signal import Audio
from mundwerk.core.phones import Alignment


class Recognizer(Protocol):
    """Finds words and phones in speech; aligns them to a transcript when one is given."""

    def recognize(self, audio: Audio, transcript: str | None = None) -> Alignment:
        """Words and a gap-free phone sequence covering the whole audio."""
        ...

"""The recognizer protocol every speech back-end implements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from mundwerk.audio.signal import Audio
from mundwerk.core.phones import Alignment


class Recognizer(Protocol):
    """Finds words and phones in speech; aligns them to a transcript when one is given."""

    def recognize(self, audio: Audio, transcript: str | None = None) -> Alignment:
        """Words and a gap-free phone sequence covering the whole audio."""
        ...

    def recognize_chunks(
        self, parts: Iterable[tuple[int, Audio]], transcript: str | None, duration_ms: int
    ) -> Alignment:
        """The same for audio arriving as consecutive ``(start_ms, chunk)`` parts cut at
        pauses, ``duration_ms`` in all; consumed one part at a time (bounded memory)."""
        ...

"""The error hierarchy: every failure a user can cause is a MundwerkError.

Messages are one line, name the problem and echo the bad value. ``exit_code`` is what
the command line returns for it (DESIGN.md): 1 the input could not be processed,
2 wrong usage.
"""

from __future__ import annotations

from collections.abc import Iterable


class MundwerkError(Exception):
    """Base class: the input could not be processed (exit code 1)."""

    exit_code = 1


class UsageError(MundwerkError):
    """Wrong usage: an unknown option value, format, recognizer, voice (exit code 2)."""

    exit_code = 2


class UnknownChoiceError(UsageError):
    """A name that is not in a registry; the message lists the valid ones."""

    def __init__(self, kind: str, value: str, choices: Iterable[str]) -> None:
        self.kind = kind
        self.value = value
        self.choices = sorted(choices)
        super().__init__(f"unknown {kind} {value!r}; choose one of: {', '.join(self.choices)}")


class AudioDecodeError(MundwerkError):
    """An audio input that is missing, empty, corrupt or has no audio stream."""


class TranscriptError(MundwerkError):
    """A transcript that cannot be read (missing, not UTF-8)."""


class OutputError(UsageError):
    """An output location that does not exist or cannot be written (wrong usage: exit 2)."""


class ImageDecodeError(MundwerkError):
    """An image input that is missing, truncated, corrupt or not an image."""


class NoFaceError(MundwerkError):
    """An image in which no usable face was found."""


class FaceTooSmallError(NoFaceError):
    """A face below the smallest size the renderer can work with."""


class AssetError(MundwerkError):
    """A model asset (e.g. face_landmarker.task) that is missing or fails its hash check."""

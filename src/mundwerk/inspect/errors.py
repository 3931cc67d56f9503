"""Why a video could not be inspected (the ``inspect`` command answers these with exit code 2)."""

from __future__ import annotations

from mundwerk.core.errors import MundwerkError


class MediaError(MundwerkError):
    """A file that is missing, not media, truncated, or lacks the audio or video stream needed."""

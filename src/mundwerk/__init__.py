"""mundwerk: speech in, mouth movement out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mundwerk.api import Analyzer, Speaker, Speech, analyze, render, speak
    from mundwerk.inspecting import inspect_video

__all__ = ["Analyzer", "Speaker", "Speech", "__version__", "analyze", "inspect_video", "render", "speak"]


def __getattr__(name: str) -> Any:
    # The API pulls in the audio and speech stacks: import it only when it is used.
    if name in {"analyze", "Analyzer", "render", "speak", "Speaker", "Speech"}:
        from mundwerk import api

        return getattr(api, name)
    if name == "inspect_video":
        from mundwerk.inspecting import inspect_video

        return inspect_video
    raise AttributeError(f"module 'mundwerk' has no attribute {name!r}")

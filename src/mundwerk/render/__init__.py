"""Rendering: face warping, inner mouth, compositing and video writing (DESIGN.md ``render/``)."""

from __future__ import annotations

from mundwerk.render.frames import VideoInfo, probe, read_video_frames
from mundwerk.render.portrait import Portrait, portrait_frames
from mundwerk.render.video import FrameHook, VideoOptions, VideoWriter, frame_rate, write_video

__all__ = [
    "FrameHook",
    "Portrait",
    "VideoInfo",
    "VideoOptions",
    "VideoWriter",
    "frame_rate",
    "portrait_frames",
    "probe",
    "read_video_frames",
    "write_video",
]

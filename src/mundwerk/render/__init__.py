"""Rendering: face warping, inner mouth, compositing and video writing (DESIGN.md ``render/``)."""

from __future__ import annotations

from mundwerk.render.frames import VideoInfo, probe, read_video_frames
from mundwerk.render.portrait import Portrait, blink_curve, portrait_frames
from mundwerk.render.video import FrameHook, VideoOptions, VideoWriter, frame_rate, write_video

__all__ = [
    "FrameHook",
    "Portrait",
    "VideoInfo",
    "VideoOptions",
    "VideoWriter",
    "blink_curve",
    "frame_rate",
    "portrait_frames",
    "probe",
    "read_video_frames",
    "write_video",
]

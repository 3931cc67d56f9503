"""What happens to a video on its way to a viewer, as functions on lists of RGB frames.

Used by bench/watermark.py and tests/test_watermark.py. Every attack is real: H.264 goes
through libx264 (PyAV) and back, scaling uses FFmpeg's area filter.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import av
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
Frames = list[Frame]
Attack = Callable[[Frames], Frames]

FPS = 25
EXCERPT_FRAMES = 3 * FPS


def h264(frames: Sequence[Frame], crf: int = 28, preset: str = "veryfast") -> Frames:
    """Encode with libx264 (yuv420p, ``crf``) into an in-memory MP4 and decode it again."""
    height, width = (side - side % 2 for side in frames[0].shape[:2])
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=FPS, options={"crf": str(crf), "preset": preset})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[:height, :width]), format="rgb24")
            output.mux(stream.encode(picture))
        output.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer, "r") as source:
        return [picture.to_ndarray(format="rgb24") for picture in source.decode(video=0)]


def rescale(frames: Sequence[Frame], factor: float) -> Frames:
    """Every frame scaled by ``factor`` (area averaging when shrinking)."""
    height, width = frames[0].shape[:2]
    size = (max(2, round(width * factor)), max(2, round(height * factor)))
    return [
        av.VideoFrame.from_ndarray(frame, format="rgb24")
        .reformat(size[0], size[1], interpolation="AREA")
        .to_ndarray(format="rgb24")
        for frame in frames
    ]


def crop(frames: Sequence[Frame], share: float = 0.1, seed: int = 0) -> Frames:
    """Cut ``share`` of the height and of the width off the edges, split at random between
    the two opposite edges (so the offset is not a whole tile)."""
    height, width = frames[0].shape[:2]
    rng = np.random.default_rng(seed)
    cut_h, cut_w = round(height * share), round(width * share)
    top, left = int(rng.integers(0, cut_h + 1)), int(rng.integers(0, cut_w + 1))
    return [
        np.ascontiguousarray(frame[top : top + height - cut_h, left : left + width - cut_w])
        for frame in frames
    ]


def brightness(frames: Sequence[Frame], factor: float) -> Frames:
    """Every pixel multiplied by ``factor`` (1.1 = 10% brighter), clipped."""
    return [np.clip(frame.astype(np.float32) * factor + 0.5, 0, 255).astype(np.uint8) for frame in frames]


def excerpt(frames: Sequence[Frame], start: int, count: int = EXCERPT_FRAMES) -> Frames:
    """``count`` frames from ``start`` (a 3-second cut by default)."""
    return list(frames[start : start + count])


def combined(frames: Sequence[Frame], start: int = 0, seed: int = 0, factor: float = 0.9) -> Frames:
    """All at once: a 3-second excerpt, cropped, halved, brightness changed, H.264 at CRF 28."""
    cut = crop(excerpt(frames, start), seed=seed)
    return h264(brightness(rescale(cut, 0.5), factor))


def attacks(start: int = 0, seed: int = 0) -> dict[str, Attack]:
    """Each attack alone (on a whole clip) plus all combined, by name."""
    return {
        "none": list,
        "h264_crf28": h264,
        "half_size": lambda frames: rescale(frames, 0.5),
        "crop_10pct": lambda frames: crop(frames, seed=seed),
        "brighter_10pct": lambda frames: brightness(frames, 1.1),
        "darker_10pct": lambda frames: brightness(frames, 0.9),
        "excerpt_3s": lambda frames: excerpt(frames, start),
        "combined": lambda frames: combined(frames, start, seed, 0.9 if seed % 2 else 1.1),
    }

"""Read a video in windows: its downscaled frames with their times, its audio at 16 kHz.

Each window is read after a seek, so the cost of a window does not depend on where in the
file it lies (a 2-hour video is read only where the sampling plan says). Times are in
milliseconds from the start of the presentation (the earliest stream start), so frame and
audio times are comparable exactly as a player shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.inspect.errors import MediaError

log = logging.getLogger(__name__)

#: A file whose streams end this much before the length its header declares is truncated.
TRUNCATION_TOLERANCE = 0.9
RgbFrame = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the container says: the video's size, rate and length, and the streams' common start."""

    path: Path
    width_px: int
    height_px: int
    fps: Fraction
    start_ms: float
    duration_ms: int


@dataclass(frozen=True, slots=True)
class TimedFrame:
    """One RGB frame and the time it is shown, in ms after ``MediaInfo.start_ms``."""

    time_ms: float
    image: RgbFrame


def probe_media(path: str | Path) -> MediaInfo:
    """The layout of ``path``; MediaError when it is no media, or lacks video or audio."""
    path = Path(path)
    with open_media(path) as container:
        _require_streams(container, path)
        video = container.streams.video[0]
        starts = [_start_ms(stream) for stream in (video, container.streams.audio[0])]
        duration_ms = _stream_duration_ms(video) or round((container.duration or 0) / 1000)
        return MediaInfo(
            path=path,
            width_px=video.codec_context.width,
            height_px=video.codec_context.height,
            fps=Fraction(video.average_rate or video.guessed_rate or 25),
            start_ms=min(starts),
            duration_ms=duration_ms,
        )


def open_media(path: Path) -> av.container.InputContainer:
    """Open ``path`` for reading; MediaError naming the file when that is impossible."""
    if not path.exists():
        raise MediaError(f"file not found: {path}")
    if not path.is_file():
        raise MediaError(f"not a file: {path}")
    if path.stat().st_size == 0:
        raise MediaError(f"empty file: {path}")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError) as e:
        raise MediaError(f"not a readable video file: {path} ({_reason(e)})") from e


def _require_streams(container: av.container.InputContainer, path: Path) -> None:
    has_video, has_audio = bool(container.streams.video), bool(container.streams.audio)
    if has_video and has_audio:
        return
    missing = " and ".join(name for name, ok in (("video", has_video), ("audio", has_audio)) if not ok)
    found = ", ".join(sorted({stream.type for stream in container.streams})) or "nothing"
    raise MediaError(f"no {missing} stream in {path} (it holds: {found}); inspect needs a face and speech")


def read_frames(info: MediaInfo, start_ms: float, end_ms: float, max_side_px: int) -> Iterator[TimedFrame]:
    """The frames shown in ``[start_ms, end_ms)``, scaled so the longer side is at most ``max_side_px``."""
    width, height = _scaled_size(info.width_px, info.height_px, max_side_px)
    with open_media(info.path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        _seek(container, stream, start_ms + info.start_ms)
        for frame in _decoded(container, stream, info.path):
            time_ms = _frame_ms(frame, stream) - info.start_ms
            if time_ms >= end_ms:
                break
            if time_ms >= start_ms and isinstance(frame, av.VideoFrame):
                image = frame.to_ndarray(format="rgb24", width=width, height=height)
                yield TimedFrame(time_ms, np.asarray(image, dtype=np.uint8))


def read_audio(info: MediaInfo, start_ms: float, end_ms: float) -> Audio:
    """The audio of ``[start_ms, end_ms)`` as 16 kHz mono; silence where the stream has none."""
    total = round((end_ms - start_ms) * SAMPLE_RATE_HZ / 1000)
    out = np.zeros(total, dtype=np.float32)
    with open_media(info.path) as container:
        stream = container.streams.audio[0]
        _seek(container, stream, start_ms + info.start_ms)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE_HZ)
        for frame in _decoded(container, stream, info.path):
            time_ms = _frame_ms(frame, stream) - info.start_ms
            if time_ms >= end_ms:
                break
            if not isinstance(frame, av.AudioFrame):
                continue
            for piece in resampler.resample(frame):
                if piece.pts is not None:
                    time_ms = _frame_ms(piece, stream, piece.time_base) - info.start_ms
                _place(out, np.asarray(piece.to_ndarray()[0], dtype=np.float32), time_ms - start_ms)
    return Audio(np.clip(out, -1.0, 1.0))


def _place(out: npt.NDArray[np.float32], samples: npt.NDArray[np.float32], offset_ms: float) -> None:
    first = round(offset_ms * SAMPLE_RATE_HZ / 1000)
    begin, end = max(first, 0), min(first + len(samples), len(out))
    if end > begin:
        out[begin:end] = samples[begin - first : end - first]


def _decoded(
    container: av.container.InputContainer, stream: av.stream.Stream, path: Path
) -> Iterator[av.VideoFrame | av.AudioFrame]:
    """Decoded frames of ``stream``; a broken packet is skipped, a broken container ends the read."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError as e:
            log.warning("%s ends early: %s", path, _reason(e))
            return
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        yield from frames  # type: ignore[misc]


def _seek(container: av.container.InputContainer, stream: av.stream.Stream, time_ms: float) -> None:
    """Seek to the key frame at or before ``time_ms`` (less a margin for decoder delay)."""
    if time_ms <= 0 or stream.time_base is None:
        return
    target = int((time_ms - 500) / 1000 / stream.time_base)
    try:
        container.seek(max(target, 0), stream=stream, backward=True, any_frame=False)
    except av.error.FFmpegError as e:
        raise MediaError(f"cannot seek to {time_ms / 1000:.1f} s in {container.name}: {_reason(e)}") from e


def _frame_ms(
    frame: av.VideoFrame | av.AudioFrame, stream: av.stream.Stream, time_base: Fraction | None = None
) -> float:
    base = time_base or frame.time_base or stream.time_base
    if frame.pts is None or base is None:
        raise MediaError(f"a frame without a timestamp in {stream.container.name}")
    return float(frame.pts * base * 1000)


def _start_ms(stream: av.stream.Stream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base * 1000)


def _stream_duration_ms(stream: av.stream.Stream) -> int:
    if stream.duration is None or stream.time_base is None:
        return 0
    return round(float(stream.duration * stream.time_base * 1000))


def _scaled_size(width: int, height: int, max_side_px: int) -> tuple[int, int]:
    scale = min(1.0, max_side_px / max(width, height, 1))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)

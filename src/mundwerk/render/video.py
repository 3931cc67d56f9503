"""MP4 out: H.264 (yuv420p) + AAC, streamed frame by frame.

Time: frame ``k`` gets pts ``k`` at time base ``1/fps`` (``fps`` an exact Fraction, e.g.
30000/1001), so it is shown at exactly ``k/fps``. The audio keeps its sample rate
(resampled only when AAC cannot take it) and starts with the first frame: the AAC encoder
emits its 1024 priming samples at a negative time, which the MP4 muxer hides behind an
edit list, so the first audio sample plays at 0 (``probe`` reports the offset).

Files: the MP4 is written to a temporary file beside the target, renamed into place on
success and deleted on any error. Same frames and audio give a byte-identical file: the
container is written bit-exact, the encoder thread count is fixed (x264 records it in the
stream) and x264's MB-tree is off (see ``X264_PARAMS``).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import av.container
import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import MundwerkError, OutputError, UnknownChoiceError, UsageError
from mundwerk.core.file_modes import publish
from mundwerk.render.frames import Frame, check_frame, even_size, tag_bt709, to_video_frame

#: Called on every frame before it is encoded: (frame index, RGB frame) -> RGB frame of the same shape.
FrameHook = Callable[[int, Frame], Frame]

DEFAULT_VIDEO_FPS = Fraction(25)
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
#: MB-tree rate control made x264 (core 165) give 2-3 different bitstreams for the same
#: frames across runs (as if reading uninitialised memory); without it runs are identical.
X264_PARAMS = "mbtree=0"
MAX_SIDE = 8192
#: moov first for streaming; bitexact leaves out the muxer version, so files compare equal.
MP4_OPTIONS = {"movflags": "+faststart", "fflags": "+bitexact"}
MAX_FPS = 1000
#: The sample rates the AAC encoder takes; other rates are resampled to the next one up.
AAC_RATES_HZ = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
AAC_FRAME_SAMPLES = 1024
_NTSC = Fraction(1000, 1001)

Floats = npt.NDArray[np.float32]


def frame_rate(value: Fraction | float | str) -> Fraction:
    """``value`` as an exact frame rate; NTSC rates map to n·1000/1001 (29.97 → 30000/1001)."""
    try:
        rate = Fraction(str(float(value))) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as e:
        raise UsageError(f"invalid frame rate {value!r}: expected a number such as 25 or 29.97") from e
    if not 0 < rate <= MAX_FPS:
        raise UsageError(f"invalid frame rate {value!r}: must be above 0 and at most {MAX_FPS}")
    ntsc = round(rate / _NTSC) * _NTSC
    if rate.denominator != 1 and ntsc.denominator != 1 and abs(rate - ntsc) < Fraction(1, 200):
        return ntsc
    return rate.limit_denominator(1001)


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """How to encode. ``fps`` accepts 25, 29.97, "30000/1001"; it is stored as an exact
    Fraction. ``size`` (width, height) scales the frames; None keeps their size."""

    fps: Fraction | float = DEFAULT_VIDEO_FPS
    size: tuple[int, int] | None = None
    crf: int = 18
    preset: str = "superfast"
    threads: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", frame_rate(self.fps))
        if self.size is not None:
            _check_size(self.size, "size")
        if not 0 <= self.crf <= 51:
            raise UsageError(f"invalid crf {self.crf!r}: must be 0 to 51")
        if self.preset not in X264_PRESETS:
            raise UnknownChoiceError("x264 preset", self.preset, X264_PRESETS)
        if not 1 <= self.threads <= 64:
            raise UsageError(f"invalid encoder thread count {self.threads!r}: must be 1 to 64")

    @property
    def exact_fps(self) -> Fraction:
        """``fps`` typed as the Fraction it always is after construction."""
        return Fraction(self.fps)


def _check_size(size: tuple[int, int], what: str) -> None:
    ok = len(size) == 2 and all(isinstance(side, int) and 1 <= side <= MAX_SIDE for side in size)
    if not ok:
        shown = "x".join(str(side) for side in size)
        raise UsageError(f"invalid {what} {shown}: expected width and height of 1 to {MAX_SIDE} pixels")


class VideoWriter:
    """An MP4 being written; use ``VideoWriter.open(...)`` in a ``with`` block and ``write``
    each frame. Leaving the block normally finishes the file; an exception deletes it."""

    def __init__(
        self,
        path: Path,
        temporary: Path,
        container: av.container.OutputContainer,
        frame_size: tuple[int, int],
        options: VideoOptions,
        audio: _AudioTrack | None,
        hook: FrameHook | None,
    ) -> None:
        self.path = path
        self.frame_size = frame_size
        self.options = options
        self.frame_count = 0
        self._temporary = temporary
        self._container = container
        self._video = container.streams.video[0]
        self._audio = audio
        self._hook = hook
        self._open = True

    @classmethod
    def open(
        cls,
        path: str | Path,
        width: int,
        height: int,
        options: VideoOptions | None = None,
        audio: Audio | None = None,
        hook: FrameHook | None = None,
    ) -> VideoWriter:
        """Start an MP4 at ``path`` for RGB frames of ``width``×``height``."""
        options = options or VideoOptions()
        _check_size((width, height), "frame size")
        path = Path(path)
        temporary = _temporary_beside(path)
        try:
            container = av.open(str(temporary), "w", format="mp4", options=MP4_OPTIONS)
            _add_video_stream(container, options.size or (width, height), options)
            track = _AudioTrack.add(container, audio) if audio is not None else None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return cls(path, temporary, container, (width, height), options, track, hook)

    @property
    def encoded_size(self) -> tuple[int, int]:
        """The (width, height) in the file: ``options.size`` or the frame size, made even."""
        return self._video.codec_context.width, self._video.codec_context.height

    def write(self, frame: Frame) -> None:
        """Pass ``frame`` (RGB uint8, height×width×3) through the hook and encode it."""
        if not self._open:
            raise ValueError(f"video writer for {self.path} is closed")
        width, height = self.frame_size
        frame = check_frame(frame, width, height)
        if self._hook is not None:
            frame = check_frame(self._hook(self.frame_count, frame), width, height)
        target = self.options.size or self.frame_size
        picture = to_video_frame(frame, *target)
        picture.pts = self.frame_count
        self._mux(self._video.encode(picture))
        self.frame_count += 1
        if self._audio is not None:
            self._mux(
                self._audio.encode_until(self._audio.sample_at(self.frame_count, self.options.exact_fps))
            )

    def close(self) -> None:
        """Flush the encoders, finish the MP4 and rename it into place."""
        if not self._open:
            return
        if self.frame_count == 0:
            self.discard()
            raise MundwerkError(f"no video frames to write to {self.path}")
        self._mux(self._video.encode(None))
        if self._audio is not None:
            self._mux(self._audio.finish())
        self._open = False
        try:
            self._container.close()
            publish(self._temporary, self.path)
        except OSError as e:
            self._temporary.unlink(missing_ok=True)
            raise OutputError(f"cannot write {self.path}: {e.strerror or e}") from e

    def discard(self) -> None:
        """Stop and delete the temporary file; ``path`` is left as it was."""
        self._open = False
        try:
            with contextlib.suppress(av.error.FFmpegError, OSError, ValueError):
                self._container.close()
        finally:
            self._temporary.unlink(missing_ok=True)

    def _mux(self, packets: Iterable[av.Packet[Any]]) -> None:
        try:
            self._container.mux(list(packets))
        except OSError as e:
            raise OutputError(f"cannot write {self.path}: {e.strerror or e}") from e

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_video(
    path: str | Path,
    frames: Iterable[Frame],
    options: VideoOptions | None = None,
    audio: Audio | None = None,
    hook: FrameHook | None = None,
) -> int:
    """Encode ``frames`` (all the size of the first) to ``path``; returns the frame count."""
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise MundwerkError(f"no video frames to write to {path}")
    height, width = first.shape[:2]
    with VideoWriter.open(path, width, height, options, audio, hook) as writer:
        writer.write(first)
        for frame in iterator:
            writer.write(frame)
    return writer.frame_count


def _temporary_beside(path: Path) -> Path:
    directory = path.parent
    if not directory.is_dir():
        raise OutputError(f"output directory does not exist: {directory}")
    if path.exists() and not path.is_file():  # a directory, /dev/null, a pipe: never replace it
        raise OutputError(f"output is not a regular file: {path}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as e:
        raise OutputError(f"output directory is not writable: {directory} ({e.strerror})") from e
    os.close(handle)
    return Path(name)


def _add_video_stream(
    container: av.container.OutputContainer, size: tuple[int, int], options: VideoOptions
) -> None:
    fps = options.exact_fps
    x264 = {"crf": str(options.crf), "preset": options.preset, "x264-params": X264_PARAMS}
    stream = container.add_stream("libx264", rate=fps, options=x264)
    stream.width, stream.height = even_size(*size)
    stream.pix_fmt = "yuv420p"
    stream.time_base = 1 / fps
    stream.codec_context.time_base = 1 / fps
    stream.codec_context.thread_count = options.threads
    tag_bt709(stream.codec_context)


class _AudioTrack:
    """The AAC stream, fed in whole 1024-sample frames as the video advances."""

    def __init__(self, stream: av.AudioStream, samples: Floats, rate_hz: int) -> None:
        self.rate_hz = rate_hz
        self._stream = stream
        self._samples = samples
        self._position = 0

    @classmethod
    def add(cls, container: av.container.OutputContainer, audio: Audio) -> _AudioTrack | None:
        """An AAC stream for ``audio`` in ``container`` (None for empty audio)."""
        samples, rate_hz = _aac_samples(audio)
        if len(samples) == 0:
            return None
        stream = container.add_stream("aac", rate=rate_hz, layout="mono")
        stream.bit_rate = min(128_000, 4 * rate_hz)
        stream.time_base = Fraction(1, rate_hz)
        return cls(stream, samples, rate_hz)

    def sample_at(self, frame_index: int, fps: Fraction) -> int:
        """The index of the first sample at or after the time of ``frame_index``."""
        return math.ceil(frame_index * self.rate_hz / fps)

    def encode_until(self, end: int) -> list[av.Packet[Any]]:
        """Encode the whole AAC frames that end at or before sample ``end``."""
        packets: list[av.Packet[Any]] = []
        end = min(end, len(self._samples))
        while self._position + AAC_FRAME_SAMPLES <= end:
            packets += self._encode(self._position + AAC_FRAME_SAMPLES)
        return packets

    def finish(self) -> list[av.Packet[Any]]:
        """Encode what is left and flush the encoder."""
        packets = self.encode_until(len(self._samples))
        if self._position < len(self._samples):
            packets += self._encode(len(self._samples))
        return packets + self._stream.encode(None)

    def _encode(self, end: int) -> list[av.Packet[Any]]:
        chunk = self._samples[self._position : end]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.sample_rate = self.rate_hz
        frame.pts = self._position
        frame.time_base = Fraction(1, self.rate_hz)
        self._position = end
        return self._stream.encode(frame)


def _aac_samples(audio: Audio) -> tuple[Floats, int]:
    """Mono float32 samples in [-1, 1] at a rate AAC takes (the next supported one up)."""
    rate = audio.sample_rate_hz
    if not (isinstance(rate, int) and rate > 0):
        raise UsageError(f"invalid audio sample rate {rate!r} Hz")
    samples = np.clip(np.asarray(audio.samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    if rate in AAC_RATES_HZ or len(samples) == 0:
        return samples, rate
    target = next((supported for supported in AAC_RATES_HZ if supported >= rate), AAC_RATES_HZ[-1])
    return _resampled(samples, rate, target), target


def _resampled(samples: Floats, rate_hz: int, target_hz: int) -> Floats:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target_hz)
    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate = rate_hz
    frame.pts = 0
    frames = resampler.resample(frame) + resampler.resample(None)
    return np.concatenate([part.to_ndarray().reshape(-1) for part in frames]).astype(np.float32)

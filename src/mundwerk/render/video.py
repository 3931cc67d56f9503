"""MP4 out: H.264 (yuv420p) + AAC, streamed frame by frame.

Time: frame ``k`` gets pts ``k`` at time base ``1/fps`` (``fps`` an exact Fraction, e.g.
30000/1001), so it is shown at exactly ``k/fps``. The audio keeps its sample rate
(resampled only when AAC cannot take it) and starts with the first frame: the AAC encoder
emits its 1024 priming samples at a negative time, which the MP4 muxer hides behind an
edit list, so the first audio sample plays at 0 (``probe`` reports the offset).

Threads: ``write`` hands each frame to a background thread that runs the frame hook, the
colour conversion, x264 and the muxer (they release the GIL), through a queue of a few
frames, so the caller draws the next frames meanwhile; memory stays bounded by the queue.
Audio can be given whole (``Audio``) or as consecutive blocks (``StreamedAudio``, e.g. from
``audio.decode.iter_blocks``), so long speech is never held in memory.

Files: the MP4 is written to a temporary file beside the target, renamed into place on
success and deleted on any error. Same frames and audio give a byte-identical file: the
container is written bit-exact, the encoder thread count is fixed (x264 records it in the
stream) and x264's MB-tree is off (see ``X264_PARAMS``).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
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
from mundwerk.render.frames import Frame, check_frame, even_size, tag_colours, to_video_frame

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

#: Frames waiting for the encoder thread (bounds memory; two or three keep both cores busy).
QUEUE_FRAMES = 3

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class StreamedAudio:
    """Audio given as consecutive blocks of mono float32 samples (``blocks`` is read once, as
    the video advances), so the sound track of long speech is never held whole."""

    sample_rate_hz: int
    blocks: Iterable[Floats]


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
        self._queue: queue.Queue[Frame | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._failure: BaseException | None = None
        self._encoded = 0
        self._worker: threading.Thread | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        width: int,
        height: int,
        options: VideoOptions | None = None,
        audio: Audio | StreamedAudio | None = None,
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
        """Queue ``frame`` (RGB uint8, height×width×3) for the hook and the encoder.

        The frame is encoded later, in the writer's thread: do not change its array after this
        call (pass a copy to reuse a buffer). An error there is raised by the next ``write`` or
        by ``close``.
        """
        if not self._open:
            raise ValueError(f"video writer for {self.path} is closed")
        width, height = self.frame_size
        frame = check_frame(frame, width, height)
        self._raise_failure()
        if self._worker is None:
            self._worker = threading.Thread(target=self._encode_queued, name="mundwerk-encoder", daemon=True)
            self._worker.start()
        self._queue.put(frame)
        self.frame_count += 1

    def close(self) -> None:
        """Flush the encoders, finish the MP4 and rename it into place."""
        if not self._open:
            return
        if self.frame_count == 0:
            self.discard()
            raise MundwerkError(f"no video frames to write to {self.path}")
        try:
            self._stop_worker()
            self._raise_failure()
            self._mux(self._video.encode(None))
            if self._audio is not None:
                self._mux(self._audio.finish())
        except BaseException:
            self.discard()
            raise
        self._open = False
        try:
            self._container.close()
            publish(self._temporary, self.path)
        except OSError as e:
            self._temporary.unlink(missing_ok=True)
            raise OutputError(f"cannot write {self.path}: {e.strerror or e}") from e

    def _encode_queued(self) -> None:
        """The encoder thread: encode queued frames until ``None``; after an error, only drain."""
        while (frame := self._queue.get()) is not None:
            if self._failure is not None:
                continue
            try:
                self._encode(frame)
            except BaseException as error:  # raised in the caller's thread by write or close
                self._failure = error

    def _encode(self, frame: Frame) -> None:
        width, height = self.frame_size
        if self._hook is not None:
            frame = check_frame(self._hook(self._encoded, frame), width, height)
        target = self.options.size or self.frame_size
        picture = to_video_frame(frame, *target)
        picture.pts = self._encoded
        self._mux(self._video.encode(picture))
        self._encoded += 1
        if self._audio is not None:
            self._mux(self._audio.encode_until(self._audio.sample_at(self._encoded, self.options.exact_fps)))

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._worker = None

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def discard(self) -> None:
        """Stop and delete the temporary file; ``path`` is left as it was."""
        self._open = False
        try:
            self._failure = self._failure or MundwerkError("discarded")  # the thread only drains now
            self._stop_worker()
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
    audio: Audio | StreamedAudio | None = None,
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
    tag_colours(stream.codec_context)


class _AudioTrack:
    """The AAC stream, fed in whole 1024-sample frames as the video advances; its samples are
    read block by block from ``blocks`` (already at ``rate_hz``) as far as needed."""

    def __init__(self, stream: av.AudioStream, blocks: Iterator[Floats], first: Floats, rate_hz: int) -> None:
        self.rate_hz = rate_hz
        self._stream = stream
        self._blocks = blocks
        self._pending = first  # samples read but not yet encoded, starting at _position
        self._position = 0
        self._exhausted = False

    @classmethod
    def add(cls, container: av.container.OutputContainer, audio: Audio | StreamedAudio) -> _AudioTrack | None:
        """An AAC stream for ``audio`` in ``container`` (None for empty audio)."""
        blocks, rate_hz = _aac_blocks(audio)
        first = next((block for block in blocks if len(block)), None)
        if first is None:
            return None
        stream = container.add_stream("aac", rate=rate_hz, layout="mono")
        stream.bit_rate = min(128_000, 4 * rate_hz)
        stream.time_base = Fraction(1, rate_hz)
        return cls(stream, blocks, first, rate_hz)

    def sample_at(self, frame_index: int, fps: Fraction) -> int:
        """The index of the first sample at or after the time of ``frame_index``."""
        return math.ceil(frame_index * self.rate_hz / fps)

    def encode_until(self, end: int) -> list[av.Packet[Any]]:
        """Encode the whole AAC frames that end at or before sample ``end``."""
        packets: list[av.Packet[Any]] = []
        while self._position + AAC_FRAME_SAMPLES <= end and self._read(AAC_FRAME_SAMPLES):
            packets += self._encode(AAC_FRAME_SAMPLES)
        return packets

    def finish(self) -> list[av.Packet[Any]]:
        """Encode what is left and flush the encoder."""
        packets: list[av.Packet[Any]] = []
        while self._read(AAC_FRAME_SAMPLES):
            packets += self._encode(AAC_FRAME_SAMPLES)
        if len(self._pending):
            packets += self._encode(len(self._pending))
        return packets + self._stream.encode(None)

    def _read(self, count: int) -> bool:
        """Whether ``count`` samples are pending, reading more blocks as needed."""
        parts = [self._pending]
        have = len(self._pending)
        while have < count and not self._exhausted:
            block = next(self._blocks, None)
            if block is None:
                self._exhausted = True
            else:
                parts.append(block)
                have += len(block)
        if len(parts) > 1:
            self._pending = np.concatenate(parts)
        return have >= count

    def _encode(self, count: int) -> list[av.Packet[Any]]:
        chunk, self._pending = self._pending[:count], self._pending[count:]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk)[None, :], format="fltp", layout="mono")
        frame.sample_rate = self.rate_hz
        frame.pts = self._position
        frame.time_base = Fraction(1, self.rate_hz)
        self._position += count
        return self._stream.encode(frame)


def _aac_blocks(audio: Audio | StreamedAudio) -> tuple[Iterator[Floats], int]:
    """Mono float32 sample blocks in [-1, 1] at a rate AAC takes (the next supported one up)."""
    rate = audio.sample_rate_hz
    if not (isinstance(rate, int) and rate > 0):
        raise UsageError(f"invalid audio sample rate {rate!r} Hz")
    blocks = [audio.samples] if isinstance(audio, Audio) else audio.blocks
    clipped = (np.clip(np.asarray(block, dtype=np.float32).reshape(-1), -1.0, 1.0) for block in blocks)
    if rate in AAC_RATES_HZ:
        return clipped, rate
    target = next((supported for supported in AAC_RATES_HZ if supported >= rate), AAC_RATES_HZ[-1])
    return _resampled(clipped, rate, target), target


def _resampled(blocks: Iterable[Floats], rate_hz: int, target_hz: int) -> Iterator[Floats]:
    """``blocks`` resampled to ``target_hz`` by one resampler (no seams between blocks)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target_hz)
    position = 0
    for samples in blocks:
        if len(samples) == 0:
            continue
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = rate_hz
        frame.pts = position
        position += len(samples)
        yield from (part.to_ndarray().reshape(-1).astype(np.float32) for part in resampler.resample(frame))
    yield from (part.to_ndarray().reshape(-1).astype(np.float32) for part in resampler.resample(None))

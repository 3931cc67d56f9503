"""Decode any file FFmpeg reads to 16 kHz mono float32, whole or in bounded blocks.

Channels are averaged (FFmpeg's own mono downmix scales stereo by sqrt(2) and drops LFE,
which can push samples past 1.0). A decode error after some audio came out ends the
stream there (a truncated file keeps what it has); before any audio it is an error.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Iterator
from pathlib import Path

import av
import av.container
import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.core.constants import SAMPLE_RATE_HZ, SAMPLES_PER_MS
from mundwerk.core.errors import AudioDecodeError

log = logging.getLogger(__name__)

#: Default length of the blocks ``iter_blocks`` yields.
DEFAULT_BLOCK_MS = 1000

Samples = npt.NDArray[np.float32]


def decode(path: str | Path) -> Audio:
    """The whole audio track of ``path`` as 16 kHz mono float32."""
    blocks = [block.samples for block in iter_blocks(path, block_ms=10_000)]
    return Audio(np.concatenate(blocks) if len(blocks) > 1 else blocks[0])


def measure_duration_ms(path: str | Path) -> int:
    """The decoded duration of ``path`` at 16 kHz, by one fast pass in bounded memory."""
    samples = sum(len(block.samples) for block in iter_blocks(path))
    return round(samples * 1000 / SAMPLE_RATE_HZ)


def iter_blocks(path: str | Path, block_ms: int = DEFAULT_BLOCK_MS) -> Iterator[Audio]:
    """The audio track of ``path`` in consecutive blocks of ``block_ms`` (the last may be shorter).

    Memory stays bounded by one block plus FFmpeg's buffers, however long the file.
    """
    if block_ms <= 0:
        raise ValueError(f"block_ms must be positive, got {block_ms}")
    block_samples = block_ms * SAMPLES_PER_MS
    pending: list[Samples] = []
    pending_count = 0
    total = 0
    for samples in _mono_frames(Path(path)):
        pending.append(samples)
        pending_count += len(samples)
        if pending_count >= block_samples:
            joined = np.concatenate(pending)
            whole = len(joined) - len(joined) % block_samples
            for start in range(0, whole, block_samples):
                yield Audio(joined[start : start + block_samples])
            pending = [joined[whole:].copy()]
            pending_count = len(pending[0])
        total += len(samples)
    if pending_count:
        yield Audio(np.concatenate(pending))
    if total == 0:
        raise AudioDecodeError(f"no audio samples in {path} (empty or truncated audio stream)")


#: Frames per block of the plain-WAV reader (0.25 s at the analysis rate).
_WAV_BLOCK_FRAMES = 4000


def _mono_frames(path: Path) -> Iterator[Samples]:
    """Resampled, channel-averaged samples of the first audio stream, frame by frame."""
    if _is_plain_wav(path):
        return _wav_frames(path)
    return _ffmpeg_frames(path)


def _is_plain_wav(path: Path) -> bool:
    """Whether ``path`` is a 16-bit PCM WAV at the analysis rate: then no resampling is
    needed and Python's ``wave`` reads it far faster than FFmpeg opens it."""
    if path.suffix.lower() != ".wav" or not path.is_file():
        return False
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getframerate() == SAMPLE_RATE_HZ and wav.getsampwidth() == 2 and wav.getnframes() > 0
    except (wave.Error, EOFError, OSError):
        return False


def _wav_frames(path: Path) -> Iterator[Samples]:
    """The samples FFmpeg would give for this WAV (s16 → float is x / 32768), block by block."""
    with wave.open(str(path), "rb") as wav:
        channels = wav.getnchannels()
        while data := wav.readframes(_WAV_BLOCK_FRAMES):
            whole = len(data) - len(data) % (2 * channels)  # a truncated file's last partial frame
            pcm = np.frombuffer(data[:whole], "<i2").reshape(-1, channels)
            planes = pcm.T.astype(np.float32) / np.float32(32768.0)
            mono = planes[0] if channels == 1 else planes.mean(axis=0, dtype=np.float32)
            yield np.clip(mono, -1.0, 1.0)


def _ffmpeg_frames(path: Path) -> Iterator[Samples]:
    container = _open(path)
    with container:
        if not container.streams.audio:
            found = ", ".join(sorted({stream.type for stream in container.streams})) or "nothing"
            raise AudioDecodeError(f"no audio stream in {path} (it holds: {found})")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE_HZ)
        try:
            for frame in _decoded_frames(container, stream, path):
                yield from _mixed(resampler.resample(frame))
            yield from _mixed(resampler.resample(None))
        except (av.error.FFmpegError, ValueError) as e:
            raise AudioDecodeError(f"cannot decode audio in {path}: {_reason(e)}") from e


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise AudioDecodeError(f"file not found: {path}")
    if not path.is_file():
        raise AudioDecodeError(f"not a file: {path}")
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"empty file: {path}")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError) as e:
        raise AudioDecodeError(f"not a readable audio or video file: {path} ({_reason(e)})") from e


def _decoded_frames(
    container: av.container.InputContainer, stream: av.AudioStream, path: Path
) -> Iterator[av.AudioFrame]:
    """Decoded frames; broken packets are skipped, a broken container ends the stream."""
    produced = skipped = 0
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError as e:
            if not produced:
                raise
            log.warning("audio in %s ends early: %s", path, _reason(e))
            break
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            skipped += 1
            continue
        produced += len(frames)
        yield from frames
    if skipped:
        log.warning("skipped %d broken audio packets in %s", skipped, path)


def _mixed(frames: list[av.AudioFrame]) -> Iterator[Samples]:
    for frame in frames:
        planes = frame.to_ndarray()
        mono = planes[0] if len(planes) == 1 else planes.mean(axis=0, dtype=np.float32)
        yield np.clip(mono, -1.0, 1.0)


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)

"""Test media made on the spot with PyAV and numpy: tones, speech-like bursts, videos.

Every writer takes the target path and returns it. Samples are float arrays shaped
``(channels, n)`` or ``(n,)`` in [-1, 1]; PyAV converts them to each codec's own format.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]

#: Channel layouts by channel count.
LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}

#: Voiced stretches of the default speech-like signal (ms); the rest is silence.
SPEECH_MS: tuple[tuple[int, int], ...] = ((300, 1100), (1500, 2300), (3000, 3600))

_WRITE_BLOCK = 8192


def tone(freq_hz: float, duration_ms: int, rate_hz: int = 16_000, amplitude: float = 0.5) -> Floats:
    """A sine wave."""
    t = np.arange(duration_ms * rate_hz // 1000) / rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def speechlike(
    duration_ms: int,
    voiced_ms: Sequence[tuple[int, int]] = SPEECH_MS,
    rate_hz: int = 16_000,
    snr_db: float | None = None,
    seed: int = 0,
) -> Floats:
    """Harmonic 'vowels' with syllable-rate loudness changes in ``voiced_ms``, silence elsewhere.

    With ``snr_db``, white noise is added so that voiced power / noise power is that ratio.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros(duration_ms * rate_hz // 1000, dtype=np.float64)
    for start_ms, end_ms in voiced_ms:
        first, last = start_ms * rate_hz // 1000, min(end_ms * rate_hz // 1000, len(out))
        t = np.arange(last - first) / rate_hz
        f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
        phase = 2 * np.pi * np.cumsum(f0) / rate_hz
        voice = sum(np.sin(k * phase) / k for k in range(1, 12))
        syllables = 0.75 + 0.25 * np.sin(2 * np.pi * 4 * t + rng.uniform(0, 2 * np.pi))
        out[first:last] = 0.15 * voice * syllables
    if snr_db is not None:
        voiced = np.concatenate([out[s * rate_hz // 1000 : e * rate_hz // 1000] for s, e in voiced_ms])
        noise_power = np.mean(voiced**2) / 10 ** (snr_db / 10)
        out += rng.normal(0, np.sqrt(noise_power), len(out))
    return out.astype(np.float32)


def write_audio(
    path: Path,
    samples: npt.NDArray[np.floating],
    rate_hz: int,
    codec: str = "pcm_s16le",
    sample_format: str | None = None,
) -> Path:
    """``samples`` encoded with ``codec`` into the container named by ``path``'s suffix."""
    planes = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate_hz, layout=LAYOUTS[len(planes)])
        assert isinstance(stream, av.AudioStream)
        if sample_format:
            stream.codec_context.format = sample_format
        _encode_audio(container, stream, planes, rate_hz)
        _flush(container, stream)
    return path


def write_tone_wav(
    path: Path,
    freq_hz: float = 1000.0,
    duration_ms: int = 1000,
    rate_hz: int = 16_000,
    channels: int = 1,
    codec: str = "pcm_s16le",
) -> Path:
    """The same sine in every channel, as WAV (``codec`` picks the sample format)."""
    return write_audio(path, np.tile(tone(freq_hz, duration_ms, rate_hz), (channels, 1)), rate_hz, codec)


def write_speechlike(
    path: Path, codec: str, rate_hz: int = 16_000, duration_ms: int = 4000, snr_db: float | None = None
) -> Path:
    """``speechlike`` audio (SPEECH_MS voiced) in any container/codec."""
    return write_audio(path, speechlike(duration_ms, rate_hz=rate_hz, snr_db=snr_db), rate_hz, codec)


def write_video(path: Path, samples: Floats | None, rate_hz: int = 48_000, duration_ms: int = 1000) -> Path:
    """An H.264 video (64x64, 25 fps, grey frames), with an AAC track of ``samples`` unless None."""
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = container.add_stream("aac", rate=rate_hz, layout="mono") if samples is not None else None
        for index in range(duration_ms * 25 // 1000):
            image = np.full((64, 64, 3), (index * 7) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            container.mux(video.encode(frame))
        _flush(container, video)
        if audio is not None and samples is not None:
            _encode_audio(container, audio, np.atleast_2d(samples), rate_hz)
            _flush(container, audio)
    return path


def write_video_without_audio(path: Path, duration_ms: int = 1000) -> Path:
    """An MP4 with only an H.264 video stream."""
    return write_video(path, None, duration_ms=duration_ms)


def write_jpeg(path: Path) -> Path:
    """A small JPEG image (whatever the suffix of ``path``)."""
    with av.open(str(path), mode="w", format="image2pipe") as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuvj420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), dtype=np.uint8), format="rgb24")
        container.mux(stream.encode(frame.reformat(format="yuvj420p")))
        _flush(container, stream)
    return path


def write_truncated(path: Path, source: Path, keep_bytes: int) -> Path:
    """The first ``keep_bytes`` of ``source``."""
    path.write_bytes(source.read_bytes()[:keep_bytes])
    return path


def wav_header_bytes(path: Path) -> int:
    """Bytes before the first sample of a WAV file (end of the 'data' chunk header)."""
    return path.read_bytes().index(b"data") + 8


def _encode_audio(
    container: av.container.OutputContainer, stream: av.AudioStream, planes: Floats, rate_hz: int
) -> None:
    layout = LAYOUTS[len(planes)]
    for start in range(0, planes.shape[1], _WRITE_BLOCK):
        block = np.ascontiguousarray(planes[:, start : start + _WRITE_BLOCK])
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate_hz, start, Fraction(1, rate_hz)
        container.mux(stream.encode(frame))


def _flush(container: av.container.OutputContainer, stream: av.AudioStream | av.VideoStream) -> None:
    container.mux(stream.encode(None))

"""Decoding: every container and sample format to 16 kHz mono float32, and every bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from media import (
    tone,
    wav_header_bytes,
    write_audio,
    write_jpeg,
    write_tone_wav,
    write_truncated,
    write_video,
    write_video_without_audio,
)
from mundwerk.audio import Audio, decode, iter_blocks
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.errors import AudioDecodeError


def peak_frequency_hz(audio: Audio) -> float:
    spectrum = np.abs(np.fft.rfft(audio.samples * np.hanning(len(audio.samples))))
    return float(np.argmax(spectrum) * audio.sample_rate_hz / len(audio.samples))


def amplitude_at(audio: Audio, freq_hz: float) -> float:
    """Amplitude of the sine at ``freq_hz`` (Hann window: coherent gain 0.5)."""
    spectrum = np.abs(np.fft.rfft(audio.samples * np.hanning(len(audio.samples))))
    index = round(freq_hz * len(audio.samples) / audio.sample_rate_hz)
    return float(spectrum[index - 2 : index + 3].max() * 4 / len(audio.samples))


def has_encoder(name: str) -> bool:
    try:
        av.Codec(name, "w")
    except av.error.FFmpegError:
        return False
    return True


def assert_tone(audio: Audio, duration_ms: int, freq_hz: float, tolerance_ms: int = 5) -> None:
    assert audio.sample_rate_hz == SAMPLE_RATE_HZ
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert abs(audio.duration_ms - duration_ms) <= tolerance_ms
    assert abs(peak_frequency_hz(audio) - freq_hz) < 3
    assert np.abs(audio.samples).max() <= 1.0


WAV_FORMATS = [
    ("pcm_u8", 8_000),
    ("pcm_s16le", 44_100),
    ("pcm_s24le", 96_000),
    ("pcm_s32le", 22_050),
    ("pcm_f32le", 48_000),
    ("pcm_s16le", 16_000),
]


@pytest.mark.parametrize(("codec", "rate_hz"), WAV_FORMATS)
def test_wav_any_rate_and_sample_format(tmp_path: Path, codec: str, rate_hz: int) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", 1000.0, 1500, rate_hz, channels=2, codec=codec)
    audio = decode(path)
    assert_tone(audio, 1500, 1000.0, tolerance_ms=1)
    assert abs(amplitude_at(audio, 1000.0) - 0.5) < 0.03


COMPRESSED = [
    ("tone.flac", "flac", 44_100, 1),
    ("tone.ogg", "libopus", 48_000, 30),
    ("tone.opus", "libopus", 48_000, 30),
    ("tone.mp3", "libmp3lame", 44_100, 30),
    ("tone.m4a", "aac", 44_100, 50),
    ("tone.mka", "aac", 22_050, 50),
]


@pytest.mark.parametrize(("name", "codec", "rate_hz", "tolerance_ms"), COMPRESSED)
def test_compressed_formats(tmp_path: Path, name: str, codec: str, rate_hz: int, tolerance_ms: int) -> None:
    if not has_encoder(codec):
        pytest.skip(f"PyAV's FFmpeg has no {codec} encoder")
    path = write_audio(tmp_path / name, np.tile(tone(440.0, 2000, rate_hz), (2, 1)), rate_hz, codec)
    audio = decode(path)
    assert_tone(audio, 2000, 440.0, tolerance_ms)
    assert abs(amplitude_at(audio, 440.0) - 0.5) < 0.06


def test_audio_track_of_a_video(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.mp4", tone(1000.0, 2000, 48_000), 48_000, duration_ms=2000)
    assert_tone(decode(path), 2000, 1000.0, tolerance_ms=50)


def test_stereo_is_averaged_not_summed(tmp_path: Path) -> None:
    left, right = tone(440.0, 1000, 44_100, 0.8), tone(1000.0, 1000, 44_100, 0.4)
    audio = decode(write_audio(tmp_path / "lr.wav", np.stack([left, right]), 44_100))
    assert amplitude_at(audio, 440.0) == pytest.approx(0.4, abs=0.02)
    assert amplitude_at(audio, 1000.0) == pytest.approx(0.2, abs=0.02)


def test_six_channels_all_mixed_in(tmp_path: Path) -> None:
    freqs = [300.0, 500.0, 700.0, 900.0, 1100.0, 1300.0]
    channels = np.stack([tone(f, 1000, 48_000, 0.9) for f in freqs])
    audio = decode(write_audio(tmp_path / "surround.wav", channels, 48_000))
    assert abs(audio.duration_ms - 1000) <= 1
    for freq in freqs:
        assert amplitude_at(audio, freq) == pytest.approx(0.15, abs=0.015)


def test_8khz_keeps_its_band(tmp_path: Path) -> None:
    audio = decode(write_tone_wav(tmp_path / "phone.wav", 3000.0, 1000, 8_000))
    assert_tone(audio, 1000, 3000.0, tolerance_ms=1)


@pytest.mark.parametrize("block_ms", [100, 1000, 7000])
def test_blocks_are_exact_and_add_up_to_decode(tmp_path: Path, block_ms: int) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", 440.0, 5250, 44_100, channels=2)
    blocks = list(iter_blocks(path, block_ms=block_ms))
    assert all(len(b.samples) == block_ms * 16 for b in blocks[:-1])
    assert 0 < len(blocks[-1].samples) <= block_ms * 16
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), decode(path).samples)


def test_truncated_wav_keeps_what_is_there(tmp_path: Path) -> None:
    whole = write_tone_wav(tmp_path / "whole.wav", 1000.0, 1000, 16_000)
    cut = write_truncated(tmp_path / "cut.wav", whole, wav_header_bytes(whole) + 2 * 8000)
    assert_tone(decode(cut), 500, 1000.0, tolerance_ms=1)


@pytest.mark.parametrize(("name", "codec"), [("tone.flac", "flac"), ("tone.mp3", "libmp3lame")])
def test_truncated_compressed_file_keeps_whole_frames(tmp_path: Path, name: str, codec: str) -> None:
    if not has_encoder(codec):
        pytest.skip(f"PyAV's FFmpeg has no {codec} encoder")
    whole = write_audio(tmp_path / name, tone(440.0, 4000, 44_100), 44_100, codec)
    cut = write_truncated(tmp_path / f"cut-{name}", whole, whole.stat().st_size * 3 // 4)
    audio = decode(cut)
    assert 1000 < audio.duration_ms < 3500
    assert abs(peak_frequency_hz(audio) - 440.0) < 3


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    wav = write_tone_wav(tmp_path / "good.wav")
    empty = tmp_path / "empty.wav"
    empty.touch()
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    return {
        "missing": (tmp_path / "nope.wav", "file not found: {}"),
        "directory": (tmp_path, "not a file: {}"),
        "empty": (empty, "empty file: {}"),
        "header only": (
            write_truncated(tmp_path / "header.wav", wav, wav_header_bytes(wav)),
            "no audio samples in {}",
        ),
        "cut inside header": (
            write_truncated(tmp_path / "half.wav", wav, 30),
            "not a readable audio or video file: {}",
        ),
        "random bytes": (garbage, "not a readable audio or video file: {}"),
        "jpeg named .wav": (write_jpeg(tmp_path / "photo.wav"), "no audio stream in {} (it holds: video)"),
        "video only": (write_video_without_audio(tmp_path / "silent.mp4"), "no audio stream in {}"),
    }


BAD = ["missing", "directory", "empty", "header only", "cut inside header", "random bytes"]
BAD += ["jpeg named .wav", "video only"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, case: str) -> None:
    path, expected = _bad_inputs(tmp_path)[case]
    with pytest.raises(AudioDecodeError) as caught:
        decode(path)
    message = str(caught.value)
    assert message.startswith(expected.format(path))
    assert "\n" not in message
    with pytest.raises(AudioDecodeError):
        next(iter_blocks(path))


def test_block_ms_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="block_ms"):
        next(iter_blocks(write_tone_wav(tmp_path / "a.wav"), block_ms=0))


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest).
PEAK_RSS = """
import sys
from mundwerk.audio import iter_blocks, split_at_pauses
total = sum(len(chunk.samples) for _, chunk in split_at_pauses(iter_blocks(sys.argv[1])))
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(total, status.split()[0])
"""


def _peak_rss_kib(path: Path) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path)], check=True, capture_output=True)
    total, rss = out.stdout.split()
    return int(total), int(rss)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_streaming_memory_does_not_grow_with_length(tmp_path: Path) -> None:
    minutes = {2: tmp_path / "two.wav", 10: tmp_path / "ten.wav"}
    for count, path in minutes.items():
        write_tone_wav(path, 440.0, count * 60_000, 16_000)
    (short_total, short_rss), (long_total, long_rss) = (_peak_rss_kib(p) for p in minutes.values())
    assert (short_total, long_total) == (2 * 60 * 16_000, 10 * 60 * 16_000)
    # Holding the 10 minutes whole would take 37.5 MiB of float32 more than 2 minutes.
    assert long_rss - short_rss < 8 * 1024


@pytest.mark.parametrize("channels", [1, 2])
def test_plain_16k_wav_is_read_without_ffmpeg_to_the_same_samples(tmp_path: Path, channels: int) -> None:
    import importlib
    import wave

    module = importlib.import_module("mundwerk.audio.decode")
    rng = np.random.default_rng(channels)
    pcm = np.clip(rng.normal(0, 9000, (SAMPLE_RATE_HZ * 3 + 17, channels)), -32768, 32767).astype("<i2")
    path = tmp_path / "plain.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(pcm.tobytes())
    assert module._is_plain_wav(path)
    fast = np.concatenate(list(module._mono_frames(path)))
    ffmpeg = np.concatenate(list(module._ffmpeg_frames(path)))
    assert fast.dtype == np.float32 and np.array_equal(fast, ffmpeg)
    expected = pcm.astype(np.float32).mean(axis=1) / 32768
    np.testing.assert_allclose(fast, expected, atol=1e-6)


def test_other_wavs_still_go_through_ffmpeg(tmp_path: Path) -> None:
    import importlib

    module = importlib.import_module("mundwerk.audio.decode")
    path = write_tone_wav(tmp_path / "tone.wav", 440.0, 1000, rate_hz=44_100)
    assert not module._is_plain_wav(path)

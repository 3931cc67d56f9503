"""The MP4 writer: exact frame timing, audio kept and aligned, hooks, atomic and deterministic files."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from skimage import data as skimage_data

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import MundwerkError, OutputError, UnknownChoiceError, UsageError
from mundwerk.render import VideoOptions, VideoWriter, frame_rate, probe, read_video_frames, write_video
from mundwerk.render.video import StreamedAudio

Frame = npt.NDArray[np.uint8]

SQUARE = 24
SQUARE_RGB = (220, 40, 30)
BACKGROUND = 60
ONSET_MS = 100


def square_at(index: int, width: int, height: int) -> tuple[int, int]:
    """Top-left (x, y) of the moving square in frame ``index``."""
    return (8 + 3 * index) % (width - SQUARE), (5 + 2 * index) % (height - SQUARE)


def moving_square(count: int, width: int = 160, height: int = 120) -> Iterator[Frame]:
    for index in range(count):
        frame = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
        x, y = square_at(index, width, height)
        frame[y : y + SQUARE, x : x + SQUARE] = SQUARE_RGB
        yield frame


def tone_after_onset(duration_ms: int, rate_hz: int) -> Audio:
    """A 440 Hz tone that starts sharply at ONSET_MS after silence."""
    t = np.arange(duration_ms * rate_hz // 1000) / rate_hz
    samples = 0.5 * np.sin(2 * np.pi * 440 * (t - ONSET_MS / 1000)) * (t >= ONSET_MS / 1000)
    return Audio(samples.astype(np.float32), rate_hz)


def square_centre(frame: Frame) -> tuple[float, float]:
    red = (frame[..., 0] > 150) & (frame[..., 1] < 110)
    ys, xs = np.nonzero(red)
    return float(xs.mean()), float(ys.mean())


def decoded_audio(path: Path) -> tuple[npt.NDArray[np.float32], int, float]:
    """Samples, rate and start time (s) of the decoded audio track."""
    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    samples = np.concatenate([frame.to_ndarray()[0] for frame in frames])
    return samples, frames[0].sample_rate, float(frames[0].time or 0.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (25, Fraction(25)),
        (25.0, Fraction(25)),
        (29.97, Fraction(30000, 1001)),
        ("30000/1001", Fraction(30000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (12.5, Fraction(25, 2)),
        ("24", Fraction(24)),
        (np.float64(29.97), Fraction(30000, 1001)),
    ],
)
def test_frame_rate_is_exact(value: float | str, expected: Fraction) -> None:
    assert frame_rate(value) == expected
    assert VideoOptions(fps=frame_rate(value)).fps == expected


@pytest.mark.parametrize("value", [0, -25, float("nan"), float("inf"), "fast", "1/0", 5000])
def test_bad_frame_rate_is_a_usage_error(value: float | str) -> None:
    with pytest.raises(UsageError, match="invalid frame rate"):
        VideoOptions(fps=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {"size": (0, 100)},
        {"size": (100, 20_000)},
        {"crf": 60},
        {"threads": 0},
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        VideoOptions(**options)  # type: ignore[arg-type]


def test_unknown_preset_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownChoiceError, match="veryfast"):
        VideoOptions(preset="turbo")


@pytest.mark.parametrize("fps", [Fraction(25), Fraction(30000, 1001)])
def test_frames_are_timed_exactly_at_k_over_fps(tmp_path: Path, fps: Fraction) -> None:
    path = tmp_path / "out.mp4"
    count = write_video(path, moving_square(50), VideoOptions(fps=fps))
    info = probe(path)
    assert (count, info.frame_count, info.fps) == (50, 50, fps)
    assert (info.width, info.height) == (160, 120)
    assert info.audio_rate_hz is None and info.audio_start_offset_ms is None
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: playable while downloading
    with av.open(str(path)) as container:
        times = [frame.pts * frame.time_base for frame in container.decode(video=0)]
    assert times == [Fraction(k) / fps for k in range(50)]


def test_frame_content_survives(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    write_video(path, moving_square(50))
    decoded = list(read_video_frames(path))
    assert len(decoded) == 50
    for index in (0, 1, 17, 49):
        x, y = square_at(index, 160, 120)
        centre_x, centre_y = square_centre(decoded[index])
        assert abs(centre_x - (x + SQUARE / 2 - 0.5)) < 2 and abs(centre_y - (y + SQUARE / 2 - 0.5)) < 2
    colour = decoded[10][square_at(10, 160, 120)[1] + SQUARE // 2, square_at(10, 160, 120)[0] + SQUARE // 2]
    assert np.abs(colour.astype(int) - SQUARE_RGB).max() <= 6
    assert abs(int(decoded[10][2, 150, 1]) - BACKGROUND) <= 3


def test_odd_size_is_padded_by_repeating_the_edge(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    frames = list(moving_square(10, 161, 121))
    for frame in frames:
        frame[:, -1] = (0, 200, 0)  # a green last column and bottom row
        frame[-1, :] = (0, 200, 0)
    write_video(path, frames)
    info = probe(path)
    assert (info.width, info.height) == (162, 122)
    decoded = next(read_video_frames(path))
    assert decoded[60, -1, 1] > 150 and decoded[-1, 80, 1] > 150  # the padding repeats the green edge
    assert decoded[60, -3, 1] < 100  # the picture itself is not stretched


def test_size_option_scales_the_frames(tmp_path: Path) -> None:
    path = tmp_path / "small.mp4"
    write_video(path, moving_square(5), VideoOptions(size=(80, 60)))
    info = probe(path)
    assert (info.width, info.height) == (80, 60)
    x, y = square_at(0, 160, 120)
    centre_x, centre_y = square_centre(next(read_video_frames(path)))
    assert abs(centre_x - (x + SQUARE / 2) / 2) < 2 and abs(centre_y - (y + SQUARE / 2) / 2) < 2


@pytest.mark.parametrize(("rate_hz", "encoded_hz"), [(22_050, 22_050), (48_000, 48_000), (37_000, 44_100)])
def test_audio_keeps_its_rate_and_starts_with_the_first_frame(
    tmp_path: Path, rate_hz: int, encoded_hz: int
) -> None:
    path = tmp_path / "av.mp4"
    write_video(path, moving_square(50), audio=tone_after_onset(2000, rate_hz))
    info = probe(path)
    assert info.audio_rate_hz == encoded_hz
    assert info.audio_start_offset_ms is not None and abs(info.audio_start_offset_ms) < 1
    samples, decoded_hz, start_s = decoded_audio(path)
    assert decoded_hz == encoded_hz and start_s == 0
    onset_ms = 1000 * np.argmax(np.abs(samples) > 0.05) / decoded_hz  # AAC priming hidden, not played
    assert abs(onset_ms - ONSET_MS) < 1
    assert abs(len(samples) / decoded_hz - 2) < 0.1


def test_hook_sees_every_frame_in_order_and_its_output_is_encoded(tmp_path: Path) -> None:
    calls: list[tuple[int, tuple[float, float]]] = []

    def paint_blue_corner(index: int, frame: Frame) -> Frame:
        calls.append((index, square_centre(frame)))
        out = frame.copy()
        out[:16, :16] = (0, 0, 255)
        return out

    path = tmp_path / "hooked.mp4"
    write_video(path, moving_square(20), hook=paint_blue_corner)
    assert [index for index, _ in calls] == list(range(20))
    expected = [
        (x + SQUARE / 2 - 0.5, y + SQUARE / 2 - 0.5)
        for x, y in map(square_at, range(20), [160] * 20, [120] * 20)
    ]
    assert [centre for _, centre in calls] == expected
    for frame in read_video_frames(path):
        assert frame[8, 8, 2] > 200 and frame[8, 8, 0] < 40


def test_same_input_gives_a_byte_identical_file(tmp_path: Path) -> None:
    audio = tone_after_onset(1000, 16_000)
    contents = set()
    for name in ("a", "b", "c", "d"):  # x264's MB-tree made about one run in five differ
        write_video(tmp_path / f"{name}.mp4", moving_square(25), audio=audio)
        contents.add((tmp_path / f"{name}.mp4").read_bytes())
    assert len(contents) == 1


def test_an_error_mid_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError, match="renderer failed"), VideoWriter.open(path, 160, 120) as writer:
        for index, frame in enumerate(moving_square(30)):
            if index == 20:
                raise RuntimeError("renderer failed")
            writer.write(frame)
    assert list(tmp_path.iterdir()) == []


def test_an_error_keeps_an_existing_target_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.mp4"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="RGB uint8"), VideoWriter.open(path, 160, 120) as writer:
        writer.write(np.zeros((120, 160), dtype=np.uint8))
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["old.mp4"]


def test_no_frames_is_an_error_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(MundwerkError, match="no video frames"), VideoWriter.open(tmp_path / "e.mp4", 16, 16):
        pass
    assert list(tmp_path.iterdir()) == []


def test_probe_rejects_what_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(MundwerkError, match="not a readable video file"):
        probe(text)
    with pytest.raises(MundwerkError, match="not found"):
        probe(tmp_path / "missing.mp4")


def test_missing_output_directory_is_an_output_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(OutputError, match="nowhere"):
        VideoWriter.open(missing / "out.mp4", 160, 120)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_target_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target.mp4"
    target.mkdir() if kind == "directory" else os.mkfifo(target)
    with pytest.raises(OutputError, match=r"not a regular file: .*target\.mp4"):
        VideoWriter.open(target, 160, 120)
    assert [p.name for p in tmp_path.iterdir()] == ["target.mp4"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_directory_is_an_output_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match="locked"):
        VideoWriter.open(locked / "out.mp4", 160, 120)


def test_frames_are_streamed_not_held(tmp_path: Path) -> None:
    def peak_bytes(count: int) -> int:
        tracemalloc.start()
        write_video(tmp_path / f"{count}.mp4", moving_square(count, 256, 256))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    frame_bytes = 256 * 256 * 3
    assert peak_bytes(200) < peak_bytes(20) + 10 * frame_bytes


@pytest.mark.parametrize("rate_hz", [16_000, 22_000])  # 22 kHz is resampled to 24 kHz for AAC
def test_audio_streamed_in_blocks_gives_the_same_file(tmp_path: Path, rate_hz: int) -> None:
    audio = tone_after_onset(1500, rate_hz)
    write_video(tmp_path / "whole.mp4", moving_square(25), audio=audio)
    samples = np.asarray(audio.samples)
    blocks = (samples[start : start + 777] for start in range(0, len(samples), 777))
    write_video(tmp_path / "blocks.mp4", moving_square(25), audio=StreamedAudio(rate_hz, blocks))
    assert (tmp_path / "blocks.mp4").read_bytes() == (tmp_path / "whole.mp4").read_bytes()


def test_a_failing_hook_raises_in_the_caller_and_leaves_no_file(tmp_path: Path) -> None:
    def fail_at_five(index: int, frame: Frame) -> Frame:
        if index == 5:
            raise RuntimeError("hook failed at frame 5")
        return frame

    with pytest.raises(RuntimeError, match="hook failed at frame 5"):
        write_video(tmp_path / "hooked.mp4", moving_square(30), hook=fail_at_five)
    assert list(tmp_path.iterdir()) == []


def test_a_hook_returning_a_wrong_frame_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RGB uint8"):
        write_video(tmp_path / "bad.mp4", moving_square(3), hook=lambda index, frame: frame[:, :, 0])
    assert list(tmp_path.iterdir()) == []


PATCH_COLOURS = ((200, 40, 30), (40, 180, 60), (30, 60, 200), (230, 200, 60), (224, 172, 150))


def test_a_photo_keeps_its_colours_through_the_encoder(tmp_path: Path) -> None:
    # The colour conversion and the stream's tags must agree: decoding as the tags say gives
    # back the photo (up to chroma subsampling and CRF 18). Saturated patches show a matrix
    # mismatch (BT.601 decoded as BT.709 shifts them by 10+ levels), a photo the overall error.
    photo = np.ascontiguousarray(skimage_data.astronaut()[:240, 128:448])
    patches = np.repeat(np.array(PATCH_COLOURS, dtype=np.uint8)[None, :, :], 64, axis=1).repeat(64, axis=0)
    picture = np.concatenate([photo, patches[:, :320]], axis=0)
    path = tmp_path / "photo.mp4"
    write_video(path, [picture] * 3)
    with av.open(str(path)) as container:
        codec = container.streams.video[0].codec_context
        tags = (codec.colorspace, codec.color_primaries, codec.color_trc, codec.color_range)
    assert tags == (6, 1, 1, 1)  # BT.601 matrix (SMPTE 170M), BT.709 primaries and transfer, limited range
    decoded = next(read_video_frames(path)).astype(int)
    assert np.abs(decoded[:240] - photo).mean() < 2.5
    for number, colour in enumerate(PATCH_COLOURS):
        centre = decoded[240 + 16 : 240 + 48, 64 * number + 16 : 64 * number + 48].mean(axis=(0, 1))
        assert np.abs(centre - colour).max() < 4, (colour, centre)

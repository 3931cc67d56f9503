"""``mundwerk inspect``: renders with known audio shifts read back, bad inputs fail clearly (exit 2)."""

from __future__ import annotations

import itertools
import json
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from bench.inspect import Stretch, perturbed_render, render_clip, shifted_copy
from PIL import Image

from media import speechlike, write_audio, write_truncated, write_video, write_video_without_audio
from mundwerk.cli import main
from mundwerk.inspect.plan import MAX_ANALYSED_MS, sampling_plan
from mundwerk.inspect.segments import disagreeing_segments
from mundwerk.inspect.sync import Signals, correlate
from mundwerk.inspecting import inspect_video

skimage_data = pytest.importorskip("skimage.data")

TEXT = "Bob, my mom made a pie. Wow, a big apple pie! Then we walked down to the harbour."
TOLERANCE_MS = 40


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("face") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


@pytest.fixture(scope="module")
def clip(photo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One render for the whole module (about 7 s of speech)."""
    return render_clip(photo, tmp_path_factory.mktemp("clip") / "talk.mp4", text=TEXT)


def _shifted(clip: Path, shift_ms: int) -> Path:
    return shifted_copy(clip, clip.with_name(f"talk{shift_ms:+d}.mp4"), shift_ms)


def _cli(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["inspect", "-q", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


# --- the offset on synthetic signals (exact answers) ----------------------------------------


def _smooth_noise(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(count + 100), np.hanning(81), mode="valid")[:count]


@pytest.mark.parametrize("lag_ms", [-437, -120, 0, 37, 250, 590])
def test_correlation_finds_the_lag_below_the_grid_step(lag_ms: int) -> None:
    fine = _smooth_noise(8000, seed=lag_ms & 0xFF)  # 1 ms steps
    mouth = fine[1000:7000:10]
    voice = fine[1000 - lag_ms : 7000 - lag_ms : 10]  # voice[t] = mouth[t - lag]: the voice comes later
    offset, peak = correlate(Signals(0.0, mouth, voice)).best()
    assert abs(offset - lag_ms) <= 4
    assert peak > 0.9


@pytest.mark.parametrize(("seed", "delay_ms"), [(0, 320), (1, -320), (2, 200)])
def test_a_stretch_with_another_offset_is_found_with_its_edges(seed: int, delay_ms: int) -> None:
    fine = _smooth_noise(10_000, seed)  # 1 ms steps
    times_ms = np.arange(1000, 9000, 10)
    inside = (times_ms >= 3000) & (times_ms < 5000)
    mouth = fine[np.where(inside, times_ms - delay_ms, times_ms)]  # the mouth late by delay_ms in 3–5 s
    voice = fine[times_ms]
    signals = Signals(1000.0, mouth, voice)
    offset, _ = correlate(signals).best()
    assert abs(offset) <= 5
    (segment,) = disagreeing_segments(signals, offset, 600)
    assert segment.offset_ms is not None and abs(segment.offset_ms + delay_ms) <= 10
    assert abs(segment.start_ms - 3000) <= 500 and abs(segment.end_ms - 5000) <= 500
    assert disagreeing_segments(Signals(1000.0, voice, voice), 0.0, 600) == []


def test_sampling_plan_bounds_a_two_hour_video() -> None:
    two_hours = 2 * 3600 * 1000
    windows = sampling_plan(two_hours)
    assert sum(w.duration_ms for w in windows) <= MAX_ANALYSED_MS
    assert windows[0].start_ms == 0 and windows[-1].end_ms == two_hours
    assert all(a.end_ms < b.start_ms for a, b in itertools.pairwise(windows))
    assert sampling_plan(60_000) == (sampling_plan(60_000)[0],) and sampling_plan(60_000)[0].end_ms == 60_000


# --- renders --------------------------------------------------------------------------------


def test_unshifted_render_reads_zero_and_exits_0(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli([str(clip), "--json"], capsys)
    report = json.loads(out)
    assert code == 0, (out, err)
    assert {"offset_ms", "confidence", "segments"} <= report.keys()
    assert abs(report["offset_ms"]) <= TOLERANCE_MS
    assert report["confidence"] >= 3.5
    assert report["segments"] == []


@pytest.mark.slow
@pytest.mark.parametrize(("shift_ms", "predictor"), [(-200, "phones"), (200, "band")])
def test_shifted_audio_reads_the_shift_with_its_sign(clip: Path, shift_ms: int, predictor: str) -> None:
    report = inspect_video(_shifted(clip, shift_ms), predictor=predictor)
    assert abs(report.offset_ms - shift_ms) <= TOLERANCE_MS, report
    assert not report.in_sync
    assert report.segments == ()  # a uniform shift is no disagreement within the video


def test_audio_300_ms_late_exits_1(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli([str(_shifted(clip, 300))], capsys)
    assert code == 1
    assert "OUT OF SYNC" in out and "audio late" in out


@pytest.mark.slow
def test_a_stretch_with_the_mouth_late_is_found(photo: Path, tmp_path: Path) -> None:
    stretch = Stretch(2000, 4000, 300)
    video = perturbed_render(photo, tmp_path / "perturbed.mp4", TEXT, stretch)
    report = inspect_video(video, predictor="phones")  # band misreads this short clip (see docs)
    assert abs(report.offset_ms) <= TOLERANCE_MS
    (found,) = report.segments
    assert found.offset_ms is not None and abs(found.offset_ms + stretch.delay_ms) <= 80
    assert abs(found.start_ms - stretch.start_ms) <= 600 and abs(found.end_ms - stretch.end_ms) <= 600


# --- bad input: exit 2, one line naming the problem -----------------------------------------


def _long_still_face(path: Path, photo: Path, hours: float) -> Path:
    """A long video of a still face at 1 fps (cheap to write), with 10 s of sound at the start."""
    image = np.array(Image.open(photo).convert("RGB").resize((256, 256)))
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=1, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 256, 256, "yuv420p"
        audio = container.add_stream("aac", rate=16000, layout="mono")
        for second in range(round(hours * 3600)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = second, Fraction(1, 1)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        samples = speechlike(10_000)[None, :]
        for start in range(0, samples.shape[1], 1024):
            block = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, start : start + 1024]), "fltp", "mono"
            )
            block.sample_rate, block.pts, block.time_base = 16000, start, Fraction(1, 16000)
            container.mux(audio.encode(block))
        container.mux(audio.encode(None))
    return path


BAD_INPUTS = {
    "missing": (lambda folder, clip, photo: folder / "nowhere.mp4", "file not found"),
    "not media": (lambda folder, clip, photo: _text(folder / "notes.mp4"), "not a readable video file"),
    "truncated": (
        lambda folder, clip, photo: write_truncated(folder / "cut.mp4", clip, clip.stat().st_size // 2),
        "truncated video",
    ),
    "no audio": (
        lambda folder, clip, photo: write_video_without_audio(folder / "silent.mp4"),
        "no audio stream",
    ),
    "no video": (
        lambda folder, clip, photo: write_audio(folder / "voice.wav", speechlike(2000), 16000),
        "no video stream",
    ),
    "no face": (
        lambda folder, clip, photo: write_video(
            folder / "grey.mp4", speechlike(2000, rate_hz=48000), 48000, 2000
        ),
        "no face",
    ),
}


def _text(path: Path) -> Path:
    path.write_text("not a video\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_with_exit_2_and_one_line(
    case: str, clip: Path, photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, message = BAD_INPUTS[case]
    path = make(tmp_path, clip, photo)
    before = sorted(tmp_path.iterdir())
    code, out, err = _cli([str(path), "--json"], capsys)
    assert code == 2, err
    assert err.startswith("mundwerk: error: ") and message in err and str(path) in err, err
    assert "\n" not in err and "Traceback" not in err
    assert out == ""
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.slow
def test_two_hour_video_is_sampled_in_bounded_time(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = _long_still_face(tmp_path / "two-hours.mp4", photo, hours=2.0)
    started = time.perf_counter()
    code, _, err = _cli([str(video)], capsys)
    assert code == 2
    assert "the mouth does not move" in err, err
    assert time.perf_counter() - started < 120


def test_unknown_predictor_is_a_usage_error(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["inspect", str(clip), "--predictor", "oracle"])
    assert raised.value.code == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err

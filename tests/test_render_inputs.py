"""The talking portrait's inputs: cue files as the speech source, odd and bad photos, several
faces, audio without speech, bad output places. Every failure is one line with the documented
exit code and leaves no video behind; every odd-but-valid input renders."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from media import speechlike, write_audio
from mundwerk.cli import main
from mundwerk.core.curves import frame_count
from mundwerk.face.landmarks import Face, HeadPose, default_analyzer
from mundwerk.face.mouth_measure import measure_mouth
from mundwerk.render import probe, read_video_frames
from mundwerk.rendering import choose_face, render

skimage_data = pytest.importorskip("skimage.data")

RGB = npt.NDArray[np.uint8]
AUDIO_MS = 600
FPS = 25
#: Rest, wide open (D) from 0.10 s, lips shut (A) from 0.35 s, rest from 0.45 s.
CUES = "0.00\tX\n0.10\tD\n0.35\tA\n0.45\tX\n0.60\tX\n"
OPEN_FRAME = 6  # 0.24 s: inside D
ASTRONAUT_FACE_CENTER = (225.0, 125.0)


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.fromarray(skimage_data.astronaut())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


@pytest.fixture(scope="module")
def photo(astronaut: Image.Image, folder: Path) -> Path:
    path = folder / "astronaut.png"
    astronaut.save(path)
    return path


@pytest.fixture(scope="module")
def speech(folder: Path) -> Path:
    return write_audio(folder / "speech.wav", speechlike(AUDIO_MS, ((50, 550),)), 16_000)


@pytest.fixture(scope="module")
def cues(folder: Path) -> Path:
    path = folder / "cues.tsv"
    path.write_text(CUES)
    return path


def _cli(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["render", "-q", *arguments])
    error = capsys.readouterr().err.strip()
    assert "Traceback" not in error
    return code, error


def _no_video_in(folder: Path) -> bool:
    return not folder.is_dir() or not list(folder.glob("*.mp4*"))


def _mouth_change(first: RGB, second: RGB, face: Face) -> float:
    """Mean absolute difference of two frames around a face's mouth."""
    points = face.landmarks_px
    left, right = int(points[61, 0]) - 10, int(points[291, 0]) + 10  # mouth corners
    top, bottom = int(points[0, 1]) - 10, int(points[17, 1]) + 25  # upper lip, lower lip
    region = (slice(top, bottom), slice(left, right))
    return float(np.abs(first[region].astype(np.int16) - second[region]).mean())


def _frames(path: Path) -> list[RGB]:
    return list(read_video_frames(path))


# --- cue files as the speech source -------------------------------------------------------


def test_cues_drive_the_mouth_and_audio_is_the_sound(
    photo: Path, speech: Path, cues: Path, tmp_path: Path
) -> None:
    result = render(photo, tmp_path / "cued.mp4", audio=speech, cues=cues, still=True)
    info = probe(result.path)
    assert result.frame_count == info.frame_count == frame_count(AUDIO_MS, FPS)
    assert info.audio_rate_hz == 16_000
    analyzer = default_analyzer()
    frames = _frames(result.path)
    openings = [
        measure_mouth(analyzer.detect(frames[k])[0].landmarks_px).opening for k in (1, OPEN_FRAME, 10)
    ]
    assert openings[1] > openings[0] + 0.1  # D: wide open
    assert openings[2] < openings[0] + 0.03  # A: shut again


def test_cues_longer_than_the_audio_are_cut_with_a_warning(
    photo: Path, speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_cues = tmp_path / "long.tsv"
    long_cues.write_text("0.00\tX\n0.20\tC\n2.50\tX\n")
    output = tmp_path / "cut.mp4"
    code, error = _cli(
        ["--face", str(photo), "--audio", str(speech), "--cues", str(long_cues), "-o", str(output)], capsys
    )
    assert code == 0, error
    assert error == (
        f"mundwerk: warning: the cues in {long_cues} run to 2.50 s, "
        "past the end of the audio (0.60 s); cut at 0.60 s"
    )
    assert probe(output).frame_count == frame_count(AUDIO_MS, FPS)


@pytest.mark.parametrize(
    ("cue_args", "code", "message"),
    [
        (
            ["--cues", "{bad}"],
            1,
            "mundwerk: error: malformed cue file bad.tsv, line 2: "
            "unknown mouth shape 'Q'; expected one of A, B, C, D, E, F, G, H, X",
        ),
        (
            ["--cues", "{cues}", "--cues-format", "srt"],
            2,
            "mundwerk: error: unknown cue format 'srt'; "
            "choose one of: curves-csv, curves-json, dat, json, tsv, xml",
        ),
        (["--cues", "{nowhere}"], 1, "mundwerk: error: cue file not found: {nowhere}"),
    ],
)
def test_bad_cue_files_fail_before_any_work(
    cue_args: list[str],
    code: int,
    message: str,
    photo: Path,
    speech: Path,
    cues: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("0.00\tX\n0.10\tQ\n")
    names = {"bad": bad, "cues": cues, "nowhere": tmp_path / "nowhere.tsv"}
    output = tmp_path / "out" / "video.mp4"
    output.parent.mkdir()
    arguments = [argument.format(**names) for argument in cue_args]
    exit_code, error = _cli(
        ["--face", str(photo), "--audio", str(speech), *arguments, "-o", str(output)], capsys
    )
    assert (exit_code, error) == (code, message.format(**names))
    assert _no_video_in(output.parent)


def test_cues_need_the_audio(
    photo: Path, cues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error = _cli(["--face", str(photo), "--cues", str(cues), "-o", str(tmp_path / "x.mp4")], capsys)
    assert (code, error) == (
        2,
        "mundwerk: error: --cues needs --audio AUDIO: the sound the cues were made for",
    )
    assert _no_video_in(tmp_path)


# --- odd photos that must work --------------------------------------------------------------


def _grayscale(image: Image.Image, folder: Path) -> Path:
    image.convert("L").save(folder / "gray.png")
    return folder / "gray.png"


def _cmyk(image: Image.Image, folder: Path) -> Path:
    image.convert("CMYK").save(folder / "cmyk.jpg", quality=92)
    return folder / "cmyk.jpg"


def _png16(image: Image.Image, folder: Path) -> Path:
    Image.fromarray(np.asarray(image.convert("L")).astype(np.uint16) * 257).save(folder / "deep.png")
    with Image.open(folder / "deep.png") as saved:
        assert saved.mode.startswith("I;16") or saved.mode == "I"  # really 16 bits per sample
    return folder / "deep.png"


def _rgba(image: Image.Image, folder: Path) -> Path:
    rgba = image.convert("RGBA")
    alpha = np.full((512, 512), 255, dtype=np.uint8)
    alpha[:, :80] = 0  # a transparent strip beside the face
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(folder / "alpha.png")
    return folder / "alpha.png"


ODD_PHOTOS = {"grayscale": _grayscale, "cmyk": _cmyk, "png16": _png16, "rgba": _rgba}


@pytest.mark.parametrize("kind", sorted(ODD_PHOTOS))
def test_odd_image_modes_render(
    kind: str, astronaut: Image.Image, speech: Path, cues: Path, tmp_path: Path
) -> None:
    face = ODD_PHOTOS[kind](astronaut, tmp_path)
    result = render(face, tmp_path / "out.mp4", audio=speech, cues=cues, still=True)
    info = probe(result.path)
    assert (info.width, info.height, info.frame_count) == (512, 512, frame_count(AUDIO_MS, FPS))
    frames = _frames(result.path)
    face_found = default_analyzer().detect(frames[0])[0]
    assert face_found.box.center_px == pytest.approx(ASTRONAUT_FACE_CENTER, abs=8)
    assert _mouth_change(frames[0], frames[OPEN_FRAME], face_found) > 8  # it speaks


def test_exif_rotated_jpeg_renders_upright(
    astronaut: Image.Image, speech: Path, cues: Path, tmp_path: Path
) -> None:
    upright = astronaut.crop((0, 0, 512, 384))  # landscape, so a sideways video would show in its size
    stored = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown after turning 90° clockwise
    upright.transpose(Image.Transpose.ROTATE_90).save(stored, exif=exif, quality=92)
    result = render(stored, tmp_path / "out.mp4", audio=speech, cues=cues, still=True)
    info = probe(result.path)
    assert (info.width, info.height) == (512, 384)
    analyzer = default_analyzer()
    expected = analyzer.detect(np.asarray(upright))[0]
    found = analyzer.detect(_frames(result.path)[0])[0]
    assert abs(found.pose.roll_deg - expected.pose.roll_deg) < 5
    assert np.abs(found.landmarks_px[:, :2] - expected.landmarks_px[:, :2]).mean() < 3


def test_a_huge_photo_is_scaled_to_1080p(
    astronaut: Image.Image, speech: Path, cues: Path, tmp_path: Path
) -> None:
    canvas = Image.new("RGB", (8000, 6000), (120, 110, 100))
    canvas.paste(astronaut.resize((2400, 2400)), (4000, 2000))
    huge = tmp_path / "huge.jpg"
    canvas.save(huge, quality=80)
    result = render(huge, tmp_path / "out.mp4", audio=speech, cues=cues, still=True)
    info = probe(result.path)
    assert (info.width, info.height) == (1440, 1080)
    assert info.frame_count == frame_count(AUDIO_MS, FPS)


# --- audio without speech ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_audio_without_speech_gives_a_closed_mouth_video(kind: str, photo: Path, tmp_path: Path) -> None:
    noise = np.random.default_rng(3).normal(0.0, 0.05, 16_000)
    samples = np.zeros(16_000) if kind == "silence" else noise
    sound = write_audio(tmp_path / f"{kind}.wav", samples.astype(np.float32), 16_000)
    result = render(photo, tmp_path / "out.mp4", audio=sound, still=True)
    with av.open(str(result.path)) as container:
        assert len(container.streams.video) == 1 and len(container.streams.audio) == 1
        assert container.streams.audio[0].codec_context.name == "aac"
    assert probe(result.path).frame_count == frame_count(1000, FPS)
    analyzer = default_analyzer()
    rest = measure_mouth(analyzer.detect(np.asarray(Image.open(photo).convert("RGB")))[0].landmarks_px)
    for frame in _frames(result.path)[::6]:
        assert measure_mouth(analyzer.detect(frame)[0].landmarks_px).opening < rest.opening + 0.02


# --- several faces, small faces, turned faces ----------------------------------------------


@pytest.fixture(scope="module")
def two_faces(astronaut: Image.Image, folder: Path) -> Path:
    canvas = Image.new("RGB", (1000, 512), (128, 128, 128))
    canvas.paste(astronaut.resize((450, 450)), (512, 40))
    canvas.paste(astronaut, (0, 0))
    path = folder / "two.png"
    canvas.save(path)
    return path


@pytest.mark.parametrize("index", [0, 1])
def test_several_faces_animate_the_chosen_one_and_say_which(
    index: int,
    two_faces: Path,
    speech: Path,
    cues: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "out.mp4"
    arguments = ["--face", str(two_faces), "--audio", str(speech), "--cues", str(cues), "--still"]
    code, error = _cli([*arguments, "--face-index", str(index), "-o", str(output)], capsys)
    assert code == 0, error
    which = "the largest" if index == 0 else "number 1 by size"
    assert error == (
        f"mundwerk: warning: 2 faces in {two_faces}; animating face {index} ({which}) "
        "— use --face-index to choose"
    )
    faces = default_analyzer().detect(np.asarray(Image.open(two_faces).convert("RGB")))
    frames = _frames(output)
    changes = [_mouth_change(frames[0], frames[OPEN_FRAME], face) for face in faces]
    assert changes[index] > 8
    assert changes[1 - index] < 2


def test_a_face_index_beyond_the_faces_is_a_usage_error(
    two_faces: Path, speech: Path, cues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.mp4"
    arguments = ["--face", str(two_faces), "--audio", str(speech), "--cues", str(cues), "-o", str(output)]
    code, error = _cli([*arguments, "--face-index", "2"], capsys)
    assert (code, error) == (2, f"mundwerk: error: invalid --face-index 2: {two_faces} has 2 usable face(s)")
    assert _no_video_in(tmp_path)


def _turned(face: Face, yaw_deg: float) -> Face:
    """``face`` with its real head pose turned further by ``yaw_deg`` about the vertical axis."""
    turn = math.radians(yaw_deg)
    rotation = np.eye(4, dtype=np.float32)
    rotation[[0, 0, 2, 2], [0, 2, 0, 2]] = [math.cos(turn), math.sin(turn), -math.sin(turn), math.cos(turn)]
    matrix = (face.transform @ rotation).astype(np.float32)
    return dataclasses.replace(face, transform=matrix, pose=HeadPose.from_matrix(matrix))


def test_a_face_turned_past_45_degrees_is_a_warning(
    astronaut: Image.Image, caplog: pytest.LogCaptureFixture
) -> None:
    # MediaPipe finds no face in a synthetic turn past 45° of this photo (squashing or a
    # perspective warp loses it), so the real face's pose matrix is turned instead.
    face = default_analyzer().detect(np.asarray(astronaut))[0]
    with caplog.at_level(logging.WARNING, logger="mundwerk.rendering"):
        assert choose_face([_turned(face, 30)], 0, "photo.jpg") is not None
        assert caplog.records == []
        turned = _turned(face, 55)
        assert choose_face([turned], 0, "photo.jpg") is turned
    assert turned.pose.yaw_deg == pytest.approx(face.pose.yaw_deg + 55, abs=3)
    assert [record.getMessage() for record in caplog.records] == [
        f"the face in photo.jpg is turned away (yaw {turned.pose.yaw_deg:.0f}°, "
        f"pitch {turned.pose.pitch_deg:.0f}°, over 45°); the result may look wrong"
    ]


# --- bad input: one line, the documented exit code, no video --------------------------------


def _tiny_face(astronaut: Image.Image, folder: Path) -> Path:
    canvas = Image.new("RGB", (320, 320), (128, 128, 128))
    canvas.paste(astronaut.resize((290, 290), Image.Resampling.LANCZOS), (0, 0))  # face about 60 px
    canvas.save(folder / "small.png")
    return folder / "small.png"


def _truncated_jpeg(astronaut: Image.Image, folder: Path) -> Path:
    astronaut.save(folder / "whole.jpg", quality=90)
    data = (folder / "whole.jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(data[: len(data) * 6 // 10])
    return folder / "cut.jpg"


def _not_an_image(astronaut: Image.Image, folder: Path) -> Path:
    (folder / "notes.jpg").write_text("these are my notes, not a photo\n")
    return folder / "notes.jpg"


def test_truncated_jpeg_fails_clearly(
    astronaut: Image.Image, speech: Path, cues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    face = _truncated_jpeg(astronaut, tmp_path)
    output = tmp_path / "out" / "video.mp4"
    output.parent.mkdir()
    code, error = _cli(
        ["--face", str(face), "--audio", str(speech), "--cues", str(cues), "-o", str(output)], capsys
    )
    assert code == 1
    assert error.startswith(f"mundwerk: error: cannot decode image {face}: image file is truncated")
    assert "\n" not in error and _no_video_in(output.parent)


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (
            _tiny_face,
            1,
            r"mundwerk: error: \S+small.png: face too small: \d\d px, "
            r"need at least 80 px \(use a larger photo\)",
        ),
        (_not_an_image, 1, r"mundwerk: error: not an image \(unrecognised format\): \S+notes.jpg"),
    ],
    ids=["tiny face", "not an image"],
)
def test_bad_photos_fail_clearly(
    make: Callable[[Image.Image, Path], Path],
    code: int,
    message: str,
    astronaut: Image.Image,
    speech: Path,
    cues: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    face = make(astronaut, tmp_path)
    output = tmp_path / "out" / "video.mp4"
    output.parent.mkdir()
    exit_code, error = _cli(
        ["--face", str(face), "--audio", str(speech), "--cues", str(cues), "-o", str(output)], capsys
    )
    assert exit_code == code
    assert re.fullmatch(message, error), error
    assert _no_video_in(output.parent)


def test_output_inside_a_file_is_a_usage_error(
    photo: Path, speech: Path, cues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("a file, not a folder")
    output = blocker / "video.mp4"
    code, error = _cli(
        ["--face", str(photo), "--audio", str(speech), "--cues", str(cues), "-o", str(output)], capsys
    )
    assert (code, error) == (2, f"mundwerk: error: output directory is not a directory: {blocker}")
    assert [path.name for path in tmp_path.iterdir()] == ["report.txt"]


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes into read-only directories; permissions cannot be tested"
)
def test_unwritable_output_directory_is_a_usage_error(
    photo: Path, speech: Path, cues: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        output = locked / "video.mp4"
        code, error = _cli(
            ["--face", str(photo), "--audio", str(speech), "--cues", str(cues), "-o", str(output)], capsys
        )
        assert (code, error) == (2, f"mundwerk: error: output directory is not writable: {locked}")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_unknown_language_lists_the_valid_ones(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.mp4"
    code, error = _cli(
        ["--face", str(photo), "--text", "Hi.", "--language", "xx-nope", "-o", str(output)], capsys
    )
    assert code == 2
    assert error.startswith("mundwerk: error: unknown language ") and "'xx-nope'; choose one of: " in error
    assert "de, en-gb, en-us" in error and "\n" not in error
    assert _no_video_in(tmp_path)

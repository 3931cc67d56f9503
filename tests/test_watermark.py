"""The invisible watermark: payload coding, invisibility (PSNR), and detection after the
attacks of a video's way to a viewer (real libx264 at CRF 28, real area scaling)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from bench import watermark_attacks as attack
from PIL import Image

from mundwerk.core.errors import MundwerkError, UsageError
from mundwerk.provenance import watermark_code as code
from mundwerk.provenance.watermark import (
    FORMAT_VERSION,
    MARKER,
    Embedder,
    Payload,
    detect_frames,
)
from mundwerk.provenance.watermark_embed import texture_mask
from mundwerk.provenance.watermark_pattern import block_size
from mundwerk.render.video import write_video
from mundwerk.watermarking import detect_file, new_job_id

skimage_data = pytest.importorskip("skimage.data")

JOB_ID = 0xC0FFEE42
Frames = list[np.ndarray]


def _talking(count: int) -> Frames:
    """The astronaut (512×512) with a 'mouth' that opens and closes: a synthetic talking clip."""
    base = skimage_data.astronaut()
    frames = []
    for index in range(count):
        frame = base.copy()
        opening = int(6 + 6 * np.sin(index / 3))
        frame[300 - opening : 300 + opening, 230:290] = (90, 30, 40)
        frames.append(frame)
    return frames


@pytest.fixture(scope="module")
def clip() -> Frames:
    return _talking(100)


@pytest.fixture(scope="module")
def marked(clip: Frames) -> Frames:
    embedder = Embedder.for_job(JOB_ID)
    return [embedder.embed(index, frame) for index, frame in enumerate(clip)]


def _psnr_db(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / mse)


def test_payload_round_trips_through_its_bits() -> None:
    payload = Payload(job_id=0xFFFFFFFF, version=7)
    bits = payload.to_bits()
    assert len(bits) == 56
    assert code.bits_to_int(bits[:16]) == MARKER
    assert Payload.from_bits(bits) == payload
    assert Payload(12).version == FORMAT_VERSION


def test_bits_without_the_marker_are_no_payload() -> None:
    bits = Payload(5).to_bits()
    bits[3] ^= 1
    assert Payload.from_bits(bits) is None


@pytest.mark.parametrize("job_id", [-1, 1 << 32])
def test_job_ids_outside_32_bits_are_refused(job_id: int) -> None:
    with pytest.raises(UsageError, match=f"invalid watermark job id {job_id}"):
        Payload(job_id)


def test_new_job_ids_fit_32_bits_and_differ() -> None:
    ids = {new_job_id() for _ in range(20)}
    assert len(ids) > 15 and all(0 <= job_id < 1 << 32 for job_id in ids)


def test_code_corrects_sign_errors_and_rejects_noise() -> None:
    rng = np.random.default_rng(3)
    info = Payload(JOB_ID).to_bits()
    coded = code.encode(info)
    soft = 2.0 * coded - 1.0
    flipped = rng.choice(len(soft), size=8, replace=False)
    soft[flipped] *= -1
    decoded = code.decode(soft, len(info))
    assert decoded is not None and np.array_equal(decoded, info)
    assert all(code.decode(rng.normal(size=len(soft)), len(info)) is None for _ in range(200))


def test_marked_frames_are_within_42_db_of_the_originals(clip: Frames, marked: Frames) -> None:
    assert marked[0].shape == clip[0].shape and marked[0].dtype == np.uint8
    assert min(_psnr_db(m, c) for m, c in zip(marked[:10], clip[:10], strict=True)) >= 42.0
    assert not np.array_equal(marked[0], clip[0])


ATTACKS: dict[str, Callable[[Frames], Frames]] = {
    "none": lambda frames: frames[:25],
    "h264_crf28": lambda frames: attack.h264(frames[:50]),
    "half_size": lambda frames: attack.rescale(frames[:25], 0.5),
    "crop_10pct": lambda frames: attack.crop(frames[:25], seed=4),
    "brighter_10pct": lambda frames: attack.brightness(frames[:25], 1.1),
    "darker_10pct": lambda frames: attack.brightness(frames[:25], 0.9),
    "excerpt_3s": lambda frames: attack.excerpt(frames, 17),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_the_watermark_survives(marked: Frames, name: str) -> None:
    found = detect_frames(ATTACKS[name](marked))
    assert found.detected, found
    assert found.payload == Payload(JOB_ID)
    assert found.confidence > 0.99


@pytest.mark.parametrize("name", ["none", "h264_crf28", "half_size", "crop_10pct"])
def test_unmarked_frames_show_no_watermark(clip: Frames, name: str) -> None:
    found = detect_frames(ATTACKS[name](clip))
    assert not found.detected and found.payload is None


@pytest.mark.parametrize("image", ["camera", "coffee", "chelsea", "noise"])
def test_unmarked_pictures_show_no_watermark(image: str) -> None:
    if image == "noise":
        picture = np.random.default_rng(1).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    else:
        picture = getattr(skimage_data, image)()
    assert not detect_frames([picture]).detected


@pytest.mark.parametrize(("side", "chip_px"), [(128, 3), (256, 4), (360, 6), (512, 6), (720, 8), (1080, 12)])
def test_chips_are_at_least_6_px_while_three_tiles_fit(side: int, chip_px: int) -> None:
    assert block_size(side, 2 * side) == chip_px


def test_small_frames_put_more_of_the_pattern_into_flat_areas() -> None:
    frame = skimage_data.astronaut()
    flat = np.zeros(frame.shape[:2], dtype=bool)
    flat[:100, 400:] = True  # the plain dark background of the photo
    small = texture_mask(frame, 6)
    large = texture_mask(np.repeat(np.repeat(frame, 2, axis=0), 2, axis=1), 12)[::2, ::2]
    assert small[flat].mean() > 1.0 > large[flat].mean()


def test_frames_of_different_sizes_are_refused(clip: Frames) -> None:
    with pytest.raises(ValueError, match="frame of size"):
        detect_frames([clip[0], clip[0][:100]])


def test_embed_refuses_what_is_not_an_rgb_frame() -> None:
    with pytest.raises(ValueError, match="expected an RGB uint8 frame"):
        Embedder.for_job(1).embed(0, np.zeros((64, 64), dtype=np.uint8))


def test_a_marked_png_and_jpeg_are_found_and_rgba_keeps_its_alpha(tmp_path: Path) -> None:
    rgba = np.dstack([skimage_data.astronaut(), np.full((512, 512), 200, dtype=np.uint8)])
    marked = Embedder.for_job(JOB_ID).embed_image(rgba)
    assert marked.shape == rgba.shape and np.array_equal(marked[..., 3], rgba[..., 3])
    assert _psnr_db(marked[..., :3], rgba[..., :3]) >= 42.0
    Image.fromarray(marked, "RGBA").save(tmp_path / "marked.png")
    Image.fromarray(np.ascontiguousarray(marked[..., :3])).save(tmp_path / "marked.jpg", quality=90)
    for name in ("marked.png", "marked.jpg"):
        found = detect_file(tmp_path / name)
        assert found.detected and found.payload == Payload(JOB_ID), name


def test_a_video_written_with_the_hook_is_found_reading_at_most_max_frames(
    tmp_path: Path, clip: Frames
) -> None:
    path = tmp_path / "marked.mp4"
    write_video(path, clip[:60], hook=Embedder.for_job(JOB_ID).embed)
    found = detect_file(path, max_frames=40)
    assert found.detected and found.payload == Payload(JOB_ID)
    assert found.frames == 40


def test_detect_file_names_a_file_that_is_not_media(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    with pytest.raises(MundwerkError, match=r"not a readable video file: .*notes\.mp4"):
        detect_file(path)
    with pytest.raises(MundwerkError, match="file not found"):
        detect_file(tmp_path / "missing.mp4")


@pytest.mark.slow
def test_render_watermarks_by_default_and_says_when_it_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mundwerk.cli import main
    from mundwerk.rendering import render

    photo = tmp_path / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(photo)
    result = render(photo, tmp_path / "marked.mp4", text="Hello there.", still=True, sign=False)
    assert result.watermark_job_id is not None
    found = detect_file(result.path)
    assert found.detected and found.payload == Payload(result.watermark_job_id)
    plain = tmp_path / "plain.mp4"
    exit_code = main(["render", "--face", str(photo), "--text", "Hi.", "-o", str(plain), "--no-watermark"])
    assert exit_code == 0
    warning = "mundwerk: warning: --no-watermark: the video will carry no invisible watermark"
    assert warning in capsys.readouterr().err
    assert not detect_file(plain).detected

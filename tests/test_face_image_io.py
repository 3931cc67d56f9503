"""Robust image loading: every odd format of the portrait still shows the face at its place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import tifffile
from PIL import Image
from skimage import data

from mundwerk.core.errors import ImageDecodeError, MundwerkError
from mundwerk.face.assets import ensure_face_landmarker
from mundwerk.face.image_io import ALPHA_BACKGROUND_RGB, load_image, to_rgb
from mundwerk.face.landmarks import FaceAnalyzer, default_analyzer

RGB = npt.NDArray[np.uint8]
FACE_CENTER = (225.0, 125.0)
EXIF_ORIENTATION = 0x0112


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    ensure_face_landmarker()
    return default_analyzer()


@pytest.fixture(scope="module")
def portrait() -> Image.Image:
    return Image.fromarray(data.astronaut())


def _grayscale(image: Image.Image, path: Path) -> Path:
    image.convert("L").save(path.with_suffix(".png"))
    return path.with_suffix(".png")


def _cmyk(image: Image.Image, path: Path) -> Path:
    image.convert("CMYK").save(path.with_suffix(".jpg"), quality=92)
    return path.with_suffix(".jpg")


def _gray16(image: Image.Image, path: Path) -> Path:
    wide = np.asarray(image.convert("L")).astype(np.uint16) * 257
    Image.fromarray(wide).save(path.with_suffix(".png"))
    return path.with_suffix(".png")


def _rgb16_tiff(image: Image.Image, path: Path) -> Path:
    tifffile.imwrite(path.with_suffix(".tif"), np.asarray(image).astype(np.uint16) * 257)
    return path.with_suffix(".tif")


def _alpha(image: Image.Image, path: Path) -> Path:
    rgba = image.convert("RGBA")
    alpha = np.zeros((512, 512), dtype=np.uint8)
    alpha[:, 100:400] = 255  # the face and shoulders opaque, the sides transparent
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(path.with_suffix(".png"))
    return path.with_suffix(".png")


def _palette(image: Image.Image, path: Path) -> Path:
    image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(path.with_suffix(".gif"))
    return path.with_suffix(".gif")


def _exif_rotated(image: Image.Image, path: Path) -> Path:
    stored = image.transpose(Image.Transpose.ROTATE_90)  # shown upright after turning 90° clockwise
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    stored.save(path.with_suffix(".jpg"), exif=exif, quality=92)
    return path.with_suffix(".jpg")


VARIANTS: dict[str, Callable[[Image.Image, Path], Path]] = {
    "grayscale": _grayscale,
    "cmyk": _cmyk,
    "gray16": _gray16,
    "rgb16-tiff": _rgb16_tiff,
    "alpha": _alpha,
    "palette": _palette,
    "exif-rotated": _exif_rotated,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_loads_upright_and_shows_the_face(
    variant: str, portrait: Image.Image, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    path = VARIANTS[variant](portrait, tmp_path / variant)
    pixels = load_image(path)
    assert pixels.shape == (512, 512, 3) and pixels.dtype == np.uint8 and pixels.flags.c_contiguous
    face = analyzer.detect(pixels)[0]
    assert face.box.center_px == pytest.approx(FACE_CENTER, abs=8)


def test_colour_survives_and_alpha_goes_over_white(portrait: Image.Image, tmp_path: Path) -> None:
    pixels = load_image(_alpha(portrait, tmp_path / "alpha"))
    original = np.asarray(portrait)
    assert (pixels[:, :100] == ALPHA_BACKGROUND_RGB).all()
    assert np.abs(pixels[:, 100:400].astype(int) - original[:, 100:400]).max() <= 1


def test_sixteen_bit_is_scaled_not_clipped(portrait: Image.Image, tmp_path: Path) -> None:
    pixels = load_image(_gray16(portrait, tmp_path / "gray16"))
    expected = np.asarray(portrait.convert("L"))
    assert np.abs(pixels[..., 0].astype(int) - expected).max() <= 1
    assert (pixels[..., 0] == pixels[..., 2]).all()


def test_float_images_become_rgb() -> None:
    ramp = Image.fromarray(np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16), mode="F")
    rgb = np.asarray(to_rgb(ramp))
    assert rgb.shape == (16, 16, 3) and rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255


def test_huge_photo_is_downscaled(portrait: Image.Image, analyzer: FaceAnalyzer, tmp_path: Path) -> None:
    canvas = Image.new("RGB", (8000, 6000), (120, 110, 100))
    canvas.paste(portrait.resize((2400, 2400)), (4000, 2000))
    path = tmp_path / "huge.jpg"
    canvas.save(path, quality=85)
    pixels = load_image(path)
    assert pixels.shape == (1440, 1920, 3)
    face = analyzer.detect(pixels)[0]
    scale = 1920 / 8000
    expected = ((4000 + FACE_CENTER[0] * 2400 / 512) * scale, (2000 + FACE_CENTER[1] * 2400 / 512) * scale)
    assert face.box.center_px == pytest.approx(expected, abs=8)


def test_small_images_keep_their_size(portrait: Image.Image, tmp_path: Path) -> None:
    path = tmp_path / "odd.png"
    portrait.resize((301, 217)).save(path)
    assert load_image(path).shape == (217, 301, 3)
    assert load_image(path, max_side_px=100).shape == (72, 100, 3)


def _truncated(folder: Path, portrait: Image.Image) -> Path:
    whole = folder / "whole.jpg"
    portrait.save(whole, quality=90)
    cut = folder / "truncated.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return cut


def _text(folder: Path, portrait: Image.Image) -> Path:
    path = folder / "notes.jpg"
    path.write_text("this is not a picture\n")
    return path


def _empty(folder: Path, portrait: Image.Image) -> Path:
    path = folder / "empty.png"
    path.write_bytes(b"")
    return path


def _corrupt(folder: Path, portrait: Image.Image) -> Path:
    whole = folder / "whole.png"
    portrait.save(whole)
    broken = bytearray(whole.read_bytes())
    broken[200:4000] = bytes(3800)
    path = folder / "corrupt.png"
    path.write_bytes(bytes(broken))
    return path


BAD: dict[str, Callable[[Path, Image.Image], Path]] = {
    "truncated": _truncated,
    "text": _text,
    "empty": _empty,
    "corrupt": _corrupt,
    "missing": lambda folder, _: folder / "nowhere.jpg",
    "directory": lambda folder, _: folder,
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_files_name_the_file(kind: str, portrait: Image.Image, tmp_path: Path) -> None:
    path = BAD[kind](tmp_path, portrait)
    with pytest.raises(ImageDecodeError) as error:
        load_image(path)
    message = str(error.value)
    assert str(path) in message and "\n" not in message
    assert isinstance(error.value, MundwerkError) and error.value.exit_code == 1

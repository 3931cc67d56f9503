"""Mouth sprites: the astronaut's own mouth in each Rhubarb shape, measured and written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mundwerk.cli import main
from mundwerk.face.landmarks import default_analyzer
from mundwerk.face.mouth_measure import measure_mouth
from mundwerk.render import Portrait
from mundwerk.render.sprites import SHAPES, mouth_box, mouth_sprites, shape_frame

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("face") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


@pytest.fixture(scope="module")
def portrait(photo: Path) -> Portrait:
    image = np.asarray(Image.open(photo).convert("RGB"))
    return Portrait.prepare(image, default_analyzer().detect(image)[0])


def test_the_command_writes_nine_rgba_sprites_and_a_contact_sheet(photo: Path, tmp_path: Path) -> None:
    assert main(["sprites", "--face", str(photo), "-o", str(tmp_path), "--size", "96"]) == 0
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted([f"{shape}.png" for shape in SHAPES] + ["contact-sheet.png"])
    for shape in SHAPES:
        with Image.open(tmp_path / f"{shape}.png") as sprite:
            assert (sprite.mode, sprite.size) == ("RGBA", (96, 96))
            alpha = np.asarray(sprite)[..., 3]
    assert alpha[48, 48] == 255 and alpha[0, 0] == 0  # feathered: opaque centre, clear corners
    assert np.count_nonzero((alpha > 0) & (alpha < 255)) > 0
    with Image.open(tmp_path / "contact-sheet.png") as sheet:
        assert sheet.mode == "RGBA" and sheet.width == 3 * 96 and sheet.height > 3 * 96


def test_closed_mouth_opens_less_than_the_open_vowel(portrait: Portrait) -> None:
    analyzer = default_analyzer()
    opening = {
        shape: measure_mouth(analyzer.detect(shape_frame(portrait, shape))[0].landmarks_px).opening
        for shape in ("A", "D")
    }
    print(f"measured opening: A {opening['A']:.3f}, D {opening['D']:.3f}")
    assert opening["A"] < 0.05 < opening["D"] - 0.05


def test_shapes_differ_visibly_from_the_open_mouth(portrait: Portrait) -> None:
    sprites = mouth_sprites(portrait, 128)
    assert {image.shape for image in sprites.values()} == {(128, 128, 4)}
    open_mouth = sprites["D"][..., :3].astype(float)
    for shape in ("A", "X"):
        difference = float(np.abs(sprites[shape][..., :3] - open_mouth).mean())
        print(f"mean |{shape} - D| = {difference:.1f} grey levels")
        assert difference > 5


def test_one_crop_holds_every_shape(portrait: Portrait) -> None:
    left, top, side = mouth_box(portrait)
    height, width = portrait.image.shape[:2]
    assert min(left, top) >= 0 and left + side <= width and top + side <= height
    assert side < min(height, width) / 2


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing image", 1, "image file not found"),
        ("no face", 1, "no face found in"),
        ("missing output dir", 2, "output directory does not exist"),
    ],
)
def test_bad_input_fails_in_one_line_and_writes_nothing(
    case: str, code: int, message: str, photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    face, output = str(photo), tmp_path / "out"
    output.mkdir()
    if case == "missing image":
        face = str(tmp_path / "nobody.png")
    elif case == "no face":
        Image.new("RGB", (256, 256), (120, 160, 200)).save(tmp_path / "sky.png")
        face = str(tmp_path / "sky.png")
    else:
        output = tmp_path / "missing"
    exit_code = main(["sprites", "--face", face, "-o", str(output)])
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "Traceback" not in error
    assert exit_code == code, error
    assert message in error
    assert not output.exists() or list(output.iterdir()) == []


def test_a_failed_write_removes_the_sprites_already_written(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "contact-sheet.png").mkdir()  # publishing onto a directory fails last
    exit_code = main(["sprites", "--face", str(photo), "-o", str(tmp_path), "--size", "32"])
    assert exit_code == 2
    assert "cannot write" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["contact-sheet.png"]

"""Life on the talking portrait: head, brows, gaze and blinks drawn without seams; the tongue."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from mundwerk.face.landmarks import default_analyzer
from mundwerk.mouth.idle import IdlePose
from mundwerk.render import Portrait, read_video_frames
from mundwerk.rendering import render

skimage_data = pytest.importorskip("skimage.data")

#: The mouth parameters of an 'L' (see mouth/curves/targets.py) and of closed lips.
L_MOUTH = {"jaw_open": 0.2, "lower_lip_drop": 0.1, "tongue_tip_up": 1.0}
CLOSED = {"jaw_open": 0.0, "lip_close": 1.0, "tongue_tip_up": 1.0}


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("face") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


@pytest.fixture(scope="module")
def portrait() -> Portrait:
    image = np.asarray(skimage_data.astronaut())
    return Portrait.prepare(image, default_analyzer().detect(image)[0])


def _changed(first: npt.NDArray[np.uint8], second: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    return np.asarray(np.abs(first.astype(np.int16) - second).max(axis=2) > 8)


def test_the_tongue_shows_for_l_and_not_behind_closed_lips(portrait: Portrait) -> None:
    with_tongue = portrait.frame(L_MOUTH)
    without = portrait.frame({**L_MOUTH, "tongue_tip_up": 0.0})
    tongue = _changed(with_tongue, without)
    assert tongue.sum() >= 20
    ys, _ = np.nonzero(tongue)
    upper, lower = portrait.rig.targets(L_MOUTH)[[13, 14]]
    assert upper[1] - 1 <= ys.mean() <= lower[1] + 1  # between the lips, below the upper teeth
    red = with_tongue[tongue].astype(np.float64).mean(axis=0)
    assert red[0] > red[1] + 15  # tongue-coloured: redder than the teeth and the cavity's grey
    closed = portrait.frame(CLOSED)
    assert np.array_equal(closed, portrait.frame({**CLOSED, "tongue_tip_up": 0.0}))


def test_upper_teeth_show_when_the_lips_part_lower_teeth_when_the_jaw_drops(portrait: Portrait) -> None:
    def bright_rows(params: dict[str, float]) -> tuple[int, int]:
        frame = portrait.frame(params)
        points = portrait.rig.targets(params)
        top, bottom = points[13], points[14]
        column = frame[int(top[1]) - 1 : int(bottom[1]) + 2, int(top[0])].astype(np.float64).mean(axis=1)
        bright = np.flatnonzero(column > 180)
        middle = (len(column) - 1) / 2
        return int((bright < middle).sum()), int((bright > middle).sum())

    upper, lower = bright_rows({"jaw_open": 0.3})
    assert upper >= 1 and lower == 0
    upper, lower = bright_rows({"jaw_open": 1.0})
    assert upper >= 2 and lower >= 1


def test_a_resting_pose_changes_nothing_and_each_part_moves_only_its_region(portrait: Portrait) -> None:
    rest = portrait.frame({})
    assert np.array_equal(rest, portrait.frame({}, IdlePose()))
    points = portrait.rig.points
    eyes_y = int(points[[33, 263], 1].mean())
    gaze = _changed(rest, portrait.frame({}, IdlePose(gaze_x_eye_widths=0.12)))
    ys, _ = np.nonzero(gaze)
    assert gaze.sum() > 10 and np.abs(ys - eyes_y).max() < 8
    brows = _changed(rest, portrait.frame({}, IdlePose(brow_raise=1.0)))
    ys, _ = np.nonzero(brows)
    assert brows.sum() > 10 and ys.max() < points[[145, 374], 1].max()  # nothing below the lower lids
    head = _changed(rest, portrait.frame({}, IdlePose(yaw_deg=3.0, roll_deg=2.0)))
    assert head[int(points[1, 1]), int(points[1, 0])] or head.sum() > 500
    assert not head[-40:].any() and not head[:, :40].any()  # the edges of the photo stay


def test_the_moving_head_never_tears(portrait: Portrait) -> None:
    # A turned head is a smooth warp: neighbouring pixels stay neighbours (no jump larger than
    # the photo's own between any two adjacent pixels, allowing for interpolation).
    rest = portrait.frame({}).astype(np.int16)
    moved = portrait.frame({}, IdlePose(yaw_deg=3.0, pitch_deg=-2.0, roll_deg=2.5)).astype(np.int16)
    for frame in (rest, moved):
        assert frame.shape == rest.shape
    own = np.abs(np.diff(rest, axis=1)).max(axis=2)
    new = np.abs(np.diff(moved, axis=1)).max(axis=2)
    assert np.percentile(new, 99.9) <= np.percentile(own, 99.9) * 1.1


def _render(photo: Path, output: Path, seed: int, still: bool = False) -> bytes:
    speech = files("mundwerk") / "data" / "librivox-amiable.wav"
    transcript = (files("mundwerk") / "data" / "librivox-amiable.txt").read_text(encoding="utf-8")
    render(
        photo,
        output,
        audio=str(speech),
        transcript=transcript,
        seed=seed,
        still=still,
        sign=False,
        watermark=False,
    )
    return output.read_bytes()


@pytest.mark.slow
def test_the_seed_decides_the_video_byte_for_byte(photo: Path, tmp_path: Path) -> None:
    first = _render(photo, tmp_path / "a.mp4", seed=3)
    assert first == _render(photo, tmp_path / "b.mp4", seed=3)
    assert first != _render(photo, tmp_path / "c.mp4", seed=4)
    frames = [frame.astype(np.int16) for frame in read_video_frames(tmp_path / "a.mp4")]
    top = slice(0, int(0.45 * frames[0].shape[0]))  # above the mouth: only idle motion changes it
    assert np.mean([np.abs(frame[top] - frames[0][top]).mean() for frame in frames]) > 0.3
    still_one = _render(photo, tmp_path / "d.mp4", seed=1, still=True)
    assert still_one == _render(photo, tmp_path / "e.mp4", seed=2, still=True)

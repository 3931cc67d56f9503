"""The warp's geometry: OpenCV's Delaunay, closed lips over a dropped jaw, lens-shaped openings."""

from __future__ import annotations

import numpy as np
import pytest

from mundwerk.face.landmarks import default_analyzer
from mundwerk.render.portrait import Portrait
from mundwerk.render.warp import CHIN, FaceRig, delaunay

skimage_data = pytest.importorskip("skimage.data")
spatial = pytest.importorskip("scipy.spatial")


@pytest.fixture(scope="module")
def portrait() -> Portrait:
    image = np.asarray(skimage_data.astronaut(), dtype=np.uint8)
    return Portrait.prepare(image, default_analyzer().detect(image)[0])


def _area(points: np.ndarray, triangles: np.ndarray) -> float:
    a, b, c = (points[triangles[:, i]] for i in range(3))
    cross = (b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]
    return float(np.abs(cross).sum() / 2)


@pytest.mark.parametrize("seed", range(5))
def test_delaunay_covers_what_scipy_covers(seed: int) -> None:
    points = np.random.default_rng(seed).uniform(0, 500, (60, 2))
    ours = delaunay(points)
    theirs = spatial.Delaunay(points).simplices
    assert len(ours) >= len(theirs) - 1
    assert _area(points, ours) == pytest.approx(_area(points, theirs), rel=1e-3)


def test_the_identity_warp_changes_no_pixel(portrait: Portrait) -> None:
    rig: FaceRig = portrait.rig
    same = portrait.warper.warp(portrait.image, rig.points, rig.points)
    assert np.array_equal(same, portrait.image)


def test_shut_lips_lift_the_jaw(portrait: Portrait) -> None:
    rig = portrait.rig
    rest = rig.targets({})[CHIN, 1]
    open_chin = rig.targets({"jaw_open": 0.6})[CHIN, 1]
    shut_chin = rig.targets({"jaw_open": 0.6, "lip_close": 1.0})[CHIN, 1]
    assert rest < shut_chin < open_chin
    shut = rig.targets({"jaw_open": 0.6, "lip_close": 1.0, "lower_lip_drop": 1.0, "lip_funnel": 1.0})
    assert float(np.linalg.norm(shut[13] - shut[14])) < 0.5


def test_the_lips_part_in_a_lens_not_a_box(portrait: Portrait) -> None:
    targets = portrait.rig.targets({"jaw_open": 0.8})
    middle = float(np.linalg.norm(targets[13] - targets[14]))
    near_corner = float(np.linalg.norm(targets[191] - targets[95]))  # the inner-lip pair next to a corner
    assert middle > 4.0
    assert near_corner < 0.75 * middle

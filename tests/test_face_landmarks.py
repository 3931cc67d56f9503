"""MediaPipe face analysis on the astronaut portrait (scikit-image, public domain)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from skimage import data

from mundwerk.core.errors import FaceTooSmallError, NoFaceError
from mundwerk.face.assets import ensure_face_landmarker
from mundwerk.face.landmarks import (
    LANDMARK_COUNT,
    MIN_FACE_SIZE_PX,
    Face,
    FaceAnalyzer,
    HeadPose,
    default_analyzer,
)
from mundwerk.face.mouth_measure import measure_mouth

RGB = npt.NDArray[np.uint8]
NOSE_TIP = 1
#: Where the astronaut's face is (box centre, pixels), measured once by eye and detector.
ASTRONAUT_FACE_CENTER = (225.0, 125.0)


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    ensure_face_landmarker()
    return default_analyzer()


@pytest.fixture(scope="module")
def astronaut() -> RGB:
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="module")
def face(analyzer: FaceAnalyzer, astronaut: RGB) -> Face:
    faces = analyzer.detect(astronaut)
    assert len(faces) == 1
    return faces[0]


def test_astronaut_has_one_frontal_face(face: Face) -> None:
    assert face.landmarks_px.shape == (LANDMARK_COUNT, 3)
    assert face.landmarks_px.dtype == np.float32
    assert not face.landmarks_px.flags.writeable
    xy = face.landmarks_px[:, :2]
    assert (xy >= 0).all() and (xy < 512).all()
    assert face.box.center_px == pytest.approx(ASTRONAUT_FACE_CENTER, abs=6)
    assert 90 < face.face_size_px < 140
    assert abs(face.pose.yaw_deg) < 10 and abs(face.pose.roll_deg) < 10
    assert not face.turned_away
    assert face.image_size_px == (512, 512)


def test_landmarks_sit_where_the_features_are(face: Face) -> None:
    points = face.landmarks_px
    eyes_y = (points[33, 1] + points[263, 1]) / 2
    assert eyes_y < points[NOSE_TIP, 1] < points[13, 1] < points[152, 1]  # eyes, nose, lips, chin
    assert points[33, 0] < points[NOSE_TIP, 0] < points[263, 0]  # her right eye is on the image left
    assert np.ptp(points[:, 2]) == pytest.approx(face.face_size_px * 0.6, rel=0.5)  # z in pixel scale


def test_blendshapes_by_name(face: Face) -> None:
    assert len(face.blendshapes) == 52
    assert {"jawOpen", "mouthClose", "eyeBlinkLeft", "mouthSmileRight"} <= set(face.blendshapes)
    assert all(0.0 <= score <= 1.0 for score in face.blendshapes.values())
    assert face.blendshapes["jawOpen"] < 0.1
    assert face.blendshapes["mouthSmileLeft"] > 0.3  # she smiles


def test_mouth_is_closed_ish(face: Face) -> None:
    mouth = measure_mouth(face.landmarks_px)
    assert mouth.opening < 0.15  # smiling, teeth just visible: far from a speech opening
    assert 0.5 < mouth.width < 1.0


def test_flipped_image_mirrors_pose_and_landmarks(analyzer: FaceAnalyzer, astronaut: RGB, face: Face) -> None:
    mirrored = analyzer.detect(np.ascontiguousarray(astronaut[:, ::-1]))[0]
    assert mirrored.pose.roll_deg == pytest.approx(-face.pose.roll_deg, abs=1.5)
    assert math.copysign(1, mirrored.pose.roll_deg) != math.copysign(1, face.pose.roll_deg)
    assert mirrored.pose.yaw_deg + face.pose.yaw_deg == pytest.approx(0, abs=3)
    assert mirrored.landmarks_px[NOSE_TIP, 0] == pytest.approx(512 - face.landmarks_px[NOSE_TIP, 0], abs=3)
    # The person's right eye corner (33) lands where their left one (263) was.
    assert mirrored.landmarks_px[33, 0] == pytest.approx(512 - face.landmarks_px[263, 0], abs=4)


def test_rotating_the_image_counter_clockwise_raises_roll(
    analyzer: FaceAnalyzer, astronaut: RGB, face: Face
) -> None:
    turned = Image.fromarray(astronaut).rotate(20, center=ASTRONAUT_FACE_CENTER, fillcolor=(128, 128, 128))
    rolled = analyzer.detect(np.asarray(turned))[0]
    assert rolled.pose.roll_deg - face.pose.roll_deg == pytest.approx(20, abs=4)


def test_blank_image_has_no_face(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(NoFaceError, match="no face found in the 320x240 image") as error:
        analyzer.detect(np.full((240, 320, 3), 200, dtype=np.uint8))
    assert not isinstance(error.value, FaceTooSmallError)
    assert analyzer.detect_all(np.zeros((100, 100, 3), dtype=np.uint8)) == ()


def test_tiny_face_is_an_error(analyzer: FaceAnalyzer, astronaut: RGB) -> None:
    small = Image.fromarray(astronaut).resize((290, 290), Image.Resampling.LANCZOS)  # face about 60 px
    canvas = Image.new("RGB", (320, 320), (128, 128, 128))
    canvas.paste(small, (0, 0))
    pixels = np.asarray(canvas)
    assert 40 < analyzer.detect_all(pixels)[0].face_size_px < MIN_FACE_SIZE_PX
    with pytest.raises(FaceTooSmallError, match=r"face too small: \d+ px, need at least 80 px"):
        analyzer.detect(pixels)


def test_several_faces_come_largest_first(analyzer: FaceAnalyzer, astronaut: RGB) -> None:
    canvas = Image.new("RGB", (1000, 512), (128, 128, 128))
    canvas.paste(Image.fromarray(astronaut).resize((450, 450)), (512, 40))
    canvas.paste(Image.fromarray(astronaut), (0, 0))
    faces = analyzer.detect(np.asarray(canvas))
    assert len(faces) == 2
    assert faces[0].face_size_px > faces[1].face_size_px > MIN_FACE_SIZE_PX
    assert faces[0].box.center_px == pytest.approx(ASTRONAUT_FACE_CENTER, abs=6)
    assert faces[1].box.center_px[0] == pytest.approx(512 + ASTRONAUT_FACE_CENTER[0] * 450 / 512, abs=6)


def test_small_face_in_a_large_frame_is_found(analyzer: FaceAnalyzer, astronaut: RGB) -> None:
    canvas = Image.new("RGB", (1920, 1080), (90, 100, 110))
    canvas.paste(Image.fromarray(astronaut), (1300, 500))  # face about 6% of the width
    faces = analyzer.detect(np.asarray(canvas))
    assert len(faces) == 1
    assert faces[0].image_size_px == (1920, 1080)
    expected = (1300 + ASTRONAUT_FACE_CENTER[0], 500 + ASTRONAUT_FACE_CENTER[1])
    assert faces[0].box.center_px == pytest.approx(expected, abs=6)
    assert faces[0].face_size_px == pytest.approx(106, abs=10)


def test_rejects_non_rgb_arrays(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(ValueError, match="RGB uint8"):
        analyzer.detect(np.zeros((64, 64), dtype=np.uint8))


def _rotation(yaw_deg: float, raw_pitch_deg: float, roll_deg: float) -> npt.NDArray[np.float32]:
    y, p, r = (math.radians(v) for v in (yaw_deg, raw_pitch_deg, roll_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    matrix = np.eye(4)
    matrix[:3, :3] = 1.5 * (rz @ ry @ rx)  # a uniform scale must not matter
    return matrix.astype(np.float32)


@pytest.mark.parametrize(("yaw", "pitch", "roll"), [(0, 0, 0), (30, -10, 5), (-50, 20, -15)])
def test_head_pose_decodes_rotation(yaw: float, pitch: float, roll: float) -> None:
    pose = HeadPose.from_matrix(_rotation(yaw, -pitch, roll))
    assert (pose.yaw_deg, pose.pitch_deg, pose.roll_deg) == pytest.approx((yaw, pitch, roll), abs=1e-3)

"""The talking portrait: render the astronaut speaking, then measure the video itself."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from mundwerk.cli import main
from mundwerk.core.curves import MouthCurves, frame_count
from mundwerk.core.phones import Phone
from mundwerk.face.landmarks import default_analyzer
from mundwerk.face.mouth_measure import measure_mouth
from mundwerk.mouth.curves.build import curves_from_phones
from mundwerk.render import Portrait, portrait_frames, probe
from mundwerk.rendering import RenderResult, render
from mundwerk.speaking import Speaker, SpeakOptions

skimage_data = pytest.importorskip("skimage.data")

TEXT = "Bob, my mom made a pie. Wow, a big apple pie!"
FPS = 25


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("face") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


#: espeak's phones for TEXT (one run, saved): espeak's timings drift by a millisecond between calls.
TEXT_PHONES = (
    ("SIL", 0, 63), ("B", 63, 109), ("AA", 109, 350), ("B", 350, 429), ("SIL", 429, 579),
    ("M", 579, 652), ("AY", 652, 718), ("M", 718, 793), ("AA", 793, 895), ("M", 895, 982),
    ("M", 982, 1046), ("EY", 1046, 1124), ("D", 1124, 1173), ("AH", 1173, 1285), ("P", 1285, 1318),
    ("AY", 1318, 1587), ("SIL", 1587, 1694), ("W", 1694, 1830), ("AW", 1830, 2051), ("SIL", 2051, 2201),
    ("AH", 2201, 2262), ("B", 2262, 2338), ("IH", 2338, 2442), ("G", 2442, 2503), ("AE", 2503, 2651),
    ("P", 2651, 2684), ("AH", 2684, 2751), ("L", 2751, 2818), ("P", 2818, 2851), ("AY", 2851, 3121),
    ("SIL", 3121, 3178),
)  # fmt: skip
#: Lips meeting and parting: silence, then B AA M AE P UW M AA B IY P AO M EH twice.
SYLLABLE_RUN = ("B", "AA", "M", "AE", "P", "UW", "M", "AA", "B", "IY", "P", "AO", "M", "EH")
SYLLABLES = ("SIL", *SYLLABLE_RUN, *SYLLABLE_RUN, "SIL")
VOWELS = {"AA", "AE", "UW", "IY", "AO", "EH"}


def _phones(symbols: tuple[str, ...]) -> tuple[Phone, ...]:
    phones, start = [], 0
    for symbol in symbols:
        length = 300 if symbol == "SIL" else 140 if symbol in VOWELS else 80
        phones.append(Phone(symbol, start, start + length))
        start += length
    return tuple(phones)


@pytest.fixture(scope="module")
def curves() -> MouthCurves:
    phones = [Phone(symbol, start, end) for symbol, start, end in TEXT_PHONES]
    return curves_from_phones(phones, TEXT_PHONES[-1][2], FPS)


@pytest.fixture(scope="module")
def video(photo: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderResult:
    output = tmp_path_factory.mktemp("video") / "talk.mp4"
    return render(photo, output, text=TEXT, still=True)


def test_render_writes_an_mp4_with_every_frame_and_the_audio(video: RenderResult) -> None:
    info = probe(video.path)
    assert info.frame_count == frame_count(video.duration_ms, FPS) == video.frame_count
    assert (info.width, info.height) == (512, 512)
    assert info.audio_rate_hz is not None


@pytest.mark.slow
@pytest.mark.parametrize("speech", ["text", "syllables"])
def test_measured_mouth_follows_the_commanded_opening(photo: Path, curves: MouthCurves, speech: str) -> None:
    if speech == "syllables":
        phones = _phones(SYLLABLES)
        curves = curves_from_phones(phones, phones[-1].end_ms, FPS)
    image = np.asarray(Image.open(photo).convert("RGB"))
    analyzer = default_analyzer()
    portrait = Portrait.prepare(image, analyzer.detect(image)[0])
    frames = portrait_frames(portrait, curves, still=True)
    measured = np.array([measure_mouth(analyzer.detect(frame)[0].landmarks_px).opening for frame in frames])
    commanded = curves.curve("jaw_open") * (1 - curves.curve("lip_close"))
    count = min(len(measured), len(commanded))
    r = float(np.corrcoef(measured[:count], commanded[:count])[0, 1])
    print(f"Pearson r (measured opening vs jaw_open*(1-lip_close)) = {r:.3f}")
    assert r >= 0.8
    closed = commanded[:count] < 0.02
    assert closed.any()
    assert np.median(measured[:count][closed]) < 0.07


def test_the_face_outside_the_lower_face_is_the_photo(photo: Path, curves: MouthCurves) -> None:
    image = np.asarray(Image.open(photo).convert("RGB"))
    face = default_analyzer().detect(image)[0]
    portrait = Portrait.prepare(image, face)
    top, bottom = int(face.box.top_px), int(face.box.center_px[1]) - 5
    left, right = int(face.box.left_px), int(face.box.right_px)
    for frame in portrait_frames(portrait, curves, still=True):
        assert np.array_equal(frame[top:bottom, left:right], image[top:bottom, left:right])


@pytest.mark.slow
def test_the_same_seed_gives_the_same_bytes(photo: Path, tmp_path: Path) -> None:
    # espeak's audio varies by a few samples between runs, so the speech comes from one file.
    speech = tmp_path / "speech.wav"
    Speaker.load(SpeakOptions()).speak_to_file("Bob blinks.", speech, sign=False)
    runs = {
        name: render(
            photo, tmp_path / f"{name}.mp4", audio=speech, transcript="Bob blinks.", seed=7, sign=sign
        )
        for name, sign in (("a", False), ("b", False), ("signed-a", True), ("signed-b", True))
    }
    # The watermark's job id is a function of the job, so the watermarked file is reproducible.
    assert len({result.watermark_job_id for result in runs.values()}) == 1
    assert runs["a"].watermark_job_id is not None
    assert runs["a"].path.read_bytes() == runs["b"].path.read_bytes()
    # Signed files differ only in their manifest (a fresh id and ECDSA signature each run).
    assert _media_packets(runs["signed-a"].path) == _media_packets(runs["signed-b"].path)
    assert _media_packets(runs["signed-a"].path) == _media_packets(runs["a"].path)
    other = render(photo, tmp_path / "c.mp4", audio=speech, transcript="Bob blinks.", seed=8, sign=False)
    assert other.watermark_job_id != runs["a"].watermark_job_id


def _media_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux() if packet.size]


def _fails(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["render", "-q", *arguments])
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "Traceback" not in error
    return code, error


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing image", 1, "image file not found"),
        ("corrupt image", 1, "not an image"),
        ("no face", 1, "no face found in"),
        ("missing output dir", 2, "output directory does not exist"),
        ("unknown voice", 2, "voice"),
    ],
)
def test_bad_input_fails_clearly_and_leaves_no_video(
    case: str, code: int, message: str, photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    face, output, voice = str(photo), tmp_path / "out.mp4", []
    if case == "missing image":
        face = str(tmp_path / "nobody.png")
    elif case == "corrupt image":
        (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
        face = str(tmp_path / "bad.png")
    elif case == "no face":
        Image.new("RGB", (256, 256), (120, 160, 200)).save(tmp_path / "sky.png")
        face = str(tmp_path / "sky.png")
    elif case == "missing output dir":
        output = tmp_path / "missing" / "out.mp4"
    else:
        voice = ["--voice", "no-such-voice-xyz"]
    exit_code, error = _fails(["--face", face, "--text", "Hi.", "-o", str(output), *voice], capsys)
    assert exit_code == code, error
    assert message in error
    assert list(output.parent.glob("*.mp4*")) == [] if output.parent.exists() else True


def test_the_resting_chin_is_drawn_from_the_photo(photo: Path) -> None:
    # At rest only the photo's lips close: the chin below them must still be her skin, not a fill.
    image = np.asarray(Image.open(photo).convert("RGB"))
    portrait = Portrait.prepare(image, default_analyzer().detect(image)[0])
    points = portrait.rig.points
    left, right = int(points[61, 0]), int(points[291, 0])  # mouth corners
    top, bottom = int(points[17, 1]), int(points[152, 1])  # lower lip's edge, chin
    frame = portrait.frame({})
    difference = np.abs(frame[top:bottom, left:right].astype(np.int16) - image[top:bottom, left:right])
    assert float(difference.mean()) < 2.0

"""Reading cue and curves files back: Rhubarb's references, mundwerk's own exports, hand
edits, and malformed files that must fail with the file and the line."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.curves import MOUTH_PARAMETERS, frame_count
from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.core.phones import Alignment, Phone
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline
from mundwerk.export.base import ExportOptions
from mundwerk.export.readers import CUE_FORMATS, detect_cue_format, read_cue_file
from mundwerk.export.reading import CueFileError, ReadOptions, SampleTrack, ShapeTrack
from mundwerk.export.registry import get_exporter
from mundwerk.export.rhubarb import animation
from mundwerk.mouth.curves import curves_for_analysis, curves_from_shapes
from rhubarb_reference import REFERENCE_DIR, reference_analysis, tsv_cues

SHAPE_FILES = ("goforward.tsv", "goforward.xml", "goforward.json")


def _shapes(track: ShapeTrack) -> list[tuple[int, int, str]]:
    return [(cue.start_ms, cue.end_ms, cue.value.value) for cue in track.cues]


@pytest.mark.parametrize("name", SHAPE_FILES)
def test_rhubarb_references_read_back_to_their_cues(name: str) -> None:
    track = read_cue_file(REFERENCE_DIR / name)
    assert isinstance(track, ShapeTrack)
    assert track.cues == tsv_cues()
    assert track.end_ms == 2780
    assert track.tail is MouthShape.X


@pytest.mark.parametrize(("name", "fps"), [("goforward.dat", 24.0), ("goforward.prestonblair30.dat", 30.0)])
def test_moho_switch_files_read_at_their_frame_rate(name: str, fps: float) -> None:
    track = read_cue_file(REFERENCE_DIR / name, options=ReadOptions(dat_fps=fps))
    assert isinstance(track, ShapeTrack)
    expected = tsv_cues()
    # Rhubarb made the 30 fps file in a separate run: same shapes, times within one frame.
    assert [cue.value for cue in track.cues] == [cue.value for cue in expected]
    for read, reference in zip(track.cues, expected, strict=True):
        assert abs(read.start_ms - reference.start_ms) <= 1000 / fps * 3
    assert track.resolution_ms == pytest.approx(1000 / fps)


def _analysis(phones: list[tuple[str, int, int]]) -> Analysis:
    timed = tuple(Phone(symbol, start, end) for symbol, start, end in phones)
    cues = reference_analysis().cues
    return Analysis("clip.wav", phones[-1][2], Alignment(phones=timed), cues, AnalysisOptions())


PHONES = [
    ("SIL", 0, 200),
    ("B", 200, 280),
    ("AA", 280, 520),
    ("M", 520, 600),
    ("UW", 600, 900),
    ("SIL", 900, 1234),
]


def _exported(name: str, analysis: Analysis, folder: Path, fps: float = 30.0) -> Path:
    stream = io.StringIO(newline="")
    get_exporter(name).write(analysis, stream, ExportOptions(fps=fps, sound_file="clip.wav"))
    suffix = {"curves-csv": "csv", "curves-json": "json"}.get(name, name)
    path = folder / f"exported.{suffix}"
    path.write_text(stream.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["tsv", "xml", "json"])
def test_exported_cues_read_back_unchanged(name: str, tmp_path: Path) -> None:
    analysis = reference_analysis()
    track = read_cue_file(_exported(name, analysis, tmp_path))
    assert isinstance(track, ShapeTrack)
    assert track.cues == animation(analysis)


@pytest.mark.parametrize("name", ["curves-csv", "curves-json"])
def test_exported_curves_read_back_to_the_same_mouth(name: str, tmp_path: Path) -> None:
    analysis = _analysis(PHONES)
    track = read_cue_file(_exported(name, analysis, tmp_path))
    assert isinstance(track, SampleTrack)
    original = curves_for_analysis(analysis, 30.0)
    again = track.curves(analysis.duration_ms, 30.0)
    assert again.names == MOUTH_PARAMETERS and again.frame_count == original.frame_count
    jaw = original.curve("jaw_open")
    assert np.abs(again.curve("jaw_open") - jaw).max() < 1e-4
    closed = again.curve("lip_close") * again.curve("jaw_open")
    assert np.abs(closed - original.curve("lip_close") * jaw).max() < 1e-4  # mouthClose, as written
    for parameter in ("lip_pucker", "lip_stretch", "tongue_tip_up"):
        assert np.abs(again.curve(parameter) - original.curve(parameter)).max() < 1e-4


@pytest.mark.parametrize("name", ["curves-csv", "curves-json"])
def test_curves_resample_to_the_video_frame_rate(name: str, tmp_path: Path) -> None:
    analysis = _analysis(PHONES)
    track = read_cue_file(_exported(name, analysis, tmp_path, fps=30.0))
    video = track.curves(analysis.duration_ms, 25.0)
    assert video.fps == 25.0 and video.frame_count == frame_count(analysis.duration_ms, 25.0)
    source = curves_for_analysis(analysis, 30.0).curve("jaw_open")
    expected = np.interp(video.times_s(), np.arange(len(source)) / 30.0, source)
    assert np.abs(video.curve("jaw_open") - expected).max() < 1e-4


def test_hand_keyed_csv_with_uneven_times_and_few_curves(tmp_path: Path) -> None:
    path = tmp_path / "keys.csv"
    path.write_text("time_s,jawOpen,eyeBlinkLeft\n0.0,0.0,1\n0.5,0.8,0\n0.6,0.8,0\n1.0,0.0,0\n")
    curves = read_cue_file(path).curves(1000, 10.0)
    assert curves.curve("jaw_open") == pytest.approx(
        [0, 0.16, 0.32, 0.48, 0.64, 0.8, 0.8, 0.6, 0.4, 0.2], abs=1e-6
    )
    assert not curves.curve("lip_pucker").any()  # curves the file lacks stay at rest


def test_shapes_become_tweened_curves_that_close_on_a() -> None:
    cues = Timeline(
        [Timed(0, 300, MouthShape.X), Timed(300, 600, MouthShape.D), Timed(600, 700, MouthShape.A)]
    )
    curves = curves_from_shapes(cues, 1000, 1000.0)  # one frame a millisecond
    jaw, close = curves.curve("jaw_open"), curves.curve("lip_close")
    assert jaw[450] == pytest.approx(0.7, abs=0.02)  # D: wide open (the AA target)
    assert jaw[100] < 0.05 and close[100] == pytest.approx(1.0)  # X: at rest, lips together
    assert close[640:660].min() == pytest.approx(1.0, abs=1e-3)  # A: the lips meet
    assert 0.1 < jaw[300] < 0.6  # a cross-fade at the boundary, not a jump
    assert np.abs(np.diff(jaw)).max() < 0.2
    assert jaw[900] < 0.05  # after the last cue, rest


def test_detection_by_content_then_extension(tmp_path: Path) -> None:
    for name in (*SHAPE_FILES, "goforward.dat"):
        text = (REFERENCE_DIR / name).read_text()
        assert detect_cue_format(text, Path("cues.txt")) == name.split(".")[-1]
    assert detect_cue_format('{"format": "mundwerk-curves", "fps": 25}', Path("c.json")) == "curves-json"
    assert detect_cue_format("time_s,jawOpen\n0,0\n", Path("c.txt")) == "curves-csv"
    assert detect_cue_format("something else", Path("c.xml")) == "xml"
    with pytest.raises(UsageError, match=r"cannot tell the format of the cue file .*; give one of: tsv, xml"):
        detect_cue_format("something else", Path("c.cues"))


def test_format_override_and_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "cues.weird"
    path.write_text("0.00 X\n0.50 D\n1.00 X\n")
    assert isinstance(read_cue_file(path, "tsv"), ShapeTrack)
    with pytest.raises(CueFileError, match=r"malformed cue file cues.weird, line 1: expected the header"):
        read_cue_file(path, "dat")
    with pytest.raises(UnknownChoiceError) as error:
        read_cue_file(path, "srt")
    assert error.value.exit_code == 2
    assert str(error.value) == f"unknown cue format 'srt'; choose one of: {', '.join(sorted(CUE_FORMATS))}"


def test_preston_blair_and_papagayo_names(tmp_path: Path) -> None:
    path = tmp_path / "papagayo.dat"
    path.write_text("MohoSwitch1\n1 rest\n5 MBP\n9 E\n13 WQ\n17 rest\n")
    track = read_cue_file(path)
    assert isinstance(track, ShapeTrack)
    assert [cue.value for cue in track.cues] == [MouthShape.X, MouthShape.A, MouthShape.C, MouthShape.F]
    assert track.end_ms == round(16 * 1000 / 24)


XML = '<rhubarbResult>\n<mouthCues>\n<mouthCue start="0.1"{}>D</mouthCue>\n{}'
CUE_X = '{ "start": 0.0, "end": 0.5, "value": "X" }'
CUES_JSON = '{{\n  "mouthCues": [\n    {},\n    {}\n  ]\n}}'
CURVES_JSON = '{{\n "format": "mundwerk-curves",\n "fps": {},\n "curves": {{\n  {}\n }}\n}}'
MALFORMED = [
    ("bad.tsv", "0.00\tX\n0.38\tQ\n1.00\tX\n", 2, "unknown mouth shape 'Q'"),
    ("bad.tsv", "0.00\tX\nsoon\tE\n", 2, "invalid time 'soon'"),
    ("bad.tsv", "0.00\tX\n0.50\tE\n0.30\tB\n", 3, "time 0.3 s comes before the previous 0.5 s"),
    ("bad.tsv", "0.00\tX\n0.50 E extra\n", 2, "expected 'seconds<TAB>shape'"),
    ("bad.xml", XML.format(' end="0.2"', "<oops>\n"), 5, "invalid XML"),
    ("bad.xml", XML.format("", "</mouthCues></rhubarbResult>"), 3, "expected <mouthCue"),
    ("bad.json", CUES_JSON.format(CUE_X, "").replace(",\n    \n", ",\n"), 4, "invalid JSON"),
    (
        "bad.json",
        CUES_JSON.format(CUE_X, CUE_X.replace("0.0", "0.9")),
        4,
        "cue ends (0.5 s) before it starts",
    ),
    (
        "bad.json",
        CUES_JSON.format(CUE_X, CUE_X.replace("0.0", "0.4")),
        4,
        "starts before the previous one ends",
    ),
    ("bad.dat", "MohoSwitch1\n1 X\nten E\n", 3, "expected 'frame shape'"),
    ("bad.dat", "MohoSwitch1\n1 X\n5 Q\n", 3, "unknown mouth shape 'Q'"),
    ("bad.csv", "time_s,jawOpen\n0.0,0.1\n0.04,0.2,0.3\n", 3, "expected 2 values, got 3"),
    ("bad.csv", "time_s,jawOpen\n0.0,0.1\n0.04,wide\n", 3, "expected numbers"),
    ("bad.csv", "time_s,jawOpen\n0.0,0.1\n0.0,0.2\n", 3, "does not come after the previous row"),
    ("bad.csv", "seconds,jawOpen\n0.0,0.1\n", 1, "the header must start with 'time_s'"),
    (
        "bad.json",
        CURVES_JSON.format(25, '"jawOpen": [0.1, 0.2],\n  "mouthFunnel": [0.1]'),
        6,
        "'mouthFunnel' has 1",
    ),
    ("bad.json", CURVES_JSON.format(0, '"jawOpen": [0.1]'), 3, "invalid frame rate 0"),
]


@pytest.mark.parametrize(("name", "text", "line", "problem"), MALFORMED)
def test_malformed_files_name_the_file_and_the_line(
    name: str, text: str, line: int, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CueFileError) as error:
        read_cue_file(path)
    message = str(error.value)
    assert message.startswith(f"malformed cue file {name}, line {line}: "), message
    assert problem in message and "\n" not in message
    assert error.value.exit_code == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cue file not found"),
        (b"", "cannot tell the format"),
        (b"MohoSwitch1\n", "no mouth cues in"),
        (b"\xff\xfe\x00bad", "not UTF-8 text"),
        (b'{"mouthCues": 3}', 'no "mouthCues" array'),
    ],
)
def test_unreadable_files_say_why(content: bytes | None, message: str, tmp_path: Path) -> None:
    path = tmp_path / "cues.bin"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises((CueFileError, UsageError), match=message):
        read_cue_file(path)

"""Exporters: byte-for-byte Rhubarb formats, DAT frame rules, the registry and its invariants."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ElementTree

import pytest

from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.core.phones import Alignment
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline
from mundwerk.export.base import ExportOptions
from mundwerk.export.progress import MachineReadableReporter
from mundwerk.export.registry import EXPORT_FORMATS, extension_for, get_exporter
from mundwerk.export.rhubarb import escape_json, seconds_text
from mundwerk.export.xml import escape_xml
from rhubarb_reference import SOUND_FILE, reference_analysis, reference_text

BASIC = AnalysisOptions(extended_shapes=frozenset())


def export(name: str, analysis: Analysis, **options: object) -> str:
    stream = io.StringIO(newline="")
    get_exporter(name).write(analysis, stream, ExportOptions(sound_file=SOUND_FILE, **options))
    return stream.getvalue()


def analysis_of(cues: list[tuple[int, int, MouthShape]], duration_ms: int, **options: object) -> Analysis:
    return Analysis(
        source_name="clip.wav",
        duration_ms=duration_ms,
        alignment=Alignment(),
        cues=Timeline(Timed(start, end, shape) for start, end, shape in cues),
        options=AnalysisOptions(**options),
    )


@pytest.mark.parametrize(
    ("reference", "source", "options", "fmt", "export_options"),
    [
        ("goforward.tsv", "goforward.tsv", None, "tsv", {}),
        ("goforward.xml", "goforward.tsv", None, "xml", {}),
        ("goforward.json", "goforward.tsv", None, "json", {}),
        ("goforward.basic.json", "goforward.basic.json", BASIC, "json", {}),
        ("goforward.dialog.json", "goforward.dialog.json", None, "json", {}),
        ("goforward.dat", "goforward.tsv", None, "dat", {}),
        ("goforward.prestonblair30.dat", "goforward.tsv", None, "dat", {"fps": 30.0, "preston_blair": True}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_output_matches_rhubarb_byte_for_byte(
    reference: str, source: str, options: AnalysisOptions | None, fmt: str, export_options: dict[str, object]
) -> None:
    analysis = reference_analysis(source, options)
    assert export(fmt, analysis, **export_options) == reference_text(reference)


def test_machine_readable_events_match_rhubarb() -> None:
    stream = io.StringIO(newline="")
    reporter = MachineReadableReporter(stream, SOUND_FILE)
    reporter.start()
    for value in (0.0, 0.001, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.062, 0.688, 0.689, 1.0):
        reporter.progress(value)
    reporter.success()
    assert stream.getvalue() == reference_text("goforward.machineReadable.stderr.txt")


def test_machine_readable_failure_carries_the_escaped_reason() -> None:
    stream = io.StringIO()
    MachineReadableReporter(stream, "a.wav").failure('bad "file"\n')
    line = stream.getvalue()
    assert line == (
        '{ "type": "failure", "reason": "bad \\"file\\"\\n", "log": { "level": "Fatal", '
        '"message": "Application terminating with error: bad \\"file\\"\\n" } }\n'
    )
    assert json.loads(line)["reason"] == 'bad "file"\n'


def test_preston_blair_names_every_shape() -> None:
    shapes = list(MouthShape)
    analysis = analysis_of([(i * 100, (i + 1) * 100, shape) for i, shape in enumerate(shapes)], 900)
    lines = export("dat", analysis, fps=100.0, preston_blair=True).splitlines()
    assert lines == [
        "MohoSwitch1",
        "1 MBP",
        "11 etc",
        "21 E",
        "31 AI",
        "41 O",
        "51 U",
        "61 FV",
        "71 L",
        "81 rest",
        "91 rest",
    ]


def test_dat_drops_cues_that_start_in_an_already_used_frame() -> None:
    # At 24 fps a frame lasts 41.7 ms: B (starting at 20 ms) starts in frame 1, which A already has.
    analysis = analysis_of([(0, 20, MouthShape.A), (20, 100, MouthShape.B), (100, 110, MouthShape.C)], 110)
    assert export("dat", analysis).splitlines() == ["MohoSwitch1", "1 A", "3 C", "4 X"]


def test_dat_end_line_moves_one_frame_past_a_shared_frame() -> None:
    analysis = analysis_of([(0, 50, MouthShape.B), (50, 60, MouthShape.C)], 60)
    assert export("dat", analysis).splitlines() == ["MohoSwitch1", "1 B", "2 C", "3 X"]


def test_rest_shape_is_a_without_the_extended_x() -> None:
    analysis = analysis_of([(0, 300, MouthShape.B)], 300, extended_shapes=frozenset())
    assert export("tsv", analysis) == "0.00\tB\n0.30\tA\n"
    assert export("dat", analysis, preston_blair=True).splitlines()[-1] == "8 MBP"


def test_fractional_frame_rate_gives_increasing_sane_frames() -> None:
    analysis = reference_analysis()
    lines = export("dat", analysis, fps=29.97).splitlines()
    frames = [int(line.split()[0]) for line in lines[1:]]
    assert lines[0] == "MohoSwitch1"
    assert frames == sorted(set(frames)), frames
    assert frames[0] == 1
    assert frames[-1] == 1 + int(29.97 * 2.78)  # the end, 2.78 s
    # Each start lies in its frame: (frame - 1) / fps <= start < frame / fps.
    starts = {cue.start_ms for cue in analysis.cues}
    for line in lines[1:-1]:
        frame = int(line.split()[0])
        assert any((frame - 1) / 29.97 <= start_ms / 1000 < frame / 29.97 for start_ms in starts), line


def test_times_are_rounded_to_rhubarb_centiseconds() -> None:
    assert [seconds_text(ms) for ms in (0, 4, 5, 380, 1099, 61_005)] == [
        "0.00",
        "0.00",
        "0.01",
        "0.38",
        "1.10",
        "61.01",
    ]
    analysis = analysis_of([(0, 3, MouthShape.A), (3, 384, MouthShape.B), (384, 1000, MouthShape.B)], 1001)
    assert export("tsv", analysis) == "0.00\tB\n1.00\tX\n"


def test_gaps_are_filled_with_the_rest_shape() -> None:
    analysis = analysis_of([(100, 200, MouthShape.D)], 300)
    assert export("tsv", analysis) == "0.00\tX\n0.10\tD\n0.20\tX\n0.30\tX\n"


def test_empty_analysis_gets_rhubarbs_dummy_cue() -> None:
    analysis = analysis_of([], 0)
    assert export("tsv", analysis) == "0.00\tX\n"
    assert '{ "start": 0.00, "end": 0.00, "value": "X" }' in export("json", analysis)
    assert '<mouthCue start="0.00" end="0.00">X</mouthCue>' in export("xml", analysis)


def test_sound_file_is_escaped_and_parses_back() -> None:
    analysis = analysis_of([(0, 100, MouthShape.A)], 100)
    name = 'dir/<Tom & "Jerry">\'s take é 🎤\\1.wav'
    stream = io.StringIO()
    get_exporter("json").write(analysis, stream, ExportOptions(sound_file=name))
    assert json.loads(stream.getvalue())["metadata"]["soundFile"] == name
    assert "\\u00e9" in stream.getvalue() and "\\ud83c\\udfa4" in stream.getvalue()
    stream = io.StringIO()
    get_exporter("xml").write(analysis, stream, ExportOptions(sound_file=name))
    assert ElementTree.fromstring(stream.getvalue().split("\n", 1)[1]).findtext("metadata/soundFile") == name


def test_escapers_follow_rhubarb() -> None:
    assert escape_json('a"\\\b\f\n\r\t\x01\x7f/é') == 'a\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f/\\u00e9'
    assert escape_xml("a<b>&'\"") == "a&lt;b&gt;&amp;&apos;&quot;"
    assert escape_xml("   ") == "&#32;  "


def test_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownChoiceError) as caught:
        get_exporter("pdf")
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "'pdf'" in message
    assert all(name in message for name in ("tsv", "xml", "json", "dat"))
    with pytest.raises(UnknownChoiceError):
        extension_for("pdf")


def test_registry_names_and_extensions() -> None:
    assert set(EXPORT_FORMATS) >= {"tsv", "xml", "json", "dat"}
    assert {name: extension_for(name) for name in ("tsv", "xml", "json", "dat")} == {
        "tsv": "tsv",
        "xml": "xml",
        "json": "json",
        "dat": "dat",
    }


@pytest.mark.parametrize("fps", [0.0, -24.0, float("nan"), float("inf")])
def test_invalid_frame_rate_is_a_usage_error(fps: float) -> None:
    with pytest.raises(UsageError, match="frame rate"):
        ExportOptions(fps=fps)


ONE_CUE = analysis_of([(0, 500, MouthShape.D)], 500)
ALL_X = analysis_of([(0, 1200, MouthShape.X)], 1200)


@pytest.mark.parametrize("name", EXPORT_FORMATS)
@pytest.mark.parametrize("analysis", [ONE_CUE, ALL_X], ids=["one-cue", "all-x"])
def test_every_exporter_writes_text_ending_in_a_newline(name: str, analysis: Analysis) -> None:
    text = export(name, analysis)
    assert text.strip()
    assert text.endswith("\n") and "\r" not in text
    assert extension_for(name) and "." not in extension_for(name)
    assert export(name, analysis) == text  # deterministic, exporters keep no state

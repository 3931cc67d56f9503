"""``mundwerk-rhubarb``: Rhubarb's command line, as plugins call it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mundwerk.rhubarb_cli import main

DATA = Path(__file__).parent / "data"
GOFORWARD = DATA / "goforward.wav"
DIALOG = DATA / "rhubarb" / "goforward.txt"


def test_json_with_dialog_file_has_rhubarbs_structure(tmp_path: Path) -> None:
    out = tmp_path / "cues.json"
    code = main(["-f", "json", "-d", str(DIALOG), "-o", str(out), str(GOFORWARD)])
    assert code == 0
    ours = json.loads(out.read_text(encoding="utf-8"))
    reference = json.loads((DATA / "rhubarb" / "goforward.dialog.json").read_text(encoding="utf-8"))
    assert ours.keys() == reference.keys()
    assert ours["metadata"]["duration"] == reference["metadata"]["duration"]
    assert [set(cue) for cue in ours["mouthCues"]] == [{"start", "end", "value"}] * len(ours["mouthCues"])
    assert ours["mouthCues"][0]["start"] == 0.0
    assert ours["mouthCues"][-1]["end"] == reference["metadata"]["duration"]
    assert any(cue["value"] == "A" for cue in ours["mouthCues"]), "'meters': the lips close for m"


def test_basic_shapes_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--extendedShapes", "", str(GOFORWARD)])
    shapes = {line.split("\t")[1] for line in capsys.readouterr().out.splitlines()}
    assert code == 0 and shapes <= set("ABCDEF")


def test_dat_at_30_fps_with_preston_blair_names(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-f", "dat", "--datFrameRate", "30", "--datUsePrestonBlair", str(GOFORWARD)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[0] == "MohoSwitch1"
    names = {line.split(" ")[1] for line in lines[1:]}
    assert names <= {"MBP", "etc", "E", "AI", "O", "U", "FV", "L", "rest"}
    assert "rest" in names


def test_machine_readable_progress_events(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--machineReadable", "-o", "/dev/null", str(GOFORWARD)])
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert code == 0
    assert events[0]["type"] == "start" and events[0]["file"] == str(GOFORWARD)
    assert events[-1]["type"] == "success"
    progress = [event["value"] for event in events if event["type"] == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_machine_readable_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing.wav"
    code = main(["--machineReadable", "-o", str(tmp_path / "out.tsv"), str(missing)])
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert code == 1
    assert events[-1]["type"] == "failure" and str(missing) in events[-1]["reason"]
    assert not (tmp_path / "out.tsv").exists()


def test_unknown_export_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-f", "mp4", "-o", str(tmp_path / "out.mp4"), str(GOFORWARD)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "'mp4'" in err and "tsv" in err
    assert not (tmp_path / "out.mp4").exists()


def test_unknown_recognizer(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-r", "sphinx3", str(GOFORWARD)])
    err = capsys.readouterr().err
    assert code == 2 and "'sphinx3'" in err and "pocketsphinx" in err


def test_version_names_rhubarb_and_mundwerk(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("Rhubarb Lip Sync version 1.13.0")


def test_writing_to_dev_null_leaves_the_device_alone() -> None:
    assert main(["-q", "-o", "/dev/null", str(GOFORWARD)]) == 0
    assert Path("/dev/null").is_char_device()

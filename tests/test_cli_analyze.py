"""``mundwerk analyze`` end to end: real audio, real recognizer, every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from media import write_audio, write_jpeg, write_truncated, write_video_without_audio
from mundwerk.audio.decode import decode
from mundwerk.cli import main

DATA = Path(__file__).parent / "data"
GOFORWARD = DATA / "goforward.wav"
TRANSCRIPT = "go forward ten meters"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyze", "-q", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tsv_shapes(text: str) -> list[str]:
    return [line.split("\t")[1] for line in text.strip().splitlines()]


@pytest.fixture
def speech(tmp_path: Path) -> Path:
    target = tmp_path / "speech.wav"
    target.write_bytes(GOFORWARD.read_bytes())
    (tmp_path / "speech.txt").write_text(TRANSCRIPT, encoding="utf-8")
    return target


def test_writes_rhubarb_tsv_with_transcript(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = speech.with_suffix(".tsv")
    code, _, err = run_cli(capsys, speech, "--transcript", speech.with_suffix(".txt"), "-o", out)
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    times = [float(line.split("\t")[0]) for line in lines]
    assert times == sorted(times) and times[0] == 0.0
    shapes = tsv_shapes(out.read_text(encoding="utf-8"))
    assert shapes[0] == "X" and shapes[-1] == "X"
    assert "A" in shapes, "'meters' has an m: the lips must close"
    assert set(shapes) <= set("ABCDEFGHX")


def test_stdout_and_every_format(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, speech, "--format", "json", "-o", "-")
    assert code == 0
    cues = json.loads(out)["mouthCues"]
    assert cues[0]["start"] == 0.0 and cues[-1]["end"] == pytest.approx(2.78, abs=0.02)


def test_several_inputs_into_a_directory_with_auto_transcripts(
    speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = tmp_path / "second.wav"
    second.write_bytes(GOFORWARD.read_bytes())
    outdir = tmp_path / "cues"
    outdir.mkdir()
    code, _, err = run_cli(capsys, speech, second, "--transcript", "auto", "--format", "xml", "-o", outdir)
    assert code == 0
    assert sorted(p.name for p in outdir.iterdir()) == ["second.xml", "speech.xml"]
    assert "second.wav: no transcript second.txt" in err


def test_a_failing_file_is_reported_and_skipped(
    speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_jpeg(tmp_path / "broken.wav")
    outdir = tmp_path / "cues"
    outdir.mkdir()
    code, _, err = run_cli(capsys, broken, speech, "-o", outdir)
    assert code == 1
    assert "broken.wav" in err and "1 of 2 inputs failed" in err
    assert [p.name for p in outdir.iterdir()] == ["speech.tsv"]


def test_silence_gives_only_the_rest_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    silence = write_audio(tmp_path / "silence.wav", np.zeros(32_000), 16_000)
    code, out, _ = run_cli(capsys, silence, "-o", "-")
    assert code == 0
    assert tsv_shapes(out) == ["X", "X"] or tsv_shapes(out) == ["X"]


def _speech_samples() -> np.ndarray:
    return decode(GOFORWARD).samples.astype(np.float64)


def test_telephone_audio_at_8_khz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phone = write_audio(tmp_path / "phone.wav", resample_poly(_speech_samples(), 1, 2), 8_000)
    code, out, _ = run_cli(capsys, phone, "--transcript", _transcript(tmp_path), "-o", "-")
    assert code == 0
    assert "A" in tsv_shapes(out)


def test_six_channel_audio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    surround = write_audio(tmp_path / "six.wav", np.tile(_speech_samples() * 0.5, (6, 1)), 16_000)
    code, out, _ = run_cli(capsys, surround, "-o", "-")
    assert code == 0
    assert set(tsv_shapes(out)) - {"X"}, "speech in six channels must move the mouth"


@pytest.mark.slow
def test_ten_minute_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech = _speech_samples()
    pause = np.zeros(8_000)
    repeats = int(600 * 16_000 / (len(speech) + len(pause))) + 1
    long_audio = np.concatenate([np.concatenate([speech, pause])] * repeats)
    target = write_audio(tmp_path / "long.flac", long_audio, 16_000, codec="flac")
    code, out, err = run_cli(capsys, target, "-o", "-")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert float(lines[-1].split("\t")[0]) >= 599.0
    assert tsv_shapes(out).count("A") >= repeats // 2, "most repetitions of 'meters' close the lips"


def _transcript(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def test_mismatched_transcript_still_gives_cues_with_a_warning(
    speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(
        "the quick brown fox jumps over the lazy dog again and again and again", encoding="utf-8"
    )
    out = tmp_path / "out.tsv"
    code, _, err = run_cli(capsys, speech, "--transcript", wrong, "-o", out)
    assert code == 0
    assert "warning" in err and "transcript" in err
    assert len(tsv_shapes(out.read_text(encoding="utf-8"))) > 3


# Bad input: exact exit code, one-line message naming the value, and no output left behind.


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    directory = tmp_path / "folder.wav"
    directory.mkdir()
    return {
        "missing": (tmp_path / "nothing.wav", "file not found"),
        "directory": (directory, "not a file"),
        "empty": (empty, "empty file"),
        "truncated header": (write_truncated(tmp_path / "cut.wav", GOFORWARD, 30), "not a readable audio"),
        "header only": (write_truncated(tmp_path / "header.wav", GOFORWARD, 44), "no audio samples"),
        "jpeg renamed": (write_jpeg(tmp_path / "photo.wav"), "no audio stream"),
        "silent video": (write_video_without_audio(tmp_path / "mute.mp4"), "no audio stream"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "directory", "empty", "truncated header", "header only", "jpeg renamed", "silent video"],
)
def test_bad_audio_exits_1_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, message = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out.tsv"
    code, stdout, err = run_cli(capsys, path, "-o", out)
    assert code == 1
    assert err.count("\n") == 1 and message in err and path.name in err
    assert not out.exists() and stdout == ""


def _assert_usage_error(code: int, err: str, *expected: str) -> None:
    assert code == 2
    assert err.count("\n") == 1, err
    for text in expected:
        assert text in err


def test_unknown_format_lists_the_valid_ones(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, speech, "--format", "csv", "-o", speech.with_suffix(".csv"))
    _assert_usage_error(code, err, "'csv'", "dat", "json", "tsv", "xml")
    assert not speech.with_suffix(".csv").exists()


def test_unknown_recognizer_lists_the_valid_ones(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, speech, "--recognizer", "whisper", "-o", speech.with_suffix(".tsv"))
    _assert_usage_error(code, err, "'whisper'", "pocketsphinx", "phonetic")
    assert not speech.with_suffix(".tsv").exists()


def test_non_utf8_transcript(speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("go forward ten m\xe8ters".encode("latin-1"))
    out = tmp_path / "out.tsv"
    code, _, err = run_cli(capsys, speech, "--transcript", latin1, "-o", out)
    assert code == 1
    assert err.count("\n") == 1 and "not UTF-8" in err and "latin1.txt" in err
    assert not out.exists()


def test_missing_output_directory(speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no" / "such" / "out.tsv"
    code, _, err = run_cli(capsys, speech, "-o", out)
    _assert_usage_error(code, err, "output directory does not exist", str(out.parent))
    assert not out.parent.exists()


def test_unwritable_output_directory(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # /sys refuses new files even to root, so this holds in CI (which runs as root).
    code, _, err = run_cli(capsys, speech, "-o", "/sys/out.tsv")
    _assert_usage_error(code, err, "/sys")
    assert not Path("/sys/out.tsv").exists()


def test_several_inputs_into_a_missing_directory(
    speech: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, speech, speech, "-o", tmp_path / "missing")
    _assert_usage_error(code, err, "does not exist", "missing")


def test_invalid_extended_shapes(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, speech, "--extended-shapes", "GQ", "-o", "-")
    _assert_usage_error(code, err, "'Q'", "G, H, X")


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mundwerk.cli", "analyze", str(tmp_path / "nothing.wav")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == f"mundwerk: error: file not found: {tmp_path / 'nothing.wav'}\n"


def test_outputs_get_the_usual_permissions(speech: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import stat

    out = speech.with_suffix(".tsv")
    run_cli(capsys, speech, "-o", out)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask

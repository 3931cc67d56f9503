"""``mundwerk speak`` / ``mundwerk.speak``: cues timed by the synthesizer, long text, bad input."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
import wave
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

import mundwerk
from mundwerk.api import write_cues
from mundwerk.cli import main
from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Alignment, Phone
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import get_exporter
from mundwerk.mouth.animate import MouthOptions, animate
from mundwerk.speaking import Speaker, SpeakOptions
from mundwerk.speech.synthesizer import DEFAULT_OPTIONS, Synthesis, SynthesisOptions, Synthesizer

SENTENCE = "Hello Bob, the quick brown fox jumps over the lazy dog."
TWO_SENTENCES = "Maybe we meet at noon. Bring the blue map!"


@pytest.fixture(scope="module")
def speaker() -> Speaker:
    return Speaker.load()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["speak", "-q", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return pcm.astype(np.float32) / 32767, wav.getframerate()


def cue_text(analysis: Analysis, format_name: str, sound_file: str) -> str:
    stream = io.StringIO(newline="")
    get_exporter(format_name).write(analysis, stream, ExportOptions(sound_file=sound_file))
    return stream.getvalue()


def shifted(phones: tuple[Phone, ...], offset_ms: int) -> list[Phone]:
    return [Phone(p.symbol, p.start_ms + offset_ms, p.end_ms + offset_ms, p.stress) for p in phones]


def check_gap_free(phones: tuple[Phone, ...], duration_ms: int) -> None:
    assert phones[0].start_ms == 0 and phones[-1].end_ms == duration_ms
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(phones))


@dataclass
class Recording:
    """The real synthesizer, keeping every synthesis it made (espeak's pauses vary by a few
    samples from call to call, so timing is compared with the very synthesis used)."""

    inner: Synthesizer
    made: list[Synthesis] = field(default_factory=list)

    def synthesize(self, text: str, options: SynthesisOptions = DEFAULT_OPTIONS) -> Synthesis:
        self.made.append(self.inner.synthesize(text, options))
        return self.made[-1]


def recording(speaker: Speaker) -> tuple[Speaker, list[Synthesis]]:
    wrapped = Recording(speaker.synthesizer)
    return replace(speaker, synthesizer=wrapped), wrapped.made


def test_cue_file_is_the_engines_own_phone_timing(speaker: Speaker, tmp_path: Path) -> None:
    speaker, made = recording(speaker)
    wav, cues = tmp_path / "speech.wav", tmp_path / "speech.tsv"
    options = ExportOptions(sound_file=str(wav))
    speaker.speak_to_file(SENTENCE, wav, lambda analysis: write_cues(analysis, str(cues), "tsv", options))
    (direct,) = made
    # The analysis of exactly the engine's phones, animated: the file must be that, byte for byte.
    duration = direct.audio.duration_ms
    alignment = Alignment(direct.words, direct.phones, duration)
    cues_made = animate(alignment, duration, MouthOptions())
    expected = Analysis(str(wav), duration, alignment, cues_made, AnalysisOptions())
    assert cues.read_text(encoding="utf-8") == cue_text(expected, "tsv", str(wav))
    samples, rate = read_wav(wav)
    assert rate == direct.native_audio.sample_rate_hz == 22_050
    assert len(samples) == round(duration * rate / 1000), "the WAV ends where the phones end"
    assert abs(len(samples) - len(direct.native_audio.samples)) <= rate // 1000, "cut in its trailing silence"
    np.testing.assert_allclose(samples[:20_000], direct.native_audio.samples[:20_000], atol=1e-4)


def test_python_api_keeps_every_phone_boundary() -> None:
    speech = mundwerk.speak(SENTENCE)
    assert speech.analysis.alignment.phones == speech.synthesis.phones
    assert len(speech.synthesis.phones) > 30
    assert [w.text for w in speech.analysis.alignment.words][:3] == ["Hello", "Bob", "the"]
    assert speech.analysis.options.recognizer == "espeak (synthesis)"
    duration = speech.synthesis.audio.duration_ms
    assert speech.analysis.cues == animate(speech.analysis.alignment, duration, MouthOptions())


def test_sentences_are_joined_with_their_own_timing(speaker: Speaker, tmp_path: Path) -> None:
    speaker, made = recording(speaker)
    speech = speaker.speak(TWO_SENTENCES)
    first, second = made
    phones = speech.analysis.alignment.phones
    offset = first.audio.duration_ms
    check_gap_free(phones, offset + second.audio.duration_ms)
    # Every phone boundary of each sentence, shifted by what came before, is there unchanged
    # (the silence ending one sentence and the one starting the next become one).
    assert list(phones[: len(first.phones) - 1]) == list(first.phones[:-1])
    assert list(phones[len(first.phones) :]) == shifted(second.phones[1:], offset)
    joint = phones[len(first.phones) - 1]
    assert (joint.symbol, joint.start_ms, joint.end_ms) == (
        "SIL",
        first.phones[-1].start_ms,
        offset + second.phones[0].end_ms,
    )
    assert len(speech.synthesis.audio.samples) == 16 * speech.analysis.duration_ms
    # Streamed to a file: the WAV ends on the sample the phones end on.
    analysis = speaker.speak_to_file(TWO_SENTENCES, tmp_path / "two.wav")
    third, fourth = made[2:]
    samples, rate = read_wav(tmp_path / "two.wav")
    assert analysis.duration_ms == third.audio.duration_ms + fourth.audio.duration_ms
    assert len(samples) == round(analysis.duration_ms * rate / 1000)
    start = round(third.audio.duration_ms * rate / 1000)
    np.testing.assert_allclose(
        samples[start : start + 10_000], fourth.native_audio.samples[:10_000], atol=1e-4
    )


def test_lexicon_words_are_spoken_and_named(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("zorblax  Z AO1 R B L AE2 K S\n", encoding="utf-8")
    speech = mundwerk.speak("Meet Zorblax today.", lexicon=lexicon)
    words = {w.text: tuple(p.symbol for p in w.phones) for w in speech.analysis.alignment.words}
    assert words["Zorblax"] == ("Z", "AO", "R", "B", "L", "AE", "K", "S")


def test_markup_and_control_characters_are_not_read_out(speaker: Speaker) -> None:
    speech = speaker.speak('<speak>Hello <break time="1s"/> world</speak>\x00\x07 &amp; more')
    words = [w.text.lower() for w in speech.analysis.alignment.words]
    assert words == ["hello", "world", "&", "more"], "markup stripped, the entity read as 'and'"
    check_gap_free(speech.analysis.alignment.phones, speech.analysis.duration_ms)


def test_stdin_and_text_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Read from standard input."))
    code, out, err = run_cli(capsys, "-", "-o", tmp_path / "a.wav", "--cues", "-", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["metadata"]["duration"] > 1.0
    text = tmp_path / "text.txt"
    text.write_text("\ufeffRead from a file.", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "--text-file", text, "-o", tmp_path / "b.wav", "--cues", "-", "--format", "json"
    )
    assert code == 0, err
    cues = json.loads(out)
    assert cues["metadata"]["soundFile"] == str(tmp_path / "b.wav")
    assert cues["mouthCues"][0]["value"] == "X"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["", "-o", "out.wav"], 2, "no text to speak"),
        (["  ...  \x07", "-o", "out.wav"], 2, "no text to speak"),
        (["你好世界", "-o", "out.wav"], 2, "cannot read CJK letters such as '你'"),
        (
            ["hi", "--engine", "festival", "-o", "out.wav"],
            2,
            "unknown engine 'festival'; choose one of: espeak, piper",
        ),
        (["hi", "--voice", "nosuchvoice", "-o", "out.wav"], 2, "unknown voice 'nosuchvoice'"),
        (["hi", "--language", "xx-nowhere", "-o", "out.wav"], 2, "unknown language 'xx-nowhere'"),
        (["hi", "--engine", "piper", "--language", "de", "-o", "out.wav"], 2, "unknown piper language 'de'"),
        (["hi", "--speed", "50", "-o", "out.wav"], 2, "speed 50.0 is out of range"),
        (["hi", "--lexicon", "lex.txt", "-o", "out.wav"], 2, "lex.txt line 2: unknown phone 'QQ'"),
        (["hi", "--cues", "out.tsv", "--format", "mp3", "-o", "out.wav"], 2, "unknown"),
        (["hi", "-o", "-"], 2, "needs a file name"),
        (["hi", "-o", "missing/out.wav"], 2, "output directory does not exist"),
        (["--text-file", "missing.txt", "-o", "out.wav"], 1, "text file not found: missing.txt"),
        (["hi", "--text-file", "lex.txt", "-o", "out.wav"], 2, "either as TEXT or with --text-file"),
    ],
)
def test_bad_input_leaves_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lex.txt").write_text("hi  HH AY1\nfoo  F QQ\n", encoding="utf-8")
    got, _, err = (
        run_cli(capsys, *args, "--cues", "out.tsv") if "--cues" not in args else run_cli(capsys, *args)
    )
    assert got == code, err
    assert message in err and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lex.txt"], "no output (or temporary) file is left"


def test_failing_cue_output_leaves_no_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cues").mkdir()
    code, _, err = run_cli(capsys, "Hello.", "-o", tmp_path / "out.wav", "--cues", tmp_path / "cues")
    assert code == 2 and "is a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cues"]


def test_voices_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices", "--language", "de"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["engine", "voice", "languages", "name"]
    assert any(line.split()[:2] == ["espeak", "gmw/de"] for line in lines[1:])
    assert main(["voices", "--engine", "piper", "--json"]) == 0
    voices = json.loads(capsys.readouterr().out)
    assert voices == [{"engine": "piper", "identifier": "joe", "languages": ["en-us"], "name": "joe (en_US)"}]
    assert main(["voices", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert len(every) > 100 and {v["engine"] for v in every} == {"espeak", "piper"}
    assert main(["voices", "--engine", "festival"]) == 2
    assert "unknown engine 'festival'" in capsys.readouterr().err


def test_piper_cues_follow_its_phones_and_lexicon(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("zorblax  Z AO1 R B L AE2 K S\n", encoding="utf-8")
    speaker = Speaker.load(SpeakOptions(engine="piper"), lexicon)
    analysis = speaker.speak_to_file("Meet Zorblax, today.", tmp_path / "piper.wav")
    words = {w.text: tuple(p.symbol for p in w.phones) for w in analysis.alignment.words}
    assert words["Zorblax"] == ("Z", "AO", "R", "B", "L", "AE", "K", "S")
    check_gap_free(analysis.alignment.phones, analysis.duration_ms)
    samples, rate = read_wav(tmp_path / "piper.wav")
    assert rate == 22_050 and len(samples) == round(analysis.duration_ms * rate / 1000)
    assert analysis.options.recognizer == "piper (synthesis)"


def test_speak_errors_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no text to speak"):
        mundwerk.speak(" \n\t ")
    with pytest.raises(UsageError, match="unknown engine"):
        mundwerk.speak("hi", engine="sam")


_LONG_RUN = """
import json, sys, wave
from mundwerk.speaking import Speaker, SpeakOptions

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024

speaker = Speaker.load(SpeakOptions(speed=10.0))
base = "The quick brown fox jumps over the lazy dog, and then it rests for a while. "
result = {}
for size in (10_000, 100_000):
    path = sys.argv[1] + f"/long{size}.wav"
    # Unsigned: c2pa holds a file in memory while signing it (about twice its size; see docs/credentials.md).
    analysis = speaker.speak_to_file((base * (size // len(base) + 1))[:size], path, sign=False)
    with wave.open(path) as wav:
        frames, rate = wav.getnframes(), wav.getframerate()
    phones = analysis.alignment.phones
    gap_free = all(a.end_ms == b.start_ms for a, b in zip(phones, phones[1:]))
    result[size] = [analysis.duration_ms, frames, rate, peak_mb(), gap_free, phones[-1].end_ms]
print(json.dumps(result))
"""


@pytest.mark.slow
def test_hundred_thousand_characters_stream_in_bounded_memory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LONG_RUN, str(tmp_path)], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    small, large = result["10000"], result["100000"]
    for duration_ms, frames, rate, _, gap_free, end_ms in (small, large):
        assert frames == round(duration_ms * rate / 1000) and gap_free and end_ms == duration_ms
    assert large[0] > 30 * 60_000, "100,000 characters are over half an hour of speech, even fast"
    assert 9 < large[0] / small[0] < 11
    held_audio_mb = large[1] * 4 / 2**20
    assert held_audio_mb > 200, "holding the audio would cost this much"
    assert large[3] - small[3] < 60, f"peak memory grew {large[3] - small[3]} MB from 10k to 100k characters"

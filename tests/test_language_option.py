"""``--language``: which recognizer runs for which language, and the errors for bad choices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mundwerk
from media import write_audio
from mundwerk.cli import main
from mundwerk.core.analysis import AnalysisOptions
from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.speech.multilingual import PhoneticAligner
from mundwerk.speech.registry import load_recognizer, recognizer_for
from mundwerk.speech.synthesizer import SynthesisOptions, get_synthesizer

GERMAN = "Im Sommer pflanzt Mama Paprika und Bohnen."


@pytest.fixture(scope="module")
def german_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    synthesis = get_synthesizer("espeak").synthesize(GERMAN, SynthesisOptions(voice="de"))
    target = tmp_path_factory.mktemp("german") / "sommer.wav"
    write_audio(target, np.asarray(synthesis.audio.samples), synthesis.audio.sample_rate_hz)
    target.with_suffix(".txt").write_text(GERMAN, encoding="utf-8")
    return target


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["analyze", "-q", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        (None, "en", "pocketsphinx"),
        (None, "en-gb", "pocketsphinx"),
        (None, "de", "phonetic"),
        (None, "pt-BR", "phonetic"),
        ("phonetic", "en", "phonetic"),
        ("pocketSphinx", "en-us", "pocketsphinx"),
    ],
)
def test_the_recognizer_follows_the_language(name: str | None, language: str, expected: str) -> None:
    assert recognizer_for(name, language) == expected


def test_pocketsphinx_is_english_only() -> None:
    with pytest.raises(UsageError, match=r"'pocketsphinx' is English-only.*'de'"):
        recognizer_for("pocketsphinx", "de")
    with pytest.raises(UsageError, match="English-only"):
        mundwerk.Analyzer.load(AnalysisOptions(recognizer="pocketsphinx", language="de"))


def test_unknown_language_lists_valid_ones() -> None:
    with pytest.raises(UnknownChoiceError, match="unknown language 'elvish'") as caught:
        recognizer_for(None, "elvish")
    assert {"de", "fr", "es"} <= set(caught.value.choices)


def test_the_phonetic_recognizer_loads_for_the_language() -> None:
    recognizer = load_recognizer("phonetic", "de")
    assert isinstance(recognizer, PhoneticAligner) and recognizer.voice == "gmw/de"


def test_analyze_in_german_aligns_the_transcript(german_wav: Path) -> None:
    analysis = mundwerk.analyze(german_wav, GERMAN, language="de")
    assert analysis.options.recognizer == "phonetic" and analysis.options.language == "de"
    assert [w.text for w in analysis.alignment.words] == GERMAN.rstrip(".").split()
    assert "A" in {cue.value.value for cue in analysis.cues}, "Mama, Paprika, Bohnen close the lips"


def test_cli_language_with_transcript(german_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = german_wav.with_name("sommer-cues.json")
    code, _, err = run_cli(
        capsys, german_wav, "--language", "de", "--transcript", "auto", "--format", "json", "-o", out
    )
    assert code == 0, err
    assert err == ""
    assert '"A"' in out.read_text(encoding="utf-8")


def test_cli_language_without_transcript(german_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, german_wav, "--language", "de", "-o", "-")
    assert code == 0, err
    assert out.splitlines()[0].endswith("\tX")


def test_cli_unknown_language_exits_2_listing_valid_ones(
    german_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = german_wav.with_name("unknown.tsv")
    code, _, err = run_cli(capsys, german_wav, "--language", "elvish", "-o", out)
    assert code == 2
    assert err.count("\n") == 1 and "unknown language 'elvish'" in err and "de" in err
    assert not out.exists()


def test_cli_pocketsphinx_in_german_exits_2(german_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = german_wav.with_name("sphinx.tsv")
    code, _, err = run_cli(capsys, german_wav, "--recognizer", "pocketsphinx", "--language", "de", "-o", out)
    assert code == 2
    assert err.count("\n") == 1 and "English-only" in err and "'de'" in err
    assert not out.exists()


def test_analyzer_options_pick_the_languages_default_recognizer() -> None:
    from mundwerk.api import Analyzer
    from mundwerk.core.analysis import AnalysisOptions

    assert Analyzer.load(AnalysisOptions(language="de")).options.recognizer == "phonetic"
    assert Analyzer.load(AnalysisOptions()).options.recognizer == "pocketsphinx"

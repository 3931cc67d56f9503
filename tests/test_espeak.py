"""espeak synthesis: 16 kHz audio, gap-free phones at exact times, languages, rates, voices."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.core.phones import VOWELS, Phone
from mundwerk.speech.espeak import list_voices
from mundwerk.speech.g2p import pronounce
from mundwerk.speech.synthesizer import Synthesis, SynthesisOptions, Synthesizer, get_synthesizer

SENTENCE = "Hello Bob, the quick brown fox jumps over the lazy dog."
ROUNDED = frozenset({"UW", "UH", "OW", "AO", "OY", "W"})


@pytest.fixture(scope="module")
def espeak() -> Synthesizer:
    return get_synthesizer("espeak")


def symbols(phones: Sequence[Phone]) -> list[str]:
    return [phone.symbol for phone in phones]


def contains_run(items: Sequence[str], run: Sequence[str]) -> bool:
    return any(list(items[i : i + len(run)]) == list(run) for i in range(len(items)))


def check_invariants(result: Synthesis) -> None:
    """Audio at 16 kHz, phones gap-free over all of it, silence at both ends, words inside."""
    assert result.audio.sample_rate_hz == SAMPLE_RATE_HZ
    assert result.audio.samples.dtype == np.float32
    assert result.audio.duration_ms > 200
    assert abs(result.native_audio.duration_ms - result.audio.duration_ms) <= 1
    phones = result.phones
    assert phones[0].start_ms == 0
    assert phones[-1].end_ms == result.audio.duration_ms
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(phones))
    assert all(phone.duration_ms > 0 for phone in phones)
    assert phones[0].is_silence
    assert phones[-1].is_silence
    for word in result.words:
        assert word.phones
        assert word.start_ms == word.phones[0].start_ms
        assert word.end_ms == word.phones[-1].end_ms


def rms(result: Synthesis, phone: Phone) -> float:
    samples = result.audio.slice_ms(phone.start_ms, phone.end_ms).samples
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def check_energy_follows_phones(result: Synthesis) -> None:
    """Silences are quiet and vowels loud: the phone times agree with the audio."""
    silences = [rms(result, p) for p in result.phones if p.is_silence and p.duration_ms >= 40]
    vowels = [rms(result, p) for p in result.phones if p.symbol in VOWELS and p.duration_ms >= 40]
    assert silences
    assert vowels
    assert max(silences) < 0.25 * float(np.median(vowels))


def test_english_sentence(espeak: Synthesizer) -> None:
    result = espeak.synthesize(SENTENCE)
    check_invariants(result)
    check_energy_follows_phones(result)
    assert result.native_audio.sample_rate_hz == 22_050
    assert contains_run(symbols(result.phones), ["B", "AA", "B"])
    assert [word.text for word in result.words] == SENTENCE.rstrip(".").replace(",", "").split()
    assert symbols(result.words[1].phones) == ["B", "AA", "B"]


def test_stress_comes_with_vowels(espeak: Synthesizer) -> None:
    result = espeak.synthesize("Hello")
    vowels = [phone for phone in result.phones if phone.symbol in VOWELS]
    assert [phone.stress.value if phone.stress else None for phone in vowels] == [0, 1]


@pytest.mark.parametrize(
    ("text", "language", "rounded_word"),
    [("Über Pferde", "de", 0), ("Je vois la rue.", "fr", 3), ("Buenos días, uno.", "es", 2)],
)
def test_other_languages(espeak: Synthesizer, text: str, language: str, rounded_word: int) -> None:
    result = espeak.synthesize(text, SynthesisOptions(language=language))
    check_invariants(result)
    assert set(symbols(result.words[rounded_word].phones)) & ROUNDED


def test_german_pf_is_a_closure_then_a_fricative(espeak: Synthesizer) -> None:
    result = espeak.synthesize("Pferde", SynthesisOptions(language="de"))
    assert symbols(result.phones)[1:3] == ["P", "F"]


def test_rate_changes_duration(espeak: Synthesizer) -> None:
    slow = espeak.synthesize(SENTENCE, SynthesisOptions(speed=0.6))
    fast = espeak.synthesize(SENTENCE, SynthesisOptions(rate_wpm=300))
    assert slow.audio.duration_ms > 1.6 * fast.audio.duration_ms
    assert symbols(slow.phones)[1:-1] == symbols(fast.phones)[1:-1]


def test_pitch_changes_audio_not_phones(espeak: Synthesizer) -> None:
    low = espeak.synthesize("Bob", SynthesisOptions(pitch=10))
    high = espeak.synthesize("Bob", SynthesisOptions(pitch=90))
    assert symbols(low.phones) == symbols(high.phones)
    assert not np.array_equal(
        low.audio.samples[: len(high.audio.samples)], high.audio.samples[: len(low.audio.samples)]
    )


def test_threads_get_their_own_results(espeak: Synthesizer) -> None:
    texts = ["Hello Bob.", "Über Pferde."] * 3
    options = [SynthesisOptions(language="en"), SynthesisOptions(language="de")] * 3
    expected = [symbols(espeak.synthesize(t, o).phones) for t, o in zip(texts, options, strict=True)]
    with ThreadPoolExecutor(4) as pool:
        found = list(
            pool.map(lambda pair: symbols(espeak.synthesize(*pair).phones), zip(texts, options, strict=True))
        )
    assert found == expected


def test_many_voice_switches_lose_no_events(espeak: Synthesizer) -> None:
    for index in range(40):
        pronounce(f"wort{index}", "de" if index % 2 else "en")
    result = espeak.synthesize("Hello Bob.")
    assert [word.text for word in result.words] == ["Hello", "Bob"]
    assert symbols(result.phones)[:5] == ["SIL", "HH", "AH", "L", "OW"]


def test_empty_text_is_all_silence(espeak: Synthesizer) -> None:
    result = espeak.synthesize("")
    assert all(phone.is_silence for phone in result.phones)


def test_voices_are_listed() -> None:
    voices = list_voices()
    assert len(voices) >= 100
    codes = {code for voice in voices for code in voice.languages}
    assert {"en-us", "de", "fr", "es"} <= codes


def test_unknown_voice_lists_some_choices(espeak: Synthesizer) -> None:
    with pytest.raises(UnknownChoiceError, match=r"'elvish'.*en-us.*mundwerk voices") as caught:
        espeak.synthesize("hi", SynthesisOptions(voice="elvish"))
    assert caught.value.exit_code == 2


def test_bad_options_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="speed"):
        SynthesisOptions(speed=0)
    with pytest.raises(UsageError, match="pitch"):
        SynthesisOptions(pitch=200)


def test_unknown_synthesizer_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownChoiceError, match="espeak, piper"):
        get_synthesizer("festival")


def test_a_nameless_phoneme_inside_a_word_is_no_pause(espeak: Synthesizer) -> None:
    result = espeak.synthesize("días", SynthesisOptions(language="es"))
    assert symbols(result.phones) == ["SIL", "D", "IY", "AA", "S", "SIL"]

"""The phonetic recognizer: classes, decoder, model file, and what it hears in real synthesized speech."""

from __future__ import annotations

import copy
import itertools
import time

import numpy as np
import pytest

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import PHONE_SYMBOLS, SILENCE, Phone
from mundwerk.speech.phonetic import MAX_DELAY_MS, PhoneticRecognizer
from mundwerk.speech.phonetic_decode import DecoderConfig, Segment, ViterbiStream
from mundwerk.speech.phonetic_model import (
    FINE_CLASSES,
    FINE_INDEX,
    file_sha256,
    model_path,
    recorded_sha256,
)
from mundwerk.speech.synthesizer import Synthesis, SynthesisOptions, get_synthesizer

OUTPUT_SYMBOLS = {fine.symbol for fine in FINE_CLASSES}
CLOSED_SYMBOLS = {"P", "B", "M"}
ROUNDED_SYMBOLS = {"UW", "OW"}


# -- classes and model file -------------------------------------------------------------------


def test_every_phone_symbol_has_exactly_one_class() -> None:
    members = [symbol for fine in FINE_CLASSES for symbol in fine.members]
    assert sorted(members) == sorted(PHONE_SYMBOLS)
    assert set(FINE_INDEX) == PHONE_SYMBOLS


def test_model_file_matches_its_recorded_sha256() -> None:
    assert file_sha256(model_path()) == recorded_sha256()
    assert model_path().stat().st_size < 4_000_000


# -- decoder ----------------------------------------------------------------------------------

CONFIG = DecoderConfig(min_frames=(3, 3), switch_log=-2.0, class_bias=(0.0, 0.0), lag_frames=4)


def _scores(labels: list[int]) -> np.ndarray:
    scores = np.full((len(labels), 2), np.log(0.1))
    scores[np.arange(len(labels)), labels] = np.log(0.9)
    return scores


def _decode(labels: list[int], block: int) -> list[Segment]:
    decoder = ViterbiStream(CONFIG)
    scores = _scores(labels)
    for first in range(0, len(labels), block):
        chunk = scores[first : first + block]
        decoder.accept(chunk, np.exp(chunk).astype(np.float32))
    decoder.finish()
    return decoder.pop()


def test_decoder_follows_clear_scores_and_drops_blips() -> None:
    labels = [0] * 10 + [1] + [0] * 5 + [1] * 8 + [0] * 6
    segments = _decode(labels, block=len(labels))
    assert [(s.label, s.start_frame, s.end_frame) for s in segments] == [(0, 0, 16), (1, 16, 24), (0, 24, 30)]
    assert np.allclose(segments[1].evidence, [0.8, 7.2])


@pytest.mark.parametrize("block", [1, 2, 5, 7])
def test_streaming_decoder_keeps_valid_paths(block: int) -> None:
    labels = [0] * 10 + [1] + [0] * 5 + [1] * 8 + [0] * 6 + [1, 1] + [0] * 4
    segments = _decode(labels, block)
    assert segments[0].start_frame == 0 and segments[-1].end_frame == len(labels)
    for before, after in itertools.pairwise(segments):
        assert before.end_frame == after.start_frame and before.label != after.label
    assert all(s.end_frame - s.start_frame >= 3 for s in segments)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_guess_equals_a_copy_that_took_the_frames(seed: int) -> None:
    """``guess`` (the live path's cheap look ahead) gives what a copied decoder given the frames gives."""
    rng = np.random.default_rng(seed)
    config = DecoderConfig(min_frames=(3, 2, 4), switch_log=-2.0, class_bias=(0.0, 0.3, 0.0), lag_frames=5)
    decoder = ViterbiStream(config)
    for _ in range(40):
        scores = np.log(rng.dirichlet(np.ones(3) * 0.5, size=int(rng.integers(0, 5))) + 1e-9)
        decoder.accept(scores, np.exp(scores).astype(np.float32))
        if rng.random() < 0.5:
            decoder.pop()
        ahead = np.log(rng.dirichlet(np.ones(3) * 0.5, size=int(rng.integers(1, 8))) + 1e-9)
        twin = copy.deepcopy(decoder)
        twin.accept(ahead, np.exp(ahead).astype(np.float32))
        expected = [*twin.pop(), *twin.provisional()]
        guessed = decoder.guess(ahead, np.exp(ahead).astype(np.float32))
        assert [(s.label, s.start_frame, s.end_frame) for s in guessed] == [
            (s.label, s.start_frame, s.end_frame) for s in expected
        ]
        assert all(np.allclose(a.evidence, b.evidence) for a, b in zip(guessed, expected, strict=True))


# -- the recognizer on real audio -------------------------------------------------------------


@pytest.fixture(scope="module")
def recognizer() -> PhoneticRecognizer:
    return PhoneticRecognizer.load()


def _espeak(text: str, voice: str = "en-us") -> Synthesis:
    return get_synthesizer("espeak").synthesize(text, SynthesisOptions(voice=voice))


def _assert_gap_free(phones: tuple[Phone, ...], duration_ms: int) -> None:
    assert phones[0].start_ms == 0
    assert phones[-1].end_ms == duration_ms
    for before, after in itertools.pairwise(phones):
        assert before.end_ms == after.start_ms
    assert all(p.end_ms > p.start_ms for p in phones)
    assert {p.symbol for p in phones} <= OUTPUT_SYMBOLS


def _overlaps(found: Phone, truth: Phone) -> bool:
    return found.start_ms < truth.end_ms and truth.start_ms < found.end_ms


@pytest.mark.parametrize("length", [0, 1, 1600, 16_000])
def test_silence_is_one_silence(recognizer: PhoneticRecognizer, length: int) -> None:
    alignment = recognizer.recognize(Audio(np.zeros(length, dtype=np.float32)))
    assert alignment.duration_ms == round(length / 16)
    if alignment.duration_ms == 0:
        assert alignment.phones == ()
    else:
        assert alignment.phones == (Phone(SILENCE, 0, alignment.duration_ms),)


def test_quiet_noise_is_one_silence(recognizer: PhoneticRecognizer) -> None:
    noise = (np.random.default_rng(0).standard_normal(24_000) * 0.002).astype(np.float32)
    assert [p.symbol for p in recognizer.recognize(Audio(noise)).phones] == [SILENCE]


@pytest.mark.parametrize(
    ("text", "voice"), [("Papa and mama.", "en-us"), ("Fünf Uhr.", "de"), ("Bonjour!", "fr")]
)
def test_output_is_gap_free_over_the_audio(recognizer: PhoneticRecognizer, text: str, voice: str) -> None:
    synthesis = _espeak(text, voice)
    alignment = recognizer.recognize(synthesis.audio)
    assert alignment.duration_ms == synthesis.audio.duration_ms
    _assert_gap_free(alignment.phones, alignment.duration_ms)


def test_papa_mama_shows_its_closures(recognizer: PhoneticRecognizer) -> None:
    synthesis = _espeak("papa mama")
    found = [p for p in recognizer.recognize(synthesis.audio).phones if p.symbol == "P"]
    truth = [p for p in synthesis.phones if p.symbol in CLOSED_SYMBOLS]
    hit = [t for t in truth if any(_overlaps(f, t) for f in found)]
    assert len(hit) >= 3, (found, truth)


def test_who_shows_a_rounded_vowel(recognizer: PhoneticRecognizer) -> None:
    synthesis = _espeak("who")
    vowel = next(p for p in synthesis.phones if p.symbol == "UW")
    found = [p for p in recognizer.recognize(synthesis.audio).phones if p.symbol in ROUNDED_SYMBOLS]
    assert any(_overlaps(f, vowel) for f in found), found


def test_other_sample_rates_are_resampled(recognizer: PhoneticRecognizer) -> None:
    native = _espeak("papa mama").native_audio
    alignment = recognizer.recognize(native)
    _assert_gap_free(alignment.phones, alignment.duration_ms)
    assert abs(alignment.duration_ms - native.duration_ms) <= 1


# -- streaming --------------------------------------------------------------------------------


def _stream(recognizer: PhoneticRecognizer, samples: np.ndarray, block: int) -> list[tuple[Phone, int]]:
    """Phones with the number of samples fed when each was popped."""
    stream = recognizer.create_stream()
    popped: list[tuple[Phone, int]] = []
    for first in range(0, len(samples), block):
        stream.accept_waveform(samples[first : first + block])
        popped += [(phone, first + block) for phone in stream.pop_phones()]
    stream.input_finished()
    popped += [(phone, len(samples)) for phone in stream.pop_phones()]
    return popped


SENTENCE = "Maybe the blue boat moved away, but father will be home soon."


def test_streaming_output_nearly_equals_batch(recognizer: PhoneticRecognizer) -> None:
    """Tolerance: at least 95% of milliseconds carry the same symbol."""
    synthesis = _espeak(SENTENCE)
    batch = recognizer.recognize(synthesis.audio).phones
    streamed = tuple(phone for phone, _ in _stream(recognizer, synthesis.audio.samples, block=320))
    _assert_gap_free(streamed, synthesis.audio.duration_ms)
    same = sum(1 for ms in range(0, synthesis.audio.duration_ms, 5) if _at(batch, ms) == _at(streamed, ms))
    assert same / len(range(0, synthesis.audio.duration_ms, 5)) >= 0.95


def _at(phones: tuple[Phone, ...], ms: int) -> str:
    return next(p.symbol for p in phones if p.start_ms <= ms < p.end_ms)


def test_streaming_delay_is_bounded(recognizer: PhoneticRecognizer) -> None:
    synthesis = _espeak(SENTENCE)
    block = 160
    popped = _stream(recognizer, synthesis.audio.samples, block)
    for phone, fed in popped[:-1]:
        assert fed / 16 - phone.end_ms <= MAX_DELAY_MS + block / 16, phone


def test_no_audio_after_input_finished(recognizer: PhoneticRecognizer) -> None:
    stream = recognizer.create_stream()
    stream.input_finished()
    with pytest.raises(UsageError, match="after input_finished"):
        stream.accept_waveform(np.zeros(160, dtype=np.float32))


def test_ten_seconds_take_well_under_real_time(recognizer: PhoneticRecognizer) -> None:
    """The target is 50 ms per 10 s on one core; the test allows 10x for busy CI machines."""
    samples = np.tile(_espeak(SENTENCE).audio.samples, 4)[:160_000]
    recognizer.recognize(Audio(samples))
    started = time.perf_counter()
    recognizer.recognize(Audio(samples))
    assert time.perf_counter() - started < 0.5

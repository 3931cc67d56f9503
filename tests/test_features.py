"""Log-mel features: shape, where a sine's energy lands, streaming equals batch."""

from __future__ import annotations

import numpy as np
import pytest

from mundwerk.audio.features import (
    FLOOR,
    HOP_SAMPLES,
    MEL_BANDS,
    LogMelStream,
    band_centres_hz,
    frame_count,
    log_mel,
    mel_filterbank,
)
from mundwerk.core.constants import SAMPLE_RATE_HZ


def _sine(frequency_hz: float, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    return (0.5 * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


@pytest.mark.parametrize("length", [0, 1, 159, 160, 161, 400, 16_000, 16_123])
def test_one_frame_per_started_10_ms(length: int) -> None:
    features = log_mel(np.zeros(length, dtype=np.float32))
    assert features.shape == (frame_count(length), MEL_BANDS) == (-(-length // HOP_SAMPLES), MEL_BANDS)
    assert features.dtype == np.float32


def test_digital_silence_is_the_floor() -> None:
    assert np.allclose(log_mel(np.zeros(1600, dtype=np.float32)), np.log(FLOOR))


@pytest.mark.parametrize("frequency_hz", [200.0, 1000.0, 3000.0, 6000.0])
def test_sine_energy_lands_in_its_mel_band(frequency_hz: float) -> None:
    features = log_mel(_sine(frequency_hz))
    loudest = int(np.argmax(features[10:-10].mean(axis=0)))
    nearest = int(np.argmin(np.abs(band_centres_hz() - frequency_hz)))
    assert abs(loudest - nearest) <= 1


def test_filterbank_covers_the_speech_band() -> None:
    bank = mel_filterbank()
    assert bank.shape == (257, MEL_BANDS)
    assert np.all(bank.max(axis=0) > 0.5)


def test_streaming_in_any_pieces_equals_batch() -> None:
    rng = np.random.default_rng(3)
    samples = (rng.standard_normal(16_000 + 77) * 0.1).astype(np.float32)
    stream = LogMelStream()
    pieces, cursor = [], 0
    while cursor < len(samples):
        size = int(rng.integers(1, 700))
        pieces.append(stream.accept(samples[cursor : cursor + size]))
        cursor += size
    pieces.append(stream.flush())
    streamed = np.concatenate(pieces)
    batch = log_mel(samples)
    assert streamed.shape == batch.shape
    np.testing.assert_allclose(streamed, batch, atol=1e-4)


def test_frames_are_emitted_as_soon_as_their_window_is_full() -> None:
    stream = LogMelStream()
    assert len(stream.accept(np.zeros(279, dtype=np.float32))) == 0
    assert len(stream.accept(np.zeros(1, dtype=np.float32))) == 1  # 120 lead + 280 = one window
    assert len(stream.flush()) == 1  # 280 samples → two frames in all

"""Pauses at known places, and long audio split at pauses into chunks that cover it all."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from media import SPEECH_MS, speechlike, tone
from mundwerk.audio import Audio, find_pauses, split_at_pauses
from mundwerk.core.timeline import Timeline

RATE = 16_000


def expected_pauses(voiced_ms: tuple[tuple[int, int], ...], duration_ms: int) -> list[tuple[int, int]]:
    edges = [0, *(t for span in voiced_ms for t in span), duration_ms]
    return [(start, end) for start, end in zip(edges[::2], edges[1::2], strict=True) if end > start]


def spans(pauses: Timeline[None]) -> list[tuple[int, int]]:
    return [(p.start_ms, p.end_ms) for p in pauses]


@pytest.mark.parametrize("snr_db", [None, 20.0, 10.0])
def test_pauses_at_known_places(snr_db: float | None) -> None:
    found = spans(find_pauses(Audio(speechlike(4000, snr_db=snr_db)), min_pause_ms=200))
    expected = expected_pauses(SPEECH_MS, 4000)
    assert len(found) == len(expected)
    for (start, end), (want_start, want_end) in zip(found, expected, strict=True):
        assert abs(start - want_start) <= 20
        assert abs(end - want_end) <= 20


def test_short_gaps_are_not_pauses() -> None:
    voiced = ((300, 1100), (1250, 1800))  # a 150 ms gap between them
    found = spans(find_pauses(Audio(speechlike(2000, voiced, snr_db=10.0)), min_pause_ms=200))
    assert found == [(0, 300), (1800, 2000)]


def test_pause_timing_is_independent_of_level() -> None:
    signal = speechlike(4000, snr_db=10.0)  # speech at about -20 dBFS
    loud, quiet = (find_pauses(Audio(signal * gain)) for gain in (3.0, 0.03))
    assert spans(loud) == spans(quiet) == expected_pauses(SPEECH_MS, 4000)


def test_silence_is_one_pause_and_steady_sound_none() -> None:
    assert spans(find_pauses(Audio(np.zeros(RATE, dtype=np.float32)))) == [(0, 1000)]
    assert spans(find_pauses(Audio(tone(300.0, 2000)))) == []
    assert spans(find_pauses(Audio(np.zeros(0, dtype=np.float32)))) == []


def long_speech(duration_ms: int, seed: int = 1) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Random 1.5–6 s utterances with 250–900 ms gaps, at 10 dB SNR."""
    rng = np.random.default_rng(seed)
    voiced, cursor = [], 200
    while cursor < duration_ms - 2000:
        length, gap = int(rng.integers(1500, 6000)), int(rng.integers(250, 900))
        voiced.append((cursor, min(cursor + length, duration_ms - 500)))
        cursor += length + gap
    return speechlike(duration_ms, voiced, snr_db=10.0, seed=seed), voiced


def in_blocks(samples: np.ndarray, block: int) -> Iterator[Audio]:
    for start in range(0, len(samples), block):
        yield Audio(samples[start : start + block])


@pytest.mark.parametrize("as_blocks", [False, True])
def test_split_cuts_inside_pauses_and_covers_everything(as_blocks: bool) -> None:
    samples, voiced = long_speech(120_000)
    source = in_blocks(samples, 7_777) if as_blocks else Audio(samples)
    chunks = list(split_at_pauses(source, max_chunk_ms=20_000))
    np.testing.assert_array_equal(np.concatenate([c.samples for _, c in chunks]), samples)
    offsets = [offset for offset, _ in chunks]
    assert offsets == [0, *np.cumsum([c.duration_ms for _, c in chunks])[:-1].tolist()]
    assert all(chunk.duration_ms <= 20_000 for _, chunk in chunks)
    assert all(chunk.duration_ms >= 10_000 for _, chunk in chunks[:-1])
    gaps = expected_pauses(tuple(voiced), 120_000)
    for cut_ms in offsets[1:]:
        assert any(start + 20 <= cut_ms <= end - 20 for start, end in gaps), cut_ms


def test_split_without_pauses_cuts_at_the_quietest_point() -> None:
    loudness = np.ones(30 * RATE, dtype=np.float32)
    loudness[14_500 * 16 : 14_600 * 16] = 0.2  # one 100 ms dip, shorter than a pause
    samples = tone(200.0, 30_000) * loudness
    offsets = [offset for offset, _ in split_at_pauses(Audio(samples), max_chunk_ms=20_000)]
    assert len(offsets) == 2
    assert 14_500 <= offsets[1] <= 14_600


def test_split_of_silence_and_of_short_audio() -> None:
    silence = [c.duration_ms for _, c in split_at_pauses(Audio(np.zeros(50 * RATE, dtype=np.float32)))]
    assert sum(silence) == 50_000
    assert all(d <= 20_000 for d in silence)
    short = list(split_at_pauses(Audio(tone(440.0, 3000))))
    assert [(offset, chunk.duration_ms) for offset, chunk in short] == [(0, 3000)]
    assert list(split_at_pauses([])) == []


def test_split_rejects_a_tiny_limit() -> None:
    with pytest.raises(ValueError, match="max_chunk_ms"):
        next(split_at_pauses(Audio(tone(440.0, 100)), max_chunk_ms=5))

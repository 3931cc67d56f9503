"""Oculus visemes: weights sum to one, the right viseme dominates, timing, the event track."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mundwerk.core.curves import OCULUS_VISEMES, OculusViseme, VisemeWeights
from mundwerk.core.phones import PHONE_SYMBOLS, SILENCE
from mundwerk.mouth.curves.targets import BILABIALS, OFFGLIDES, TRANSPARENT
from mundwerk.mouth.visemes import VISEME_OF, viseme_track, visemes_from_phones
from test_curves import FPS_VALUES, phones_of, random_phones


def weight_at(weights: VisemeWeights, viseme: OculusViseme, time_ms: float) -> float:
    frame = min(round(time_ms / 1000 * weights.fps), weights.frame_count - 1)
    return float(weights.weight(viseme)[frame])


def test_every_phone_has_a_viseme_and_ids_are_oculus_order() -> None:
    assert set(VISEME_OF) == PHONE_SYMBOLS
    assert [viseme.value for viseme in OCULUS_VISEMES] == (
        ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"]
    )
    assert [viseme.index for viseme in OCULUS_VISEMES] == list(range(15))


@pytest.mark.parametrize("fps", FPS_VALUES)
def test_weights_are_a_cross_fade_summing_to_one(fps: float) -> None:
    weights = visemes_from_phones(random_phones(9, 20_000, shortest_ms=10), 20_000, fps)
    assert weights.values.shape == (weights.frame_count, 15)
    assert weights.values.min() >= 0.0
    assert np.allclose(weights.values.sum(axis=1), 1.0, atol=1e-5)
    assert weights.frame_count == round(20 * fps + 0.4999)


@pytest.mark.parametrize("symbol", sorted(PHONE_SYMBOLS - TRANSPARENT))
def test_a_long_phone_shows_its_own_viseme_in_its_middle(symbol: str) -> None:
    neighbour = "AA" if symbol == SILENCE else SILENCE
    phones = phones_of((neighbour, 200), (symbol, 160), (neighbour, 200))
    weights = visemes_from_phones(phones, 560, 30.0)
    middle_frame = round(0.28 * 30)
    assert weights.dominant()[middle_frame] == VISEME_OF[symbol]
    if symbol not in OFFGLIDES:  # a diphthong's middle is in its glide
        assert weight_at(weights, VISEME_OF[symbol], 280) > 0.9


def test_hh_borrows_the_next_vowels_viseme() -> None:
    weights = visemes_from_phones(phones_of(("SIL", 200), ("HH", 100), ("UW", 200)), 500, 100.0)
    assert weight_at(weights, OculusViseme.OU, 250) > 0.9


def test_a_diphthong_glides_to_its_offglide() -> None:
    weights = visemes_from_phones(phones_of(("SIL", 200), ("AY", 300), ("SIL", 200)), 700, 100.0)
    assert weight_at(weights, OculusViseme.AA, 300) > 0.9
    assert weight_at(weights, OculusViseme.IH, 460) > 0.9


def test_visemes_lead_the_sound_by_at_most_about_40_ms() -> None:
    weights = visemes_from_phones(phones_of(("AA", 300), ("UW", 300), ("SIL", 300)), 900, 1000.0)
    assert weight_at(weights, OculusViseme.OU, 300) > 0.5  # shown by the sound's onset: never lagging
    assert weight_at(weights, OculusViseme.OU, 300 - 45) < 0.1  # not long before it
    assert weight_at(weights, OculusViseme.AA, 280) == pytest.approx(0.5, abs=0.01)  # centred 20 ms ahead


@pytest.mark.parametrize("fps", FPS_VALUES)
@pytest.mark.parametrize("length_ms", [30, 60])
def test_a_short_bilabial_shows_pp_at_full_weight(fps: float, length_ms: int) -> None:
    for bilabial in sorted(BILABIALS):
        phones = phones_of(("AA", 200), (bilabial, length_ms), ("AA", 200))
        weights = visemes_from_phones(phones, phones[-1].end_ms, fps)
        assert weight_at(weights, OculusViseme.PP, 200 + length_ms / 2) == pytest.approx(1.0, abs=1e-6)


def test_the_track_covers_the_clip_and_changes_at_every_event() -> None:
    phones = random_phones(13, 10_000, shortest_ms=10)
    track = viseme_track(phones, 10_000)
    assert track.start_ms == 0 and track.end_ms == 10_000
    assert all(a.end_ms == b.start_ms and a.value != b.value for a, b in itertools.pairwise(track))
    assert all(item.duration_ms > 0 for item in track)
    assert track.at(5000) == VISEME_OF[next(p.symbol for p in phones if p.start_ms <= 5020 < p.end_ms)]


def test_an_empty_clip_has_no_frames_and_silence_only() -> None:
    assert visemes_from_phones([], 0, 30.0).frame_count == 0
    track = viseme_track([], 1000)
    assert [(item.start_ms, item.end_ms, item.value) for item in track] == [(0, 1000, OculusViseme.SIL)]

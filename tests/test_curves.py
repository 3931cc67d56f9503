"""Mouth curves: value ranges, lip closures, articulation targets, frame timing, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mundwerk.core.curves import ARKIT_CURVES, MOUTH_PARAMETERS, MouthCurves, frame_count
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import PHONE_SYMBOLS, Phone
from mundwerk.mouth.curves import curves_from_phones
from mundwerk.mouth.curves.targets import BILABIALS, SYMBOLS

FPS_VALUES = (24.0, 29.97, 30.0, 60.0)


def phones_of(*spec: tuple[str, int]) -> list[Phone]:
    """Back-to-back phones from (symbol, duration_ms) pairs, starting at 0."""
    phones, cursor = [], 0
    for symbol, duration_ms in spec:
        phones.append(Phone(symbol, cursor, cursor + duration_ms))
        cursor += duration_ms
    return phones


def random_phones(seed: int, duration_ms: int, shortest_ms: int = 20, longest_ms: int = 160) -> list[Phone]:
    rng = np.random.default_rng(seed)
    symbols = sorted(PHONE_SYMBOLS)
    spec = []
    total = 0
    while total < duration_ms:
        length = int(rng.integers(shortest_ms, longest_ms))
        spec.append((symbols[int(rng.integers(len(symbols)))], length))
        total += length
    return phones_of(*spec)


def arkit(phones: list[Phone], fps: float = 60.0) -> MouthCurves:
    end_ms = phones[-1].end_ms if phones else 1000
    return curves_from_phones(phones, end_ms, fps).to_arkit()


def at(curves: MouthCurves, name: str, time_ms: float) -> float:
    """The value of the frame nearest ``time_ms``."""
    frame = min(round(time_ms / 1000 * curves.fps), curves.frame_count - 1)
    return float(curves.curve(name)[frame])


def test_target_table_covers_every_phone() -> None:
    assert set(SYMBOLS) == PHONE_SYMBOLS


@pytest.mark.parametrize("fps", FPS_VALUES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_values_stay_in_range_and_lips_never_close_past_the_jaw(fps: float, seed: int) -> None:
    curves = arkit(random_phones(seed, 20_000), fps)
    assert curves.names == ARKIT_CURVES
    assert curves.values.min() >= 0.0 and curves.values.max() <= 1.0
    assert np.all(curves.curve("mouthClose") <= curves.curve("jawOpen") + 1e-6)


def _assert_lips_meet(curves: MouthCurves, phone: Phone) -> None:
    middle_ms = (phone.start_ms + phone.end_ms) / 2
    jaw, close = at(curves, "jawOpen", middle_ms), at(curves, "mouthClose", middle_ms)
    assert jaw >= 0.02, (phone, jaw)
    assert close == pytest.approx(jaw, abs=1e-4), (phone, jaw, close)


@pytest.mark.parametrize("fps", FPS_VALUES)
@pytest.mark.parametrize("bilabial", sorted(BILABIALS))
@pytest.mark.parametrize("length_ms", [30, 50, 120])
@pytest.mark.parametrize("vowel", ["AA", "UW", "IY"])
def test_lips_meet_in_the_middle_of_every_bilabial(
    fps: float, bilabial: str, length_ms: int, vowel: str
) -> None:
    phones = phones_of(("SIL", 300), (vowel, 150), (bilabial, length_ms), (vowel, 150), ("SIL", 300))
    _assert_lips_meet(arkit(phones, fps), phones[2])


@pytest.mark.parametrize("fps", FPS_VALUES)
def test_lips_meet_at_every_bilabial_of_random_speech(fps: float) -> None:
    phones = random_phones(7, 30_000, shortest_ms=10, longest_ms=90)
    curves = arkit(phones, fps)
    closures = [phone for phone in phones if phone.symbol in BILABIALS]
    assert len(closures) > 20
    for phone in closures:
        _assert_lips_meet(curves, phone)


def test_jaw_opens_wide_in_aa_and_lips_part() -> None:
    curves = arkit(phones_of(("SIL", 300), ("AA", 200), ("SIL", 300)))
    assert at(curves, "jawOpen", 400) > 0.6
    assert at(curves, "mouthClose", 400) < 0.05


def test_lips_pucker_and_funnel_in_uw() -> None:
    curves = arkit(phones_of(("SIL", 300), ("UW", 200), ("SIL", 300)))
    assert at(curves, "mouthPucker", 400) > 0.8
    assert at(curves, "mouthFunnel", 400) > 0.3
    assert at(curves, "jawOpen", 400) < 0.2


@pytest.mark.parametrize("fricative", ["F", "V"])
def test_f_and_v_bring_the_lower_lip_to_the_upper_teeth(fricative: str) -> None:
    curves = arkit(phones_of(("AA", 200), (fricative, 150), ("AA", 200)))
    assert at(curves, "mouthRollLower", 275) > 0.4
    assert 0.1 <= at(curves, "mouthUpperUpLeft", 275) <= 0.3
    assert at(curves, "jawOpen", 275) < 0.15
    assert at(curves, "mouthClose", 275) < 0.2 * at(curves, "jawOpen", 275)


@pytest.mark.parametrize("alveolar", ["T", "D", "N", "L"])
def test_tongue_tip_rises_for_alveolars(alveolar: str) -> None:
    curves = arkit(phones_of(("AA", 200), (alveolar, 120), ("AA", 200)))
    assert at(curves, "tongueTipUp", 260) > 0.9
    assert at(curves, "tongueTipUp", 100) < 0.05


def test_silence_rests_and_no_phones_is_all_rest() -> None:
    curves = arkit(phones_of(("AA", 200), ("SIL", 1000), ("AA", 200)))
    assert curves.values[round(0.7 * 60)].max() <= 0.05
    empty = curves_from_phones([], 1000, 30.0).to_arkit()
    assert empty.frame_count == 30 and empty.values.max() <= 0.05


def test_mouth_moves_ahead_of_the_sound_but_at_most_about_40_ms() -> None:
    curves = arkit(phones_of(("SIL", 500), ("AA", 300), ("SIL", 500)), fps=1000.0)
    jaw = curves.curve("jawOpen")
    assert jaw[500] > 0.8 * 0.7  # open by the vowel's onset: never lagging
    assert jaw[500 - 60] < 0.1  # still at rest 60 ms before it
    assert jaw[800] < 0.3 * 0.7  # and closing by its end


def test_rounding_of_a_vowel_spreads_onto_a_weak_consonant_before_it() -> None:
    rounded = arkit(phones_of(("SIL", 300), ("S", 80), ("UW", 200), ("SIL", 300)))
    spread = arkit(phones_of(("SIL", 300), ("S", 80), ("IY", 200), ("SIL", 300)))
    assert at(rounded, "mouthPucker", 340) > 0.5
    assert at(spread, "mouthPucker", 340) < 0.05


def test_curves_are_smooth() -> None:
    curves = arkit(random_phones(5, 20_000, shortest_ms=40), fps=100.0)
    jumps = dict(zip(curves.names, np.abs(np.diff(curves.values, axis=0)).max(axis=0), strict=True))
    assert max(jumps.values()) < 0.4, jumps  # no steps: a full swing takes over 25 ms
    assert jumps["jawOpen"] < 0.2, jumps


@pytest.mark.parametrize(
    ("duration_ms", "fps", "frames"),
    [(1000, 29.97, 30), (1001, 29.97, 30), (1002, 29.97, 31), (1000, 24.0, 24), (1, 60.0, 1), (0, 30.0, 0)],
)
def test_frame_count_is_the_frames_inside_the_clip(duration_ms: int, fps: float, frames: int) -> None:
    assert frame_count(duration_ms, fps) == frames
    assert curves_from_phones([], duration_ms, fps).frame_count == frames


@pytest.mark.parametrize("fps", [23.976, 29.97, 59.94, 7.5, 1000.0])
def test_frame_count_bounds_hold_for_any_duration(fps: float) -> None:
    for duration_ms in range(1, 5000, 7):
        count = frame_count(duration_ms, fps)
        assert (count - 1) * 1000 / fps < duration_ms <= count * 1000 / fps


def test_frame_times_are_exactly_k_over_fps() -> None:
    curves = curves_from_phones(phones_of(("AA", 5000)), 5000, 29.97)
    times = curves.times_s()
    assert len(times) == curves.frame_count == 150
    assert all(times[k] == k / 29.97 for k in range(len(times)))


def test_arkit_mapping_is_symmetric_and_idempotent() -> None:
    curves = curves_from_phones(random_phones(3, 5000), 5000, 30.0)
    assert curves.names == MOUTH_PARAMETERS
    mapped = curves.to_arkit()
    assert mapped.to_arkit() is mapped
    for side in ("Stretch", "Press", "UpperUp", "LowerDown", "Smile"):
        assert np.array_equal(mapped.curve(f"mouth{side}Left"), mapped.curve(f"mouth{side}Right"))
    product = curves.curve("lip_close") * curves.curve("jaw_open")
    assert np.allclose(mapped.curve("mouthClose"), product)


def test_curves_are_read_only_and_names_checked() -> None:
    curves = curves_from_phones(phones_of(("AA", 500)), 500, 30.0)
    with pytest.raises(ValueError):
        curves.values[0, 0] = 1.0
    with pytest.raises(KeyError, match="tongueOut"):
        curves.curve("tongueOut")
    with pytest.raises(ValueError, match="frames"):
        MouthCurves(30.0, ("a", "b"), np.zeros((4, 3)))


def test_resampling_matches_computing_at_the_new_rate() -> None:
    phones = random_phones(4, 5000, shortest_ms=60)
    direct = curves_from_phones(phones, 5000, 30.0)
    resampled = curves_from_phones(phones, 5000, 120.0).resampled(30.0, 5000)
    assert resampled.frame_count == direct.frame_count == 150
    assert np.abs(resampled.values - direct.values).max() < 0.05


@pytest.mark.parametrize("fps", [0.0, -1.0, float("nan")])
def test_invalid_frame_rate_is_a_usage_error(fps: float) -> None:
    with pytest.raises(UsageError, match="frame rate"):
        curves_from_phones([], 1000, fps)


def test_ten_minutes_at_60_fps_take_under_half_a_second() -> None:
    phones = random_phones(11, 600_000, shortest_ms=30, longest_ms=130)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        curves = curves_from_phones(phones, 600_000, 60.0)
        best = min(best, time.perf_counter() - started)
    assert curves.frame_count == 36_000
    assert best < 0.5, f"{best:.3f} s"

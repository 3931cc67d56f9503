"""The benchmark's metrics on tiny hand-made truths and cues with known scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bench.metrics import (
    LAGS_MS,
    Cue,
    LagSums,
    Ratio,
    TruthClass,
    TruthPhone,
    frame_count,
    openness_sums,
    pooled,
    score,
    shape_frames,
    truth_class_frames,
    truth_openness,
)

# SIL, M, AA, P (closure), REL (burst), UW, F, IY, SIL: one phone per 100 ms or so.
TRUTH = (
    TruthPhone("SIL", 0, 200),
    TruthPhone("M", 200, 300),
    TruthPhone("AA", 300, 400),
    TruthPhone("P", 400, 450),
    TruthPhone("REL", 450, 470),
    TruthPhone("UW", 470, 600),
    TruthPhone("F", 600, 700),
    TruthPhone("IY", 700, 800),
    TruthPhone("SIL", 800, 1000),
)
DURATION_MS = 1000
PERFECT_SHAPE = {"SIL": "X", "M": "A", "AA": "D", "P": "A", "REL": "B", "UW": "F", "F": "G", "IY": "B"}


def perfect_cues(shift_ms: int = 0) -> list[Cue]:
    cues = [Cue(PERFECT_SHAPE[p.symbol], p.start_ms + shift_ms, p.end_ms + shift_ms) for p in TRUTH]
    return [c for c in cues if c.end_ms > 0]


def test_frames_take_the_value_at_their_centre() -> None:
    assert frame_count(1000) == 100
    assert frame_count(1001) == 101
    classes = truth_class_frames(TRUTH, 100)
    assert classes[19] == TruthClass.SILENCE
    assert classes[20] == TruthClass.CLOSED
    assert list(classes[40:47]) == [TruthClass.CLOSED] * 5 + [TruthClass.OTHER] * 2
    shapes = shape_frames([Cue("D", 6, 16)], 3)
    assert list(shapes) == [8, 3, 8]  # centres 5, 15, 25 ms: only 15 lies in [6, 16)


def test_perfect_cues_score_perfectly() -> None:
    scores = score(TRUTH, perfect_cues(), DURATION_MS)
    assert scores.closure == Ratio(2, 2)
    assert scores.false_closure == Ratio(0, 15)
    assert scores.rounded == Ratio(1, 1)
    assert scores.silence == Ratio(40, 40)
    assert scores.balanced_accuracy == 1.0
    r, lag_ms = scores.openness.peak()
    assert lag_ms == 0
    assert r > 0.9


def test_all_rest_finds_no_closure_and_no_roundedness() -> None:
    scores = score(TRUTH, [Cue("X", 0, DURATION_MS)], DURATION_MS)
    assert scores.closure == Ratio(0, 2)
    assert scores.rounded == Ratio(0, 1)
    assert scores.false_closure == Ratio(0, 0)
    assert math.isnan(scores.false_closure.value)
    assert scores.silence.value == 1.0
    # Only the silence class is right: one class of six.
    assert scores.balanced_accuracy == pytest.approx(1 / 6)


def test_late_cues_score_lower() -> None:
    perfect = score(TRUTH, perfect_cues(), DURATION_MS)
    late = score(TRUTH, perfect_cues(50), DURATION_MS)
    later = score(TRUTH, perfect_cues(100), DURATION_MS)
    assert late.balanced_accuracy < perfect.balanced_accuracy
    assert later.balanced_accuracy < late.balanced_accuracy
    assert late.openness.peak()[1] == 50
    assert later.openness.peak()[1] == 100


@pytest.mark.parametrize(("shift_ms", "hit"), [(0, 1), (20, 1), (-30, 1), (80, 0), (-90, 0)])
def test_closure_recall_allows_30_ms(shift_ms: int, hit: int) -> None:
    truth = (TruthPhone("SIL", 0, 300), TruthPhone("P", 300, 350), TruthPhone("REL", 350, 370))
    truth += (TruthPhone("AA", 370, 600), TruthPhone("SIL", 600, 800))
    cues = [
        Cue("D", 0, 300 + shift_ms),
        Cue("A", 300 + shift_ms, 350 + shift_ms),
        Cue("D", 350 + shift_ms, 800),
    ]
    assert score(truth, cues, 800).closure == Ratio(hit, 1)


def test_mouth_early_gives_a_negative_lag() -> None:
    early = score(TRUTH, perfect_cues(-40), DURATION_MS)
    assert early.openness.peak()[1] == -40


def test_false_closures_count_frames_far_from_closure_and_silence() -> None:
    cues = [*perfect_cues()]
    cues[7] = Cue("A", 700, 800)  # IY drawn closed: frames 70-79, the next silence starts at frame 80
    scores = score(TRUTH, cues, DURATION_MS)
    # Frames 70-73 lie 70-100 ms from frame 80; frames 74-79 lie within 60 ms.
    assert scores.false_closure == Ratio(4, 25)


def test_long_pauses_only_count_for_silence_accuracy() -> None:
    truth = (TruthPhone("AA", 0, 300), TruthPhone("SIL", 300, 400), TruthPhone("AA", 400, 700))
    scores = score(truth, [Cue("D", 0, 700)], 700)
    assert scores.silence == Ratio(0, 0)  # a 100 ms pause is not a long pause
    truth = (TruthPhone("AA", 0, 300), TruthPhone("SIL", 300, 500), TruthPhone("AA", 500, 800))
    scores = score(truth, [Cue("D", 0, 330), Cue("X", 330, 500), Cue("D", 500, 800)], 800)
    # Frames 30-49 are the pause; X from frame 33 on, ±2 frames of tolerance covers frame 31 and 32.
    assert scores.silence == Ratio(19, 20)


def test_truth_openness_is_smoothed_over_30_ms() -> None:
    truth = (TruthPhone("P", 0, 50), TruthPhone("AA", 50, 100))
    openness = truth_openness(truth, 10)
    assert np.allclose(openness, [0, 0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1, 1])


def test_lag_sums_pool_by_addition() -> None:
    rng = np.random.default_rng(1)
    x = rng.random(200)
    speech = np.ones(200, bool)
    a = openness_sums(x[:100], x[:100], speech[:100])
    b = openness_sums(x[100:], x[100:], speech[100:])
    whole = a + b
    assert whole.peak() == (pytest.approx(1.0), 0)
    assert whole.sums[LAGS_MS.index(0), 0] == 200
    assert math.isnan(LagSums().peak()[0])


def test_pooling_adds_counts() -> None:
    one = score(TRUTH, perfect_cues(), DURATION_MS)
    rest = score(TRUTH, [Cue("X", 0, DURATION_MS)], DURATION_MS)
    total = pooled([one, rest])
    assert total.closure == Ratio(2, 4)
    assert total.rounded == Ratio(1, 2)


def _vowel(duration_ms: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(duration_ms * 16) / 16_000
    return 0.3 * np.sin(2 * np.pi * 700 * t) + 0.01 * rng.standard_normal(len(t))


def test_closure_correction_finds_the_silent_gap_before_the_burst() -> None:
    from bench.truth import correct

    rng = np.random.default_rng(0)
    burst = 0.3 * rng.standard_normal(15 * 16)
    samples = np.concatenate([_vowel(300, rng), np.zeros(60 * 16), burst, _vowel(285, rng)])
    # espeak-style labels: the vowel runs into the closure, P starts at the burst (360 ms).
    labels = (TruthPhone("AA", 0, 360), TruthPhone("P", 360, 380), TruthPhone("AA", 380, 660))
    result = correct(samples, 16_000, labels, lag_ms=0)
    closure = next(p for p in result.phones if p.symbol == "P")
    assert abs(closure.start_ms - 300) <= 5 and abs(closure.end_ms - 360) <= 5
    assert [p.symbol for p in result.phones] == ["AA", "P", "REL", "AA"]
    assert all(a.end_ms == b.start_ms for a, b in zip(result.phones, result.phones[1:], strict=False))
    assert result.closures_found == 1 and result.closure_db[0] < -40


def test_label_lag_is_measured_against_the_sound() -> None:
    from bench.truth import label_lag_ms

    rng = np.random.default_rng(0)
    samples = np.concatenate([np.zeros(200 * 16), _vowel(300, rng), np.zeros(300 * 16), _vowel(300, rng)])
    late = (
        TruthPhone("SIL", 0, 230),
        TruthPhone("AA", 230, 530),
        TruthPhone("SIL", 530, 830),
        TruthPhone("AA", 830, 1100),
    )
    assert abs(label_lag_ms(samples, 16_000, late) - 30) <= 3

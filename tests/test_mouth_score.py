"""Mouth animation scored like the benchmark, with the phones themselves as the truth.

Given exact phones, the animation should get nearly every frame class right: this pins
the phone table, the closures, the pauses and the lead against the benchmark's metrics.
"""

from __future__ import annotations

import random

import pytest
from bench.metrics import Cue, Scores, TruthClass, TruthPhone, score

from mundwerk.core.phones import VOWELS, Alignment, Phone
from mundwerk.mouth.animate import MouthOptions, animate

# A few of the benchmark's sentences in ARPAbet; "|" is a pause between phrases.
SENTENCES = (
    "B AA B | P UH T DH AH M AE P B AY DH AH P AH M P | DH EH N HH IY M UW V D DH AH B OW T",
    "M AY M AH DH ER B AO T AH B L UW AH M B R EH L AH | B AH T IH T B R OW K IH N DH AH S T AO R M",
    "F AY V B R EY V W UH L V Z R OW V D OW V ER DH AH M UH R | L UH K IH NG F AO R F UW D",
    "P L IY Z P AE S DH AH P EH P ER | AH N D M EY B IY S AH M M AO R B R EH D",
    "HH UW N UW DH AH M UW N K UH D M UW V S OW S M UW DH L IY OW V ER DH AH P UW L",
    "V IH V AH D F OW T OW Z AH V DH AH M Y UW Z IY AH M W ER P OW S T AH D AA N DH AH F AO R AH M",
)


def synthetic_truth(seed: int, fast: bool = False) -> list[TruthPhone]:
    """The sentences with varied, plausible phone durations and pauses between them."""
    rng = random.Random(seed)
    scale = 0.6 if fast else 1.0
    phones, cursor = [TruthPhone("SIL", 0, 300)], 300
    for sentence in SENTENCES:
        for symbol in sentence.split():
            if symbol == "|":
                length, symbol = rng.choice((60, 120, 250)), "SIL"
            else:
                base = (70, 160) if symbol in VOWELS else (40, 100)
                length = round(rng.randint(*base) * scale)
            phones.append(TruthPhone(symbol, cursor, cursor + length))
            cursor += length
        phones.append(TruthPhone("SIL", cursor, cursor + 400))
        cursor += 400
    return phones


def scored(truth: list[TruthPhone], options: MouthOptions) -> Scores:
    phones = tuple(Phone(p.symbol, p.start_ms, p.end_ms) for p in truth)
    duration_ms = truth[-1].end_ms
    cues = animate(Alignment(phones=phones, duration_ms=duration_ms), duration_ms, options)
    return score(truth, [Cue(c.value.value, c.start_ms, c.end_ms) for c in cues], duration_ms)


@pytest.mark.parametrize("fast", [False, True], ids=["normal", "fast"])
def test_exact_phones_score_nearly_perfectly(fast: bool) -> None:
    scores = scored(synthetic_truth(seed=7, fast=fast), MouthOptions())
    assert scores.closure.value == 1.0
    assert scores.rounded.value == 1.0
    assert scores.silence.value == 1.0
    assert scores.false_closure.hits == 0
    assert scores.balanced_accuracy >= 0.97
    r, lag_ms = scores.openness.peak()
    assert r >= 0.8
    assert lag_ms == -MouthOptions().anticipation_ms


def test_every_class_is_shown_when_extended_shapes_are_allowed() -> None:
    scores = scored(synthetic_truth(seed=3), MouthOptions())
    for klass, ratio in zip(TruthClass, scores.per_class, strict=True):
        assert ratio.value >= 0.95, (klass, ratio)


@pytest.mark.parametrize("lead_ms", [0, 20, 40])
def test_the_mouth_leads_the_sound_by_the_anticipation(lead_ms: int) -> None:
    scores = scored(synthetic_truth(seed=5), MouthOptions(anticipation_ms=lead_ms))
    assert scores.openness.peak()[1] == -lead_ms
    assert scores.closure.value == 1.0


def test_fast_speech_at_24_fps_keeps_its_closures() -> None:
    scores = scored(synthetic_truth(seed=1, fast=True), MouthOptions(fps=24.0))
    assert scores.closure.value == 1.0
    assert scores.false_closure.value < 0.02
    assert scores.balanced_accuracy >= 0.9


def test_without_extended_shapes_only_labiodentals_are_lost() -> None:
    scores = scored(synthetic_truth(seed=3), MouthOptions(extended_shapes=frozenset()))
    for klass, ratio in zip(TruthClass, scores.per_class, strict=True):
        assert (ratio.value < 0.05) if klass is TruthClass.LABIODENTAL else (ratio.value >= 0.95), (
            klass,
            ratio,
        )
    assert scores.closure.value == 1.0
    assert scores.false_closure.hits == 0

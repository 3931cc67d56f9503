"""The phonetic tables and the track type the animation steps share."""

from __future__ import annotations

import pytest

from mundwerk.core.phones import PHONE_SYMBOLS, Phone
from mundwerk.core.shapes import BASIC_SHAPES, EXTENDED_SHAPES, MouthShape
from mundwerk.mouth.rules import FALLBACKS, PHONE_RULES, RELAXED, SALIENCE, TWEENS, phone_keys
from mundwerk.mouth.track import Track, overlay

A, B, C, D, E, F, G, H, X = (MouthShape(letter) for letter in "ABCDEFGHX")


def test_every_phone_has_a_rule() -> None:
    assert set(PHONE_RULES) == PHONE_SYMBOLS


@pytest.mark.parametrize(
    ("symbols", "accepted"),
    [
        ("P B M", {A}),
        ("F V", {G}),
        ("UW OW W UH AO OY", {E, F}),
        ("AA AE AH EH AY AW", {C, D}),
        ("SIL", {X}),
        ("T D K G S Z SH ZH CH JH TH DH N NG HH R Y L IY IH EY ER", {B, H, C}),
    ],
)
def test_each_phone_class_starts_with_its_shape(symbols: str, accepted: set[MouthShape]) -> None:
    for symbol in symbols.split():
        assert phone_keys(Phone(symbol, 0, 100))[0][1] in accepted, symbol


def test_fallbacks_replace_each_extended_shape_by_a_basic_one() -> None:
    assert set(FALLBACKS) == EXTENDED_SHAPES
    assert set(FALLBACKS.values()) <= BASIC_SHAPES
    assert FALLBACKS[G] is not A  # a lip on the teeth must not look like a closure


def test_every_shape_relaxes_and_has_a_salience() -> None:
    assert set(RELAXED) == set(MouthShape) == set(SALIENCE)
    assert max(SALIENCE, key=SALIENCE.__getitem__) is A


def test_tweens_never_involve_a_closure_as_the_first_shape() -> None:
    assert all(first is not A and tween is not A for (first, _), (tween, _) in TWEENS.items())


def test_a_diphthong_changes_shape_inside_the_phone() -> None:
    assert phone_keys(Phone("OW", 100, 200)) == ((100, E), (160, F))
    assert phone_keys(Phone("AY", 100, 300))[0] == (100, D)
    assert phone_keys(Phone("AY", 100, 180))[0] == (100, C)


def cues(track: Track) -> list[tuple[int, int, str]]:
    return [(start, end, shape.value) for start, end, shape in track.cues()]


def test_build_clamps_drops_empty_spans_and_joins_equal_neighbours() -> None:
    track = Track.build([5, 10, 10, 30, 20, 50, 70], [B, C, D, D, E, F, A], 60)
    # 5 -> 0 (the first key starts the track); the second 10 wins; 30 > 20 is clamped to 20;
    # the D at 10 and the D at 20 join; 70 lies past the end.
    assert cues(track) == [(0, 10, "B"), (10, 20, "D"), (20, 50, "E"), (50, 60, "F")]


def test_build_of_an_empty_span_keeps_one_cue() -> None:
    assert cues(Track.build([0], [X], 0)) == [(0, 0, "X")]
    with pytest.raises(ValueError, match="at least one shape"):
        Track.build([], [], 10)


@pytest.mark.parametrize(
    ("patches", "expected"),
    [
        ([], [(0, 50, "B"), (50, 100, "C")]),
        ([(40, 60, A)], [(0, 40, "B"), (40, 60, "A"), (60, 100, "C")]),
        ([(0, 50, A)], [(0, 50, "A"), (50, 100, "C")]),
        (
            [(10, 20, A), (30, 70, D)],
            [(0, 10, "B"), (10, 20, "A"), (20, 30, "B"), (30, 70, "D"), (70, 100, "C")],
        ),
        ([(90, 130, A)], [(0, 50, "B"), (50, 90, "C"), (90, 100, "A")]),
        ([(20, 30, B)], [(0, 50, "B"), (50, 100, "C")]),
    ],
)
def test_overlay_sets_shapes_over_spans(
    patches: list[tuple[int, int, MouthShape]], expected: list[tuple[int, int, str]]
) -> None:
    assert cues(overlay(Track.build([0, 50], [B, C], 100), patches)) == expected

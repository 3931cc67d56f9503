"""Mouth animation: invariants on every output, over synthetic phone sequences and options."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest

from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Alignment, Phone, Stress
from mundwerk.core.shapes import BASIC_SHAPES, EXTENDED_SHAPES, MouthShape
from mundwerk.core.timeline import Timeline
from mundwerk.mouth.animate import MouthOptions, animate
from mundwerk.mouth.rules import BILABIALS, MIN_CLOSURE_MS, phone_keys

A, B, C, D, E, F, G, H, X = (MouthShape(letter) for letter in "ABCDEFGHX")


def phones_of(spec: str, default_ms: int = 80, start_ms: int = 0) -> tuple[Phone, ...]:
    """Phones from ``"SIL:300 B AA:150 B SIL:300"`` (a symbol, optionally ``:duration``)."""
    phones, cursor = [], start_ms
    for item in spec.split():
        symbol, _, duration = item.partition(":")
        length = int(duration) if duration else default_ms
        phones.append(
            Phone(symbol, cursor, cursor + length, Stress.PRIMARY if symbol[-1] in "AEIOU" else None)
        )
        cursor += length
    return tuple(phones)


def alignment_of(spec: str, default_ms: int = 80) -> Alignment:
    phones = phones_of(spec, default_ms)
    return Alignment(phones=phones, duration_ms=phones[-1].end_ms)


SEQUENCES = {
    "bob": alignment_of("SIL:300 B:60 AA:150 B:70 SIL:300"),
    "fifty": alignment_of("SIL:200 F:90 IH:60 F:70 T:50 IY:120 SIL:250"),
    "moo": alignment_of("SIL:200 M:90 UW:250 SIL:200"),
    "all": alignment_of("SIL:200 AO:160 L:140 SIL:200"),
    "maybe people move": alignment_of(
        "SIL:150 M EY B IY SIL:40 P IY P AH L SIL:130 M UW V SIL:400", default_ms=70
    ),
    "fast speech": alignment_of("SIL:200 B AH M P F IY P UW M AA W B OW V L IY M P SIL:300", default_ms=30),
    "very short closures": alignment_of("SIL:100 AA:100 P:20 AA:100 B:5 IY:90 M:2 AA:90 SIL:200"),
    "pauses": alignment_of("SIL:50 HH:60 AH:80 L OW:200 SIL:100 W ER:150 L D SIL:160 AY:250 SIL:90"),
    "diphthongs": alignment_of("SIL:200 AY:250 AW:250 OY:250 EY:120 OW:200 AY:90 AW:90 SIL:200"),
    "closure at the start": alignment_of("M:20 AA:200 P:10"),
}

OPTIONS = {
    "default": MouthOptions(),
    "basic only": MouthOptions(extended_shapes=frozenset()),
    "24 fps": MouthOptions(fps=24.0),
    "no fps": MouthOptions(fps=None),
    "no lead, no tweens": MouthOptions(anticipation_ms=0, tweens=False),
    "lead 40": MouthOptions(anticipation_ms=40),
    "only X": MouthOptions(extended_shapes=frozenset({X})),
}

CASES = [pytest.param(name, option, id=f"{name}/{option}") for name in SEQUENCES for option in OPTIONS]


def run(name: str, option: str) -> tuple[Alignment, MouthOptions, Timeline[MouthShape]]:
    alignment, options = SEQUENCES[name], OPTIONS[option]
    return alignment, options, animate(alignment, alignment.duration_ms, options)


def letters(cues: Timeline[MouthShape]) -> str:
    return "".join(cue.value.value for cue in cues)


@pytest.mark.parametrize(("name", "option"), CASES)
def test_cues_cover_the_audio_without_gaps(name: str, option: str) -> None:
    alignment, _, cues = run(name, option)
    assert cues[0].start_ms == 0
    assert cues[-1].end_ms == alignment.duration_ms
    for before, after in pairwise(cues):
        assert before.end_ms == after.start_ms
        assert before.value != after.value


@pytest.mark.parametrize(("name", "option"), CASES)
def test_only_basic_and_allowed_shapes(name: str, option: str) -> None:
    _, options, cues = run(name, option)
    assert {cue.value for cue in cues} <= BASIC_SHAPES | options.extended_shapes


@pytest.mark.parametrize(("name", "option"), CASES)
def test_no_shape_but_a_closure_is_shorter_than_a_frame(name: str, option: str) -> None:
    _, options, cues = run(name, option)
    short = [cue for cue in cues if cue.duration_ms < options.frame_ms and cue.value is not A]
    assert short == []


@pytest.mark.parametrize(("name", "option"), CASES)
def test_every_bilabial_closes_the_lips_for_a_24_fps_frame(name: str, option: str) -> None:
    alignment, _, cues = run(name, option)
    closures = [cue for cue in cues if cue.value is A and cue.duration_ms >= MIN_CLOSURE_MS]
    for phone in alignment.phones:
        if phone.symbol in BILABIALS:
            end_ms = max(phone.end_ms, phone.start_ms + 1)
            assert any(c.start_ms < end_ms and c.end_ms > phone.start_ms for c in closures), phone


@pytest.mark.parametrize("name", SEQUENCES)
@pytest.mark.parametrize("lead_ms", [0, 20, 30, 40])
def test_shapes_change_at_most_40_ms_before_a_phone_and_never_after(name: str, lead_ms: int) -> None:
    alignment = SEQUENCES[name]
    cues = animate(alignment, alignment.duration_ms, MouthOptions(anticipation_ms=lead_ms, tweens=False))
    boundaries = {start for phone in alignment.phones for start, _ in phone_keys(phone)}
    boundaries |= {phone.end_ms for phone in alignment.phones}
    for cue in cues[1:]:
        at_the_start = cue.start_ms == MIN_CLOSURE_MS  # a closure at the very start may end late
        assert at_the_start or any(b - 40 <= cue.start_ms <= b for b in boundaries), cue


@pytest.mark.parametrize("name", SEQUENCES)
def test_each_long_phone_shows_its_shape_when_it_starts(name: str) -> None:
    alignment = SEQUENCES[name]
    cues = animate(alignment, alignment.duration_ms, MouthOptions(tweens=False))
    for phone in alignment.phones:
        if phone.duration_ms >= 60 and not phone.is_silence and phone.start_ms >= MIN_CLOSURE_MS:
            assert cues.at(phone.start_ms) is phone_keys(phone)[0][1], phone


@pytest.mark.parametrize(("name", "option"), CASES)
def test_pauses_over_150_ms_show_rest(name: str, option: str) -> None:
    alignment, options, cues = run(name, option)
    rest = X if X in options.extended_shapes else A
    for phone in alignment.phones:
        if phone.is_silence and phone.duration_ms > 150:
            assert cues.at((phone.start_ms + phone.end_ms) // 2) is rest, phone


@pytest.mark.parametrize("name", SEQUENCES)
def test_without_extended_shapes_none_appear(name: str) -> None:
    alignment = SEQUENCES[name]
    cues = animate(alignment, alignment.duration_ms, MouthOptions(extended_shapes=frozenset()))
    assert not {cue.value for cue in cues} & EXTENDED_SHAPES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bob", "XADCAX"),
        ("fifty", "XGBGBX"),
        ("moo", "XAFX"),
        ("all", "XEHX"),
        ("diphthongs", "XDCDEBCBEFCEX"),
    ],
)
def test_known_words(name: str, expected: str) -> None:
    alignment = SEQUENCES[name]
    assert letters(animate(alignment, alignment.duration_ms, MouthOptions())) == expected


@pytest.mark.parametrize(
    ("extended", "expected"), [("", "ABA"), ("G", "AGBGBA"), ("X", "XBX"), ("GHX", "XGBGBX")]
)
def test_fallbacks_for_missing_extended_shapes(extended: str, expected: str) -> None:
    alignment = SEQUENCES["fifty"]
    options = MouthOptions(extended_shapes=frozenset(MouthShape(letter) for letter in extended))
    assert letters(animate(alignment, alignment.duration_ms, options)) == expected


def test_long_l_falls_back_to_open_without_h() -> None:
    alignment = SEQUENCES["all"]
    assert (
        letters(animate(alignment, alignment.duration_ms, MouthOptions(extended_shapes=frozenset())))
        == "AECA"
    )


@pytest.mark.parametrize(("duration_ms", "shape"), [(80, C), (120, C), (250, D)])
def test_long_ah_opens_wide(duration_ms: int, shape: MouthShape) -> None:
    alignment = alignment_of(f"SIL:200 T:60 AH:{duration_ms} T:60 SIL:200")
    cues = animate(alignment, alignment.duration_ms, MouthOptions())
    assert cues.at(alignment.phones[2].start_ms + 10) is shape


@pytest.mark.parametrize(("pause_ms", "shape"), [(40, C), (90, B), (130, X), (400, X)])
def test_short_pauses_keep_a_speaking_shape(pause_ms: int, shape: MouthShape) -> None:
    alignment = alignment_of(f"SIL:200 T:60 EH:120 SIL:{pause_ms} T:60 EH:120 SIL:200")
    cues = animate(alignment, alignment.duration_ms, MouthOptions())
    assert cues.at(alignment.phones[3].start_ms + 5) is shape


@pytest.mark.parametrize(
    ("alignment", "duration_ms"),
    [
        (Alignment(), 0),
        (Alignment(), 1500),
        (alignment_of("SIL:700"), 700),
        (alignment_of("SIL:300 SIL:400"), 700),
    ],
)
@pytest.mark.parametrize(("extended", "rest"), [(EXTENDED_SHAPES, X), (frozenset(), A)])
def test_silence_gives_one_rest_cue(
    alignment: Alignment, duration_ms: int, extended: frozenset[MouthShape], rest: MouthShape
) -> None:
    cues = animate(alignment, duration_ms, MouthOptions(extended_shapes=extended))
    assert [(c.start_ms, c.end_ms, c.value) for c in cues] == [(0, duration_ms, rest)]


def test_phones_past_the_end_are_cut_and_missing_time_rests() -> None:
    phones = phones_of("AA:200 M:100 AA:300", start_ms=100)
    cues = animate(Alignment(phones=phones), 400, MouthOptions())
    assert cues[0].value is X and cues[0].start_ms == 0
    assert cues[-1].end_ms == 400
    assert letters(cues) == "XDCA"


def test_a_zero_length_closure_still_shows_and_never_lags() -> None:
    alignment = alignment_of("SIL:200 AA:100 M:0 AA:100 SIL:200")
    cues = animate(alignment, alignment.duration_ms, MouthOptions())
    assert [(c.start_ms, c.end_ms) for c in cues if c.value is A] == [(300 - MIN_CLOSURE_MS, 300)]


def test_same_input_same_output() -> None:
    alignment = SEQUENCES["maybe people move"]
    first = animate(alignment, alignment.duration_ms, MouthOptions())
    assert first == animate(alignment, alignment.duration_ms, MouthOptions())


def test_thousands_of_phones_animate_in_milliseconds() -> None:
    words = "SIL:200 " + " ".join(["M AY:120 F AO:90 L T S SIL:60 W AH N P UW B OW SIL:300"] * 200)
    alignment = alignment_of(words, default_ms=70)
    assert len(alignment.phones) > 3000
    options = MouthOptions()
    best = min(_timed(lambda: animate(alignment, alignment.duration_ms, options)) for _ in range(5))
    assert best < 0.1  # typically well under 10 ms; generous for a loaded CI machine


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "options",
    [
        {"extended_shapes": frozenset({A})},
        {"fps": 0.0},
        {"fps": float("nan")},
        {"anticipation_ms": 41},
        {"anticipation_ms": -1},
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        MouthOptions(**options)  # type: ignore[arg-type]

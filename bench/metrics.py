"""Scoring mouth cues against exact phone timing, frame by frame at 100 Hz.

Frames: frame ``i`` covers ``[10 i, 10 i + 10)`` ms and takes the truth phone and the cue
that hold at its centre ``10 i + 5`` ms. Frames no cue covers show ``X`` (rest).

Truth classes (one per frame): CLOSED (P and B only while the lips are shut, i.e. their
corrected closure interval; M over its whole murmur), LABIODENTAL (F V), ROUNDED (UW OW W
UH AO OY), OPEN (AA AE AH EH AY AW), OTHER (every other speech phone, including the
release part ``REL`` of a P or B after its closure), SILENCE (``SIL``).

Accepted shapes per class: CLOSED A; LABIODENTAL G; ROUNDED E F; OPEN C D; OTHER B H C;
SILENCE X A.

Metrics, each kept as counts so that utterances pool by adding them:

- closure recall: share of P/B/M events (their CLOSED interval) for which some frame
  overlapping the interval widened by 30 ms on each side shows A.
- false closures: share of frames showing A whose distance (centre to centre) to the
  nearest CLOSED or SILENCE truth frame exceeds 60 ms.
- rounded recall: share of ROUNDED phone events for which some frame overlapping the phone
  widened by 30 ms on each side shows E or F.
- silence accuracy: share of frames inside pauses (SIL runs) longer than 150 ms for which
  some frame within ±20 ms (±2 frames) shows X or A.
- balanced accuracy: for each of the six classes, the share of its frames for which some
  frame within ±20 ms shows an accepted shape; the mean over the classes present.
- openness correlation: the truth openness per frame (table ``TRUTH_OPENNESS``, pauses .05,
  smoothed by a centred 30 ms (3-frame) moving average) against the shapes' openness
  (``SHAPE_OPENNESS``), Pearson r over frames whose truth is speech, at every lag from
  -200 to +200 ms: r(L) pairs truth frame t with shape frame t + L. The reported lag is
  where r peaks; negative means the mouth moves before the sound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FRAME_MS = 10
CLOSURE_TOLERANCE_MS = 30
FALSE_CLOSURE_DISTANCE_MS = 60
ROUNDED_TOLERANCE_MS = 30
LONG_PAUSE_MS = 150
FRAME_TOLERANCE_MS = 20
SMOOTHING_MS = 30
MAX_LAG_MS = 200

SHAPES = "ABCDEFGHX"
REST = SHAPES.index("X")
SILENCE_SYMBOL = "SIL"
RELEASE_SYMBOL = "REL"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class TruthClass(IntEnum):
    CLOSED = 0
    LABIODENTAL = 1
    ROUNDED = 2
    OPEN = 3
    OTHER = 4
    SILENCE = 5


_CLASS_OF = {
    **dict.fromkeys(("P", "B", "M"), TruthClass.CLOSED),
    **dict.fromkeys(("F", "V"), TruthClass.LABIODENTAL),
    **dict.fromkeys(("UW", "OW", "W", "UH", "AO", "OY"), TruthClass.ROUNDED),
    **dict.fromkeys(("AA", "AE", "AH", "EH", "AY", "AW"), TruthClass.OPEN),
    SILENCE_SYMBOL: TruthClass.SILENCE,
}

ACCEPTED: dict[TruthClass, str] = {
    TruthClass.CLOSED: "A",
    TruthClass.LABIODENTAL: "G",
    TruthClass.ROUNDED: "EF",
    TruthClass.OPEN: "CD",
    TruthClass.OTHER: "BHC",
    TruthClass.SILENCE: "XA",
}

TRUTH_OPENNESS = {
    **dict.fromkeys(("P", "B", "M"), 0.0),
    **dict.fromkeys(("F", "V"), 0.15),
    SILENCE_SYMBOL: 0.05,
    **dict.fromkeys(("AA", "AE", "AY", "AW"), 1.0),
    **dict.fromkeys(("AH", "EH"), 0.6),
    "AO": 0.5,
    **dict.fromkeys(("OW", "OY"), 0.45),
    **dict.fromkeys(("UW", "UH", "W", "ER", "R", "IH"), 0.3),
    **dict.fromkeys(("EY", "L", "HH"), 0.4),
}
OTHER_OPENNESS = 0.25

SHAPE_OPENNESS = {
    "A": 0.0,
    "B": 0.25,
    "C": 0.6,
    "D": 1.0,
    "E": 0.45,
    "F": 0.3,
    "G": 0.15,
    "H": 0.4,
    "X": 0.05,
}


@dataclass(frozen=True, slots=True)
class TruthPhone:
    """One truth interval: an ARPAbet symbol, ``SIL``, or ``REL`` (a stop's release)."""

    symbol: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Cue:
    """One mouth cue: a Rhubarb shape letter over ``[start_ms, end_ms)``."""

    shape: str
    start_ms: int
    end_ms: int


def truth_class(symbol: str) -> TruthClass:
    return _CLASS_OF.get(symbol, TruthClass.OTHER)


def frame_count(duration_ms: int) -> int:
    return max(0, -(-duration_ms // FRAME_MS))


def _fill_frames(items: Iterable[tuple[int, int, int]], count: int, default: int) -> IntArray:
    """Per frame, the value of the item holding at the frame's centre."""
    frames = np.full(count, default, dtype=np.int64)
    centres = np.arange(count) * FRAME_MS + FRAME_MS // 2
    for start_ms, end_ms, value in items:
        frames[(centres >= start_ms) & (centres < end_ms)] = value
    return frames


def truth_symbol_frames(phones: Sequence[TruthPhone], count: int) -> list[str]:
    """Per frame, the truth symbol at its centre (``SIL`` where no phone holds)."""
    symbols = sorted({phone.symbol for phone in phones} | {SILENCE_SYMBOL})
    index = _fill_frames(
        ((p.start_ms, p.end_ms, symbols.index(p.symbol)) for p in phones),
        count,
        symbols.index(SILENCE_SYMBOL),
    )
    return [symbols[i] for i in index]


def truth_class_frames(phones: Sequence[TruthPhone], count: int) -> IntArray:
    """Per frame, the truth class (a ``TruthClass`` value)."""
    return _fill_frames(
        ((p.start_ms, p.end_ms, truth_class(p.symbol)) for p in phones), count, TruthClass.SILENCE
    )


def shape_frames(cues: Sequence[Cue], count: int) -> IntArray:
    """Per frame, the index into ``SHAPES`` of the cue at its centre (``X`` where none)."""
    return _fill_frames(((c.start_ms, c.end_ms, SHAPES.index(c.shape)) for c in cues), count, REST)


@dataclass(frozen=True, slots=True)
class Ratio:
    """A share kept as counts so that it pools by addition."""

    hits: int = 0
    total: int = 0

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.hits + other.hits, self.total + other.total)

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else float("nan")


def _mask(shapes: IntArray, letters: str) -> npt.NDArray[np.bool_]:
    return np.isin(shapes, [SHAPES.index(letter) for letter in letters])


def _dilate(mask: npt.NDArray[np.bool_], radius: int) -> npt.NDArray[np.bool_]:
    """True where a True lies within ``radius`` frames."""
    if radius <= 0 or not mask.any():
        return mask.copy()
    padded = np.concatenate([np.zeros(radius, bool), mask, np.zeros(radius, bool)])
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    return window.any(axis=1)


def _event_recall(events: Sequence[TruthPhone], hit: npt.NDArray[np.bool_], tolerance_ms: int) -> Ratio:
    """Events with a hit frame overlapping ``[start - tol, end + tol)``."""
    hits = 0
    for event in events:
        first = max(0, (event.start_ms - tolerance_ms) // FRAME_MS)
        last = min(len(hit), -(-(event.end_ms + tolerance_ms) // FRAME_MS))
        hits += bool(hit[first:last].any())
    return Ratio(hits, len(events))


def closure_recall(phones: Sequence[TruthPhone], shapes: IntArray) -> Ratio:
    events = [p for p in phones if truth_class(p.symbol) == TruthClass.CLOSED]
    return _event_recall(events, _mask(shapes, "A"), CLOSURE_TOLERANCE_MS)


def rounded_recall(phones: Sequence[TruthPhone], shapes: IntArray) -> Ratio:
    events = [p for p in phones if truth_class(p.symbol) == TruthClass.ROUNDED]
    return _event_recall(events, _mask(shapes, "EF"), ROUNDED_TOLERANCE_MS)


def false_closures(classes: IntArray, shapes: IntArray) -> Ratio:
    closed_or_silent = np.isin(classes, [TruthClass.CLOSED, TruthClass.SILENCE])
    near = _dilate(closed_or_silent, FALSE_CLOSURE_DISTANCE_MS // FRAME_MS)
    shown = _mask(shapes, "A")
    return Ratio(int((shown & ~near).sum()), int(shown.sum()))


def _long_pause_frames(phones: Sequence[TruthPhone], count: int) -> npt.NDArray[np.bool_]:
    """Frames inside runs of silence longer than LONG_PAUSE_MS (adjacent SILs joined)."""
    classes = truth_class_frames(phones, count)
    silent = classes == TruthClass.SILENCE
    result = np.zeros(count, bool)
    start = None
    for i, value in enumerate([*silent, False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            if (i - start) * FRAME_MS > LONG_PAUSE_MS:
                result[start:i] = True
            start = None
    return result


def silence_accuracy(phones: Sequence[TruthPhone], shapes: IntArray) -> Ratio:
    pause = _long_pause_frames(phones, len(shapes))
    good = _dilate(_mask(shapes, "XA"), FRAME_TOLERANCE_MS // FRAME_MS)
    return Ratio(int((pause & good).sum()), int(pause.sum()))


def class_accuracy(classes: IntArray, shapes: IntArray) -> tuple[Ratio, ...]:
    """Per truth class (in ``TruthClass`` order), frames showing an accepted shape within ±20 ms."""
    radius = FRAME_TOLERANCE_MS // FRAME_MS
    result = []
    for klass in TruthClass:
        members = classes == klass
        good = _dilate(_mask(shapes, ACCEPTED[klass]), radius)
        result.append(Ratio(int((members & good).sum()), int(members.sum())))
    return tuple(result)


def balanced_accuracy(per_class: Sequence[Ratio]) -> float:
    values = [ratio.value for ratio in per_class if ratio.total]
    return float(np.mean(values)) if values else float("nan")


def truth_openness(phones: Sequence[TruthPhone], count: int) -> FloatArray:
    """Per frame openness of the truth, smoothed by a centred 30 ms moving average."""
    raw = np.array(
        [TRUTH_OPENNESS.get(symbol, OTHER_OPENNESS) for symbol in truth_symbol_frames(phones, count)],
        dtype=np.float64,
    )
    width = SMOOTHING_MS // FRAME_MS
    if count < width:
        return raw
    padded = np.pad(raw, width // 2, mode="edge")
    return np.convolve(padded, np.full(width, 1 / width), mode="valid")


def shape_openness(shapes: IntArray) -> FloatArray:
    table = np.array([SHAPE_OPENNESS[letter] for letter in SHAPES])
    return table[shapes]


LAGS_MS = tuple(range(-MAX_LAG_MS, MAX_LAG_MS + 1, FRAME_MS))


@dataclass(frozen=True, slots=True)
class LagSums:
    """Per lag, the sums (n, Σx, Σy, Σxx, Σyy, Σxy) of a Pearson r; pools by addition."""

    sums: FloatArray = field(default_factory=lambda: np.zeros((len(LAGS_MS), 6)))

    def __add__(self, other: LagSums) -> LagSums:
        return LagSums(self.sums + other.sums)

    def correlations(self) -> FloatArray:
        n, sx, sy, sxx, syy, sxy = self.sums.T
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = n * sxy - sx * sy
            var = (n * sxx - sx**2) * (n * syy - sy**2)
            r = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1.0)), np.nan)
        return np.asarray(r, dtype=np.float64)

    def peak(self) -> tuple[float, int]:
        """The highest r and its lag in ms (negative: mouth early); (nan, 0) if undefined."""
        r = self.correlations()
        if np.all(np.isnan(r)):
            return float("nan"), 0
        best = int(np.nanargmax(r))
        return float(r[best]), LAGS_MS[best]

    def at_lag(self, lag_ms: int) -> float:
        return float(self.correlations()[LAGS_MS.index(lag_ms)])


def openness_sums(truth: FloatArray, shown: FloatArray, speech: npt.NDArray[np.bool_]) -> LagSums:
    """Correlation sums pairing truth frame t (speech only) with shape frame t + lag."""
    sums = np.zeros((len(LAGS_MS), 6))
    count = len(truth)
    for row, lag_ms in enumerate(LAGS_MS):
        lag = lag_ms // FRAME_MS
        t = np.arange(max(0, -lag), min(count, count - lag))
        t = t[speech[t]]
        x, y = truth[t], shown[t + lag]
        sums[row] = (len(t), x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum())
    return LagSums(sums)


@dataclass(frozen=True, slots=True)
class Scores:
    """Every metric of one utterance (or a pool of them), as counts."""

    closure: Ratio = Ratio()
    false_closure: Ratio = Ratio()
    rounded: Ratio = Ratio()
    silence: Ratio = Ratio()
    per_class: tuple[Ratio, ...] = tuple(Ratio() for _ in TruthClass)
    openness: LagSums = field(default_factory=LagSums)

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.closure + other.closure,
            self.false_closure + other.false_closure,
            self.rounded + other.rounded,
            self.silence + other.silence,
            tuple(a + b for a, b in zip(self.per_class, other.per_class, strict=True)),
            self.openness + other.openness,
        )

    @property
    def balanced_accuracy(self) -> float:
        return balanced_accuracy(self.per_class)


def score(phones: Sequence[TruthPhone], cues: Sequence[Cue], duration_ms: int) -> Scores:
    """Every metric for one utterance: truth phones (closure-corrected) against cues."""
    count = frame_count(duration_ms)
    classes = truth_class_frames(phones, count)
    shapes = shape_frames(cues, count)
    speech = classes != TruthClass.SILENCE
    return Scores(
        closure=closure_recall(phones, shapes),
        false_closure=false_closures(classes, shapes),
        rounded=rounded_recall(phones, shapes),
        silence=silence_accuracy(phones, shapes),
        per_class=class_accuracy(classes, shapes),
        openness=openness_sums(truth_openness(phones, count), shape_openness(shapes), speech),
    )


def pooled(scores: Iterable[Scores]) -> Scores:
    total = Scores()
    for item in scores:
        total = total + item
    return total

"""Truth from synthesis: TTS phone labels corrected to where the lips actually are.

TTS labels are not articulation. espeak marks P and B at the release burst, after the
lips have been shut; piper's labels lag the sound. So:

1. ``label_lag_ms``: per utterance, the lag at which the loudness the labels imply
   (vowels 1, pauses and stops 0, other phones 0.5, per ms) best correlates with the
   audio's low-band energy in dB. An engine's median over its utterances is its label
   lag; piper's labels are all shifted back by it (espeak's are taken as they are).
2. ``find_closure``: for each P and B, the near-silent gap before the burst. Energy is
   the 300 Hz high-passed signal (so a voice bar does not count as sound) in 5 ms windows
   at 1 ms steps. A burst is a 6 ms rise of 10 dB after 10 ms at least 25 dB below the
   speech level; the one nearest the label start within ``[start - 60, end + 40)`` ms is
   taken (espeak's label starts at the burst; piper's a little before or after). The gap
   is the run before the burst that stays 25 dB below the speech level and reaches 40 dB
   below it somewhere. Capped at 150 ms (80 ms where it runs into a pause, since
   the lips need not be shut for the whole pause).
3. ``correct``: P/B become their closure gap (class CLOSED) followed by ``REL`` (the rest
   of the label: burst and aspiration, class OTHER); neighbours are trimmed to make room.
   M keeps its whole (lag-corrected) murmur.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import signal

from bench.metrics import RELEASE_SYMBOL, SILENCE_SYMBOL, TruthPhone

FloatArray = npt.NDArray[np.float64]

STOPS = frozenset({"P", "B"})
STOP_CONSONANTS = frozenset({"P", "B", "T", "D", "K", "G", "CH", "JH"})
QUIET_PHONES = STOP_CONSONANTS | {SILENCE_SYMBOL}
STOP_MARGIN_MS = 100
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
WINDOW_MS = 5
BURST_SEARCH_MS = (-60, 40)
BURST_RISE_DB = 10.0
QUIET_BELOW_SPEECH_DB = 25.0
NEAR_SILENT_BELOW_SPEECH_DB = 40.0
MAX_CLOSURE_MS = 150
MAX_CLOSURE_AFTER_PAUSE_MS = 80
FALLBACK_CLOSURE_MS = 40
MAX_LABEL_LAG_MS = 100


@dataclass(frozen=True, slots=True)
class Envelope:
    """Energy in dB at 1 ms steps: ``db[i]`` centres on ``i`` ms."""

    db: FloatArray
    speech_level_db: float

    def between(self, start_ms: int, end_ms: int) -> FloatArray:
        return self.db[max(0, start_ms) : max(0, min(len(self.db), end_ms))]


def envelope(samples: npt.NDArray[np.floating], rate_hz: int, band: str = "high") -> Envelope:
    """Short-time energy (5 ms windows, 1 ms hop), high-passed above 300 Hz or low-passed below 1 kHz."""
    if band == "high":
        sos = signal.butter(4, 300, "highpass", fs=rate_hz, output="sos")
    else:
        sos = signal.butter(4, 1000, "lowpass", fs=rate_hz, output="sos")
    filtered = signal.sosfiltfilt(sos, np.asarray(samples, dtype=np.float64))
    hop = rate_hz // 1000
    width = WINDOW_MS * hop
    padded = np.pad(filtered**2, (width // 2, width))
    cumulative = np.concatenate([[0.0], np.cumsum(padded)])
    starts = np.arange(0, len(filtered), hop)
    power = (cumulative[starts + width] - cumulative[starts]) / width
    db = 10 * np.log10(power + 1e-12)
    return Envelope(db, float(np.percentile(db, 95)))


def _shifted(phones: Sequence[TruthPhone], lag_ms: int, duration_ms: int) -> list[TruthPhone]:
    """Labels moved ``lag_ms`` earlier, clipped to the audio, the first still starting at 0."""
    result = []
    for i, phone in enumerate(phones):
        start = 0 if i == 0 else min(max(0, phone.start_ms - lag_ms), duration_ms)
        end = duration_ms if i == len(phones) - 1 else min(max(0, phone.end_ms - lag_ms), duration_ms)
        result.append(TruthPhone(phone.symbol, start, max(start, end)))
    return result


def _loudness_from_labels(phones: Sequence[TruthPhone], duration_ms: int) -> FloatArray:
    """Per ms what the labels say the loudness is: vowels 1, pauses and stops 0, the rest 0.5."""
    expected = np.zeros(duration_ms)
    for phone in phones:
        value = 1.0 if phone.symbol in VOWELS else 0.0 if phone.symbol in QUIET_PHONES else 0.5
        expected[phone.start_ms : phone.end_ms] = value
    return expected


def label_lag_ms(samples: npt.NDArray[np.floating], rate_hz: int, phones: Sequence[TruthPhone]) -> int:
    """How late the labels are (ms; negative: early): the lag where the loudness the labels
    imply best correlates with the audio's low-band (<1 kHz) energy, within ±100 ms."""
    low = envelope(samples, rate_hz, "low")
    heard = np.maximum(low.db, low.speech_level_db - 50)
    count = min(len(heard), phones[-1].end_ms if phones else 0)
    expected = _loudness_from_labels(phones, count)
    known = np.ones(count, bool)  # stops' closures hide in the label before them: leave them out
    for phone in phones:
        if phone.symbol in STOP_CONSONANTS:
            known[max(0, phone.start_ms - STOP_MARGIN_MS) : phone.end_ms] = False
    best, best_r = 0, -np.inf
    for lag in range(-MAX_LABEL_LAG_MS, MAX_LABEL_LAG_MS + 1):
        first, last = max(0, -lag), min(count, count - lag)
        keep = known[first + lag : last + lag]
        r = np.corrcoef(expected[first + lag : last + lag][keep], heard[first:last][keep])[0, 1]
        if r > best_r:
            best, best_r = lag, r
    return best


def find_burst(high: Envelope, start_ms: int, end_ms: int, label_ms: int) -> int | None:
    """The burst nearest ``label_ms`` in ``[start_ms, end_ms)``: a 6 ms rise of 10 dB after 10 quiet ms.

    Quiet: 25 dB below the speech level; the rise must reach 40 dB below it within 5 ms.
    """
    low_ms, high_ms = max(start_ms, 10), min(end_ms, len(high.db) - 3)
    if high_ms <= low_ms:
        return None
    times = np.arange(low_ms, high_ms)
    quiet_level = high.speech_level_db - QUIET_BELOW_SPEECH_DB
    windows = np.lib.stride_tricks.sliding_window_view(high.db, 10)  # windows[i] = db[i : i + 10]
    quiet = windows[times - 10].max(axis=1) < quiet_level
    rise = high.db[times + 3] - high.db[times - 3]
    audible = (
        high.db[np.minimum(times + 5, len(high.db) - 1)] > high.speech_level_db - NEAR_SILENT_BELOW_SPEECH_DB
    )
    candidates = times[quiet & audible & (rise >= BURST_RISE_DB)]
    if len(candidates) == 0:
        return None
    return int(candidates[np.argmin(np.abs(candidates - label_ms))])


def find_closure(
    high: Envelope, label: TruthPhone, limit_ms: int, after_pause: bool
) -> tuple[int, int] | None:
    """The quiet gap ``[start, end)`` before the burst of the stop ``label``, or None."""
    search = (max(limit_ms, label.start_ms + BURST_SEARCH_MS[0]), label.end_ms + BURST_SEARCH_MS[1])
    burst = find_burst(high, *search, label.start_ms)
    if burst is None:
        return None
    cap = MAX_CLOSURE_AFTER_PAUSE_MS if after_pause else MAX_CLOSURE_MS
    before = high.between(max(limit_ms, burst - cap), burst)
    if len(before) < 10 or before.min() > high.speech_level_db - NEAR_SILENT_BELOW_SPEECH_DB:
        return None
    loud = np.flatnonzero(before[::-1] > high.speech_level_db - QUIET_BELOW_SPEECH_DB)
    loud = loud[loud >= 3]  # the burst's own rise starts a few ms before its steepest point
    length = int(loud[0]) if len(loud) else len(before)
    return (burst - length, burst) if length >= 10 else None


@dataclass(frozen=True, slots=True)
class Correction:
    """Corrected truth for one utterance and how the correction went."""

    phones: tuple[TruthPhone, ...]
    closures_found: int
    closures_missed: int
    closure_db: tuple[float, ...]
    label_db: tuple[float, ...]


def _insert_closure(phones: list[TruthPhone], index: int, gap: tuple[int, int]) -> None:
    """Make ``phones[index]`` (a P/B) the gap plus its release; trim the neighbours."""
    stop = phones[index]
    start, end = gap
    release_end = max(stop.end_ms, end)
    for j in range(index - 1, -1, -1):
        other = phones[j]
        if other.end_ms <= start:
            if j == index - 1:
                phones[j] = TruthPhone(other.symbol, other.start_ms, start)  # no hole before the gap
            break
        phones[j] = TruthPhone(other.symbol, other.start_ms, max(other.start_ms, start))
    if index + 1 < len(phones) and phones[index + 1].start_ms < release_end:
        after = phones[index + 1]
        phones[index + 1] = TruthPhone(after.symbol, release_end, max(release_end, after.end_ms))
    pieces = [TruthPhone(stop.symbol, start, end)]
    if release_end > end:
        pieces.append(TruthPhone(RELEASE_SYMBOL, end, release_end))
    phones[index : index + 1] = pieces


def _mean_db(high: Envelope, start_ms: int, end_ms: int) -> float | None:
    values = high.between(start_ms, end_ms)
    return float(np.mean(values)) - high.speech_level_db if len(values) else None


def correct(
    samples: npt.NDArray[np.floating], rate_hz: int, phones: Sequence[TruthPhone], lag_ms: int
) -> Correction:
    """Labels shifted back by ``lag_ms``, P/B made into their closure gap plus release.

    Where no gap is found, the closure is taken as the ``FALLBACK_CLOSURE_MS`` before the
    label (both engines start a stop's label near its burst).
    """
    duration_ms = round(len(samples) * 1000 / rate_hz)
    high = envelope(samples, rate_hz, "high")
    result = _shifted(phones, lag_ms, duration_ms)
    found = missed = 0
    closure_db: list[float] = []
    label_db: list[float] = []
    index = 0
    while index < len(result):
        phone = result[index]
        if phone.symbol in STOPS:
            label = _mean_db(high, phone.start_ms, phone.end_ms)
            label_db += [label] if label is not None else []
            limit = _closure_limit(result, index)
            after_pause = index > 0 and result[index - 1].symbol == SILENCE_SYMBOL
            gap = find_closure(high, phone, limit, after_pause)
            if gap is None:
                missed += 1
                gap = (max(limit, phone.start_ms - FALLBACK_CLOSURE_MS), phone.start_ms)
            else:
                found += 1
                energy = _mean_db(high, *gap)
                closure_db += [energy] if energy is not None else []
            if gap[1] - gap[0] > 0:
                before = len(result)
                _insert_closure(result, index, gap)
                index += len(result) - before
        index += 1
    cleaned = tuple(p for p in result if p.end_ms > p.start_ms)
    return Correction(cleaned, found, missed, tuple(closure_db), tuple(label_db))


def _closure_limit(phones: Sequence[TruthPhone], index: int) -> int:
    """The closure may not reach back past the middle of the previous phone (not a pause or release).

    Two stops in a row ("Bob put") share one closure: the second takes its later half.
    """
    for j in range(index - 1, -1, -1):
        if phones[j].symbol not in (SILENCE_SYMBOL, RELEASE_SYMBOL):
            return (phones[j].start_ms + phones[j].end_ms) // 2
    return 0

"""Pauses from frame energy, and cutting long audio at pauses into independent chunks.

The pause threshold adapts to each signal: it sits between the noise floor (a low
percentile of frame levels) and the speech level (the median of frames clearly above the
floor), so the same settings work for studio speech and for speech in noise at 10 dB SNR.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.core.timeline import Timed, Timeline

#: Length of one analysis frame.
FRAME_MS = 10

#: Shortest quiet stretch that counts as a pause by default.
DEFAULT_MIN_PAUSE_MS = 200

#: Longest chunk ``split_at_pauses`` yields by default.
DEFAULT_MAX_CHUNK_MS = 20_000

#: A signal whose speech level stays below this (dBFS) is silence throughout.
SILENCE_DBFS = -60.0

#: Frames this far (dB) above the noise floor are taken as speech when measuring its level.
SPEECH_OVER_FLOOR_DB = 6.0

#: Where the pause threshold sits between noise floor (0) and speech level (1).
THRESHOLD_SHARE = 0.4

Levels = npt.NDArray[np.float64]


def frame_levels_db(audio: Audio) -> Levels:
    """Power per FRAME_MS frame in dBFS (a last partial frame included), median-smoothed over 50 ms."""
    frame = audio.sample_rate_hz * FRAME_MS // 1000
    samples = audio.samples.astype(np.float64)
    whole = len(samples) // frame
    power = np.mean(samples[: whole * frame].reshape(whole, frame) ** 2, axis=1)
    if len(samples) > whole * frame:
        power = np.append(power, np.mean(samples[whole * frame :] ** 2))
    db = 10 * np.log10(power + 1e-12)
    return _median5(db)


def pause_threshold_db(levels_db: Levels) -> float:
    """The level below which a frame is quiet: +inf for silence, -inf for sound without dips."""
    if len(levels_db) == 0:
        return float("inf")
    floor = float(np.percentile(levels_db, 10))
    loud = levels_db[levels_db > floor + SPEECH_OVER_FLOOR_DB]
    speech = float(np.median(loud)) if len(loud) else floor
    if max(speech, float(levels_db.max())) < SILENCE_DBFS:
        return float("inf")
    if not len(loud):
        return float("-inf")
    return floor + min(THRESHOLD_SHARE * (speech - floor), 20.0)


def find_pauses(audio: Audio, min_pause_ms: int = DEFAULT_MIN_PAUSE_MS) -> Timeline[None]:
    """Stretches of at least ``min_pause_ms`` quieter than the adaptive threshold."""
    levels = frame_levels_db(audio)
    quiet = levels < pause_threshold_db(levels)
    pauses = []
    for first, last in _runs(quiet):
        start_ms, end_ms = first * FRAME_MS, min(last * FRAME_MS, audio.duration_ms)
        if end_ms - start_ms >= min_pause_ms:
            pauses.append(Timed(start_ms, end_ms, None))
    return Timeline(pauses)


def split_at_pauses(
    source: Audio | Iterable[Audio],
    max_chunk_ms: int = DEFAULT_MAX_CHUNK_MS,
    min_pause_ms: int = DEFAULT_MIN_PAUSE_MS,
) -> Iterator[tuple[int, Audio]]:
    """``(offset_ms, chunk)`` pieces of at most ``max_chunk_ms`` that together are the whole source.

    Each cut lies in the middle of the longest pause in the second half of the window,
    else at its quietest 100 ms. Only about one window is held at a time, so blocks from
    ``iter_blocks`` stream through in bounded memory.
    """
    if max_chunk_ms < 2 * FRAME_MS:
        raise ValueError(f"max_chunk_ms must be at least {2 * FRAME_MS}, got {max_chunk_ms}")
    blocks = [source] if isinstance(source, Audio) else source
    buffer: list[npt.NDArray[np.float32]] = []
    buffered = offset = 0
    rate = 0
    for block in blocks:
        rate = rate or block.sample_rate_hz
        buffer.append(block.samples)
        buffered += len(block.samples)
        limit = max_chunk_ms * rate // 1000
        if buffered < limit:
            continue
        window = buffer[0] if len(buffer) == 1 else np.concatenate(buffer)
        while len(window) >= limit:
            cut = _cut_sample(Audio(window[:limit], rate), min_pause_ms)
            yield offset * 1000 // rate, Audio(window[:cut], rate)
            window, offset = window[cut:], offset + cut
        buffer, buffered = [window.copy()], len(window)
    if buffered:
        yield offset * 1000 // rate, Audio(np.concatenate(buffer), rate)


def _cut_sample(window: Audio, min_pause_ms: int) -> int:
    """Where to end a chunk of ``window``: a sample index on a frame boundary in its second half."""
    frame = window.sample_rate_hz * FRAME_MS // 1000
    half_ms = window.duration_ms // 2
    pauses = [p for p in find_pauses(window, min_pause_ms) if p.end_ms > half_ms]
    if pauses:
        best = max(pauses, key=lambda p: (p.end_ms - max(p.start_ms, half_ms), p.start_ms))
        middle_ms = (max(best.start_ms, half_ms) + best.end_ms) // 2
        return max(1, middle_ms // FRAME_MS) * frame
    levels = np.convolve(10 ** (frame_levels_db(window) / 10), np.ones(10), mode="same")
    first = half_ms // FRAME_MS
    quietest = first + int(np.argmin(levels[first : len(window.samples) // frame]))
    return max(1, quietest) * frame


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[first, last)`` index ranges where ``mask`` is true."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _median5(values: Levels) -> Levels:
    if len(values) < 5:
        return values
    padded = np.pad(values, 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)

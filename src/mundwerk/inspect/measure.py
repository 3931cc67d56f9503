"""``inspect_media``: the orchestrator. Plan windows, track the mouth, predict it from the voice, correlate.

The voice side is pluggable (``Predictor``): by default the band-energy openness of
``audio_openness``; the top level can pass one built on mundwerk's recognizer and mouth
curves (this layer may not import ``speech``). Segments may use a second predictor
(``segment_predictor``): the band energy reads the global offset best, but its local peaks
repeat with the syllable rate, so stretches are searched on the sharper phone-based one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.audio.signal import Audio
from mundwerk.core.errors import NoFaceError
from mundwerk.inspect.audio_openness import band_openness
from mundwerk.inspect.errors import MediaError
from mundwerk.inspect.media import MediaInfo, TimedFrame, probe_media, read_audio, read_frames
from mundwerk.inspect.plan import Window, probe_times_ms, sampling_plan
from mundwerk.inspect.report import SyncReport
from mundwerk.inspect.segments import Segment, disagreeing_segments
from mundwerk.inspect.sync import (
    MAX_OFFSET_MS,
    STEP_MS,
    Correlation,
    Signals,
    correlate,
    pooled,
    prominence,
    significance,
)
from mundwerk.inspect.tracker import MouthTrack, MouthTracker

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[float], None]
#: Frames are scaled down to this longer side before landmarks (faces stay large enough).
MAX_SIDE_PX = 480
#: Frames closer together than this are skipped (50/60 fps video is read at half rate).
MIN_FRAME_GAP_MS = 30.0
#: Fewer frames than this share with a face: the video has no usable face.
MIN_FACE_SHARE = 0.3
#: A mouth whose opening varies less than this (standard deviation, per eye-corner distance)
#: does not move: a still photo, or a face that never speaks.
MIN_MOUTH_SPREAD = 0.01
#: Audio whose peak stays below this is silent: no speech to compare with.
SILENCE_PEAK = 1e-3
#: The last frame lying this far before the declared end means a truncated file.
TRUNCATION_GAP_MS = 1000


@dataclass(frozen=True, slots=True)
class Predictor:
    """Mouth openness predicted from audio: one value per 10 ms frame (``[10 t, 10 t + 10)`` ms)."""

    name: str
    predict: Callable[[Audio], FloatArray]


BAND_ENERGY = Predictor("band-energy", band_openness)


def _no_progress(_: float) -> None:
    pass


@functools.cache
def default_tracker() -> MouthTracker:
    """The process-wide mouth tracker, loaded on first use."""
    return MouthTracker.load()


def inspect_media(
    path: str,
    predictor: Predictor = BAND_ENERGY,
    max_offset_ms: int = MAX_OFFSET_MS,
    progress: Progress = _no_progress,
    tracker: MouthTracker | None = None,
    segment_predictor: Predictor | None = None,
) -> SyncReport:
    """Measure how far the voice in ``path`` lags (> 0) or leads (< 0) the mouth.

    ``tracker`` defaults to the process-wide one (``default_tracker``). ``segment_predictor``
    (default: ``predictor``) predicts the mouth for finding the stretches that disagree.
    """
    info = probe_media(path)
    windows = sampling_plan(info.duration_ms)
    if not windows:
        raise MediaError(f"no frames in {path} (its length is 0)")
    tracker = tracker or default_tracker()
    if len(windows) > 1:
        _require_face(info, tracker)
    progress(0.05)
    measured = []
    for index, window in enumerate(windows):
        measured.append(
            _measure_window(info, window, tracker, (predictor, segment_predictor), window is windows[-1])
        )
        progress(0.05 + 0.9 * (index + 1) / len(windows))
    return _report(info, measured, predictor, max_offset_ms)


@dataclass(frozen=True, slots=True, eq=False)
class _Measured:
    window: Window
    track: MouthTrack
    signals: Signals
    #: The signals segments are searched on (``signals`` unless a segment predictor differs).
    segment_signals: Signals


def _measure_window(
    info: MediaInfo,
    window: Window,
    tracker: MouthTracker,
    predictors: tuple[Predictor, Predictor | None],
    last: bool,
) -> _Measured:
    frames = _thinned(read_frames(info, window.start_ms, window.end_ms, MAX_SIDE_PX))
    track = tracker.track(frames)
    if last:
        _check_complete(info, track, window)
    audio = read_audio(info, window.start_ms, window.end_ms)
    predictor, segment_predictor = predictors
    signals = _signals(window, track, audio, predictor)
    if segment_predictor is None or segment_predictor is predictor:
        return _Measured(window, track, signals, signals)
    return _Measured(window, track, signals, _signals(window, track, audio, segment_predictor))


def _signals(window: Window, track: MouthTrack, audio: Audio, predictor: Predictor) -> Signals:
    voice = predictor.predict(audio)
    if float(np.abs(audio.samples).max(initial=0.0)) < SILENCE_PEAK:
        voice = np.full(len(voice), np.nan)
    grid_ms = window.start_ms + np.arange(len(voice), dtype=np.float64) * STEP_MS + STEP_MS / 2
    mouth = _on_grid(track, grid_ms)
    return Signals(float(window.start_ms), mouth, voice.astype(np.float64))


def _thinned(frames: Iterable[TimedFrame]) -> Iterator[TimedFrame]:
    last = -np.inf
    for frame in frames:
        if frame.time_ms - last >= MIN_FRAME_GAP_MS:
            last = frame.time_ms
            yield frame


def _on_grid(track: MouthTrack, grid_ms: FloatArray) -> FloatArray:
    """The opening at the grid times, linear between frames; NaN beyond a gap of more than one frame."""
    known = np.isfinite(track.opening)
    if known.sum() < 2:
        return np.full(len(grid_ms), np.nan)
    times, values = track.times_ms[known], track.opening[known]
    on_grid = np.interp(grid_ms, times, values, left=np.nan, right=np.nan)
    after = np.clip(np.searchsorted(times, grid_ms), 1, len(times) - 1)
    gap = times[after] - times[after - 1]
    typical = float(np.median(np.diff(track.times_ms))) if len(track.times_ms) > 1 else 40.0
    on_grid[gap > 2.5 * typical] = np.nan
    return on_grid


def _require_face(info: MediaInfo, tracker: MouthTracker) -> None:
    """A quick look at a few frames spread over a long video, so a faceless one fails fast."""
    for time_ms in probe_times_ms(info.duration_ms):
        frame = next(iter(read_frames(info, time_ms, time_ms + 2000, MAX_SIDE_PX)), None)
        if frame is not None and np.isfinite(tracker.opening(frame)):
            return
    raise NoFaceError(f"no face in {info.path}: none found in frames spread over its length; has audio")


def _check_complete(info: MediaInfo, track: MouthTrack, window: Window) -> None:
    last_ms = float(track.times_ms[-1]) if len(track.times_ms) else float(window.start_ms)
    if window.end_ms - last_ms > TRUNCATION_GAP_MS:
        raise MediaError(
            f"truncated video: {info.path} declares {info.duration_ms / 1000:.1f} s "
            f"but its frames end at {last_ms / 1000:.1f} s"
        )


def _report(
    info: MediaInfo, measured: list[_Measured], predictor: Predictor, max_offset_ms: int
) -> SyncReport:
    face_share = _face_share(measured)
    if face_share < MIN_FACE_SHARE:
        raise NoFaceError(f"no face in most of {info.path}: found in {face_share:.0%} of the frames analysed")
    spread = float(np.nanstd(np.concatenate([m.track.opening for m in measured])))
    if spread < MIN_MOUTH_SPREAD:
        raise MediaError(
            f"the mouth does not move in {info.path} (opening varies by {spread:.3f} of the eye distance): "
            "a still face has nothing to compare with the voice"
        )
    if all(not np.isfinite(m.signals.voice).any() for m in measured):
        raise MediaError(f"no speech in {info.path}: the audio is silent where the face was analysed")
    correlations = [correlate(m.signals, max_offset_ms) for m in measured]
    overall = _pooled(correlations, info)
    offset_ms, peak = overall.best()
    segments = _segments(measured, offset_ms, max_offset_ms)
    return SyncReport(
        path=str(info.path),
        offset_ms=offset_ms,
        confidence=significance(overall),
        prominence=prominence(overall),
        correlation=peak,
        segments=tuple(segments),
        duration_ms=info.duration_ms,
        analysed_ms=sum(m.window.duration_ms for m in measured),
        face_share=face_share,
        predictor=predictor.name,
        max_offset_ms=max_offset_ms,
    )


def _segments(measured: list[_Measured], offset_ms: float, max_offset_ms: int) -> list[Segment]:
    """Stretches that disagree with the global offset, read on the segment signals against
    their own global offset (a predictor's constant bias, such as the phones' on some voices,
    is not a disagreement)."""
    reference_ms = offset_ms
    if any(m.segment_signals is not m.signals for m in measured):
        correlations = [correlate(m.segment_signals, max_offset_ms) for m in measured]
        usable = [c for c in correlations if np.isfinite(c.values).any()]
        own_ms, _ = pooled(usable).best() if usable else (float("nan"), 0.0)
        reference_ms = own_ms if np.isfinite(own_ms) else offset_ms
    segments: list[Segment] = []
    for item in measured:
        segments += disagreeing_segments(item.segment_signals, reference_ms, max_offset_ms)
    return segments


def _face_share(measured: list[_Measured]) -> float:
    total = sum(len(m.track.opening) for m in measured)
    found = sum(int(np.isfinite(m.track.opening).sum()) for m in measured)
    return found / total if total else 0.0


def _pooled(correlations: list[Correlation], info: MediaInfo) -> Correlation:
    usable = [c for c in correlations if np.isfinite(c.values).any()]
    if not usable:
        raise MediaError(
            f"mouth and voice cannot be compared in {info.path}: the video is too short or the face is lost"
        )
    return pooled(usable)

"""mundwerk.stream: a live session gives the offline analysis' frames, on time."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest

from live_server import SPEECH_WAV
from mundwerk.api import Analyzer
from mundwerk.audio.decode import decode
from mundwerk.audio.signal import Audio
from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.curves import frame_count
from mundwerk.core.errors import UsageError
from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.curves.build import curves_from_phones
from mundwerk.mouth.visemes import visemes_from_phones
from mundwerk.stream import STABLE_LOOKAHEAD_MS, Engine, SessionOptions, StreamFrame


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture(scope="module")
def offline() -> Analyzer:
    return Analyzer.load(AnalysisOptions(recognizer="phonetic"))


def pcm16(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()


def stream_in_random_chunks(
    engine: Engine, pcm: bytes, options: SessionOptions, seed: int = 0
) -> list[StreamFrame]:
    session = engine.session(options)
    rng = np.random.default_rng(seed)
    frames: list[StreamFrame] = []
    position = 0
    while position < len(pcm):
        size = 2 * int(rng.integers(1, 4000))
        session.feed(pcm[position : position + size])
        position += size
        frames += session.poll()
    return frames + session.end()


def shape_at(analysis: Analysis, time_ms: float) -> MouthShape:
    return next(cue.value for cue in analysis.cues if cue.start_ms <= time_ms < cue.end_ms)


def assert_like_offline(frames: Sequence[StreamFrame], analysis: Analysis, fps: int) -> None:
    count = frame_count(analysis.duration_ms, fps)
    assert [frame.index for frame in frames] == list(range(count))
    same = np.mean([frame.shape == shape_at(analysis, frame.time_ms) for frame in frames])
    assert same >= 0.95
    phones = analysis.alignment.phones
    curves = curves_from_phones(phones, analysis.duration_ms, fps).to_arkit().values
    visemes = visemes_from_phones(phones, analysis.duration_ms, fps).values
    assert np.abs(np.array([frame.blendshapes for frame in frames]) - curves).mean() < 0.01
    assert np.abs(np.array([frame.visemes for frame in frames]) - visemes).mean() < 0.01


def test_streaming_a_file_in_random_chunks_gives_the_offline_frames(
    engine: Engine, offline: Analyzer
) -> None:
    audio = decode(SPEECH_WAV)
    options = SessionOptions(16_000, 30, STABLE_LOOKAHEAD_MS)
    frames = stream_in_random_chunks(engine, pcm16(audio.samples), options)
    assert_like_offline(frames, offline.analyze(audio), 30)


def test_streaming_synthesized_speech_at_its_own_rate_gives_the_offline_frames(
    engine: Engine, offline: Analyzer
) -> None:
    import mundwerk

    speech = mundwerk.speak("Would you buy five big blue balloons for my mother?")
    native = speech.synthesis.native_audio
    assert native.sample_rate_hz != 16_000  # the session resamples
    options = SessionOptions(native.sample_rate_hz, 25, STABLE_LOOKAHEAD_MS)
    frames = stream_in_random_chunks(engine, pcm16(native.samples), options, seed=1)
    assert_like_offline(frames, offline.analyze(Audio(native.samples, native.sample_rate_hz)), 25)


@pytest.mark.parametrize("lookahead_ms", [0, 100, STABLE_LOOKAHEAD_MS])
def test_a_frame_comes_once_its_audio_and_the_lookahead_are_in(engine: Engine, lookahead_ms: int) -> None:
    samples = decode(SPEECH_WAV).samples[: 16 * 1500]
    session = engine.session(SessionOptions(16_000, 30, lookahead_ms))
    emitted = 0
    for end in range(160, len(samples) + 1, 160):  # 10 ms at a time
        session.feed(samples[end - 160 : end])
        emitted += len(session.poll())
        heard_ms = end // 16
        assert emitted == max(
            0, (heard_ms - lookahead_ms) * 30 // 1000
        )  # frame n needs (n+1)/fps + lookahead
    assert emitted + len(session.end()) == frame_count(1500, 30)


def test_float_samples_and_pcm_bytes_give_the_same_frames(engine: Engine) -> None:
    samples = decode(SPEECH_WAV).samples[: 16 * 1000]
    as_bytes = engine.session()
    as_floats = engine.session()
    as_bytes.feed(pcm16(samples))
    as_floats.feed(np.frombuffer(pcm16(samples), "<i2") / 32768.0)
    assert as_bytes.end() == as_floats.end()


def test_live_frames_follow_the_speech(engine: Engine) -> None:
    """With no lookahead the mouth shows a guess from the audio so far: later, but still the speech."""
    audio = decode(SPEECH_WAV)
    live = stream_in_random_chunks(engine, pcm16(audio.samples), SessionOptions(16_000, 100, 0))
    stable = stream_in_random_chunks(
        engine, pcm16(audio.samples), SessionOptions(16_000, 100, STABLE_LOOKAHEAD_MS)
    )
    jaw_live = np.array([frame.blendshapes[0] for frame in live])
    jaw_stable = np.array([frame.blendshapes[0] for frame in stable])
    lags = range(0, 21)
    correlations = [np.corrcoef(jaw_live[lag:], jaw_stable[: len(jaw_stable) - lag])[0, 1] for lag in lags]
    best = int(np.argmax(correlations))
    assert correlations[best] > 0.7
    assert 0 <= best * 10 <= 150  # the live mouth trails by at most the recognizer's delay


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sample_rate_hz": 0}, "invalid sample rate 0 Hz; choose 8000–48000 Hz"),
        ({"sample_rate_hz": 10_000_000}, "invalid sample rate 10000000 Hz; choose 8000–48000 Hz"),
        ({"sample_rate_hz": 16_000.5}, "invalid sample rate 16000.5; give an integer 8000–48000"),
        ({"fps": 0}, "invalid frame rate 0; give an integer 1–120"),
        ({"fps": 121}, "invalid frame rate 121; give an integer 1–120"),
        ({"lookahead_ms": -1}, "invalid lookahead -1 ms; give an integer 0–1000"),
    ],
)
def test_bad_options_are_refused_naming_the_value(options: dict[str, float], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        SessionOptions(**options)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_bad_audio_is_refused(engine: Engine) -> None:
    session = engine.session()
    with pytest.raises(UsageError, match="an even number of bytes\\), got 3 bytes"):
        session.feed(b"\x00\x01\x02")
    with pytest.raises(UsageError, match="sample rate 8000 Hz differs from the stream's 16000 Hz"):
        session.feed(b"\x00\x00", 8000)
    session.end()
    with pytest.raises(UsageError, match="audio fed after the end of the stream"):
        session.feed(b"\x00\x00")


def test_empty_and_silent_streams(engine: Engine) -> None:
    assert engine.session().end() == []
    session = engine.session(SessionOptions(16_000, 10, 0))
    session.feed(np.zeros(16_000, np.float32))
    frames = session.poll() + session.end()
    assert len(frames) == 10 and {frame.shape for frame in frames} == {MouthShape.X}


def test_the_recognizers_guess_reaches_the_newest_audio(engine: Engine) -> None:
    samples = decode(SPEECH_WAV).samples[: 16 * 1500]
    for speculate, reach_ms in ((False, 1500 - 8 - 60 - 10), (True, 1500 - 8 - 10)):
        stream = engine.recognizer.create_stream()
        for start in range(0, len(samples), 320):
            stream.accept_waveform(samples[start : start + 320])
        final, provisional = stream.poll_phones(speculate)
        assert final and provisional
        phones = final + provisional
        assert phones[0].start_ms == 0
        assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(phones))  # gap-free
        assert final[-1].end_ms <= 1500 - 8 - 60 - 80  # final ones wait for the decoder's lag
        assert reach_ms <= phones[-1].end_ms <= 1500

"""The live pause tracker: asking about recent pauses looks at recent frames only, with the same answer."""

from __future__ import annotations

import numpy as np
import pytest

from mundwerk.audio.pauses import find_pauses
from mundwerk.audio.signal import Audio
from mundwerk.speech.synthesizer import SynthesisOptions, get_synthesizer
from mundwerk.stream.pauses import PauseTracker

TEXT = "Stop. Wait a moment, please... Then go on; and after a long pause, end."


@pytest.fixture(scope="module")
def speech_with_pauses() -> Audio:
    """espeak speech with sentence pauses, three times over, at 16 kHz."""
    audio = get_synthesizer("espeak").synthesize(TEXT, SynthesisOptions(voice="en-us")).audio
    return Audio(np.tile(audio.samples, 3), audio.sample_rate_hz)


def test_pauses_since_a_time_are_the_later_of_all_pauses(speech_with_pauses: Audio) -> None:
    tracker = PauseTracker(160)
    rng = np.random.default_rng(0)
    samples, position, compared = speech_with_pauses.samples, 0, 0
    while position < len(samples):
        size = int(rng.integers(1, 4000))
        tracker.accept(samples[position : position + size])
        position += size
        everything = tracker.pauses(0)
        heard_ms = position // 16
        for since_ms in (heard_ms - 1000, heard_ms - 300, int(rng.integers(0, heard_ms + 1))):
            assert tracker.pauses(since_ms) == [p for p in everything if p.end_ms > since_ms]
            compared += 1
    assert len(tracker.pauses(0)) >= 6  # the text's pauses, three times
    assert compared > 100


def test_a_whole_clip_gives_the_offline_pauses(speech_with_pauses: Audio) -> None:
    tracker = PauseTracker(160)
    tracker.accept(speech_with_pauses.samples)
    assert tracker.pauses(0) == list(find_pauses(speech_with_pauses, 160))

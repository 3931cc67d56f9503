"""Curves and visemes made together (``mouth.frame_values``, the live stream's mouth run):
exactly what ``curves_from_phones`` and ``visemes_from_phones`` make, for any range of frames."""

from __future__ import annotations

import numpy as np
import pytest

from mundwerk.core.curves import MOUTH_PARAMETERS, OCULUS_VISEMES, frame_count
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Phone
from mundwerk.mouth.animate import MouthOptions
from mundwerk.mouth.curves import curves_from_phones
from mundwerk.mouth.frame_values import frame_values
from mundwerk.mouth.visemes import visemes_from_phones
from mundwerk.stream.mouth import MouthTrack
from test_curves import random_phones


def with_gaps(phones: list[Phone]) -> list[Phone]:
    """Every third phone left out: silence fills the gaps."""
    return [phone for index, phone in enumerate(phones) if index % 3 != 1]


@pytest.mark.parametrize("fps", [24.0, 29.97, 30.0, 100.0])
@pytest.mark.parametrize("gaps", [False, True])
def test_values_are_exactly_the_separate_curves_and_visemes(fps: float, gaps: bool) -> None:
    phones = random_phones(int(fps) + gaps, 3_000, shortest_ms=10)
    phones = with_gaps(phones) if gaps else phones
    duration_ms = phones[-1].end_ms + 37
    curves = curves_from_phones(phones, duration_ms, fps).values
    visemes = visemes_from_phones(phones, duration_ms, fps).values
    count = frame_count(duration_ms, fps)
    for first in (0, 1, 17, count - 1):
        values = frame_values(phones, duration_ms, fps, first)
        assert values.first_frame == first and values.stop_frame == count
        assert values.parameters.dtype == values.visemes.dtype == np.float32
        assert np.array_equal(values.parameters, curves[first:])
        assert np.array_equal(values.visemes, visemes[first:])


@pytest.mark.parametrize(
    ("phones", "duration_ms", "first"), [([], 0, 0), ([], 500, 15), ([Phone("AA", 0, 90)], 90, 3)]
)
def test_no_frames_left_gives_empty_arrays(phones: list[Phone], duration_ms: int, first: int) -> None:
    values = frame_values(phones, duration_ms, 30.0, first)
    assert values.first_frame == values.stop_frame == frame_count(duration_ms, 30.0)
    assert values.parameters.shape == (0, len(MOUTH_PARAMETERS))
    assert values.visemes.shape == (0, len(OCULUS_VISEMES))


def test_an_invalid_frame_rate_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="invalid frame rate 0"):
        frame_values([Phone("AA", 0, 100)], 100, 0.0)


def test_a_track_asked_for_earlier_frames_than_its_last_run_gives_them_right() -> None:
    """A run keeps values only from the first frame asked for; an earlier one needs a new run."""
    phones = random_phones(5, 4_000)
    track = MouthTrack(30, MouthOptions())
    later = track.frames(phones, 60, 70, None)
    earlier = track.frames(phones, 50, 62, None)
    assert track.runs == 2
    assert earlier == MouthTrack(30, MouthOptions()).frames(phones, 50, 62, None)
    assert earlier[10:] == later[:2]

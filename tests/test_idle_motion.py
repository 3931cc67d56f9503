"""Idle motion: blinks, gaze, brows and a head that moves faster while the speech is loud."""

from __future__ import annotations

from dataclasses import fields
from importlib.resources import files

import numpy as np
import numpy.typing as npt
import pytest

from mundwerk.audio.decode import decode
from mundwerk.audio.prosody import Prosody, prosody
from mundwerk.audio.signal import Audio
from mundwerk.mouth.idle import HEAD_RANGE_DEG, IdleMotion, idle_motion

Floats = npt.NDArray[np.float64]
FPS = 25.0
RATE_HZ = 16_000


@pytest.fixture(scope="module")
def speech() -> Prosody:
    """The bundled LibriVox clip, with a second of silence after it, repeated to a minute."""
    clip = decode(files("mundwerk") / "data" / "librivox-amiable.wav").samples
    pause = np.zeros(RATE_HZ, dtype=np.float32)
    repeats = int(np.ceil(60 * RATE_HZ / (len(clip) + len(pause))))
    return prosody(Audio(np.tile(np.concatenate([clip, pause]), repeats)[: 60 * RATE_HZ]), FPS)


def _motion(speech: Prosody, seed: int = 0) -> IdleMotion:
    count = speech.frame_count
    return idle_motion(count, FPS, energy_db=speech.energy_db, pitch_hz=speech.pitch_hz, seed=seed)


def _runs(active: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def test_prosody_finds_the_pitch_and_level_of_a_tone() -> None:
    t = np.arange(RATE_HZ) / RATE_HZ
    tone = np.concatenate([0.3 * np.sin(2 * np.pi * 150 * t), np.zeros(RATE_HZ)]).astype(np.float32)
    found = prosody(Audio(tone), FPS)
    assert found.frame_count == 50
    assert np.allclose(found.pitch_hz[2:23], 150, rtol=0.01)
    assert np.all(found.pitch_hz[28:] == 0)
    assert np.allclose(found.energy_db[2:23], 20 * np.log10(0.3 / np.sqrt(2)), atol=0.3)
    assert np.all(found.energy_db[28:] == -80.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_blinks_come_10_to_30_a_minute_each_100_to_400_ms(seed: int) -> None:
    fps = 100.0  # fine frames, to time each blink to 10 ms
    blinks = _runs(idle_motion(int(60 * fps), fps, seed=seed).blink > 0.0)
    assert 10 <= len(blinks) <= 30
    durations_ms = [(end - start) * 1000 / fps for start, end in blinks]
    assert all(100 <= duration <= 400 for duration in durations_ms), durations_ms


def test_head_speed_follows_speech_energy(speech: Prosody) -> None:
    for seed in range(3):
        motion = _motion(speech, seed)
        r = float(np.corrcoef(motion.head_speed_deg_s(), speech.energy_db)[0, 1])
        assert r >= 0.3, (seed, r)


def test_the_head_moves_a_little_and_smoothly(speech: Prosody) -> None:
    motion = _motion(speech)
    angles = np.stack([motion.yaw_deg, motion.pitch_deg, motion.roll_deg], axis=1)
    assert np.all(np.abs(angles).max(axis=0) <= 1.6 * HEAD_RANGE_DEG)
    assert np.all(angles.std(axis=0) > 0.15 * HEAD_RANGE_DEG)  # never a frozen mask
    assert motion.head_speed_deg_s().max() <= 10.0


def test_brows_rise_on_pitch_accents_only(speech: Prosody) -> None:
    raised = _motion(speech).brow_raise
    assert raised.max() > 0.3
    assert 0.02 < (raised > 0.1).mean() < 0.5
    flat = idle_motion(speech.frame_count, FPS, energy_db=speech.energy_db, pitch_hz=None)
    assert not flat.brow_raise.any()


def test_saccades_jump_quickly_every_half_second_to_three_seconds() -> None:
    motion = idle_motion(int(60 * FPS), FPS, seed=4)
    gaze = np.stack([motion.gaze_x_eye_widths, motion.gaze_y_eye_widths], axis=1)
    moving = np.linalg.norm(np.diff(gaze, axis=0), axis=1) > 1e-9
    starts = [start for start, _ in _runs(moving)]
    gaps_s = np.diff(starts) / FPS
    assert 15 <= len(starts) <= 130
    assert gaps_s.min() >= 0.4 and gaps_s.max() <= 3.1
    assert max(end - start for start, end in _runs(moving)) <= 3  # each move within ~3 frames
    assert np.abs(gaze).max() <= 0.15


def test_still_is_all_zeros_and_the_same_seed_the_same_motion(speech: Prosody) -> None:
    still = idle_motion(speech.frame_count, FPS, energy_db=speech.energy_db, seed=5, still=True)
    assert still.is_still() and still.frame_count == speech.frame_count
    first, again, other = _motion(speech, 9), _motion(speech, 9), _motion(speech, 10)
    for field in fields(IdleMotion):
        if field.name != "fps":
            assert np.array_equal(getattr(first, field.name), getattr(again, field.name))
    assert not np.array_equal(first.yaw_deg, other.yaw_deg)
    assert not first.is_still()


def test_silence_and_empty_clips() -> None:
    assert idle_motion(0, FPS, energy_db=[], pitch_hz=[]).frame_count == 0
    silent = idle_motion(250, FPS, energy_db=np.full(250, -80.0), pitch_hz=np.zeros(250), seed=1)
    assert silent.head_speed_deg_s().max() <= 0.5  # resting speed only
    assert silent.blink.any() and not silent.brow_raise.any()


@pytest.mark.parametrize("block_ms", [7, 250, 1000])
def test_prosody_of_blocks_equals_prosody_of_the_whole(block_ms: int) -> None:
    """Streamed in blocks (long speech is never held whole), the figures are exactly the same."""
    from mundwerk.audio.decode import iter_blocks
    from mundwerk.audio.prosody import prosody_of_blocks
    from mundwerk.core.curves import frame_count

    path = files("mundwerk") / "data" / "librivox-amiable.wav"
    whole = decode(path)
    for fps in (25.0, 30000 / 1001):
        count = frame_count(whole.duration_ms, fps) + 3  # a few frames past the end read silence
        expected = prosody(whole, fps, count)
        streamed = prosody_of_blocks(iter_blocks(path, block_ms), fps, count)
        assert np.array_equal(streamed.energy_db, expected.energy_db)
        assert np.array_equal(streamed.pitch_hz, expected.pitch_hz)
        assert np.count_nonzero(streamed.pitch_hz) > count // 4

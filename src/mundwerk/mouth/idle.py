"""Idle motion: what keeps a talking face alive besides its mouth — blinks, gaze, head, brows.

``idle_motion`` turns the speech's per-frame loudness and pitch into per-frame motion, seeded:

- head: a smooth wander in yaw/pitch/roll whose *speed* is the speech's smoothed loudness
  (quick while talking, barely moving in pauses) and whose direction drifts at random but
  is steered home, so it stays within a few degrees; the head shifts a little with it.
- brows: raised on pitch accents (voice pitch well above the speaker's median).
- blinks: every 1.8–5 s (12–30 a minute), each 150–300 ms, closing faster than opening.
- gaze: a saccade every 0.5–3 s to a point a little off centre, reached in ~40 ms.

Everything is a pure function of its inputs and the seed; ``still`` gives all zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

#: Head: speed in degrees per second at rest and at the loudest speech; the range it keeps to.
HEAD_SPEED_DEG_S = (0.4, 7.0)
HEAD_RANGE_DEG = np.array([2.5, 1.8, 1.2])  # yaw, pitch, roll
#: How quickly the wander's direction changes (Hz) and how hard it is steered back near its range.
HEAD_TURN_HZ = 0.6
HEAD_HOMING = 1.2
#: Head translation per degree of yaw (sideways) and pitch (up), in face heights.
SHIFT_PER_DEG = 0.003
#: Loudness: dB below the clip's loud speech that count as silence; smoothing time.
ENERGY_RANGE_DB = 30.0
ENERGY_SMOOTH_S = 0.12
#: Loud speech is at least this loud (dB re full scale): a silent clip counts as silence throughout.
QUIETEST_SPEECH_DB = -35.0
#: Brows: semitones above the median pitch that start a raise and that give a full one.
ACCENT_SEMITONES = (1.0, 3.0)
BROW_ATTACK_S, BROW_RELEASE_S = 0.06, 0.35
#: Blinks: gap between blink starts, duration, and the share of it spent closing.
BLINK_GAP_S = (1.8, 5.0)
BLINK_MS = (150.0, 300.0)
BLINK_CLOSING = 0.4
#: Saccades: time between them, the move's duration, the largest offsets (eye widths).
SACCADE_GAP_S = (0.5, 3.0)
SACCADE_MOVE_S = 0.04
GAZE_RANGE = (0.12, 0.05)


@dataclass(frozen=True, slots=True)
class IdlePose:
    """One frame of ``IdleMotion`` (same units); the default is the face at rest."""

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    shift_x_face_heights: float = 0.0
    shift_y_face_heights: float = 0.0
    brow_raise: float = 0.0
    blink: float = 0.0
    gaze_x_eye_widths: float = 0.0
    gaze_y_eye_widths: float = 0.0

    @property
    def moves_head(self) -> bool:
        head = (
            self.yaw_deg,
            self.pitch_deg,
            self.roll_deg,
            self.shift_x_face_heights,
            self.shift_y_face_heights,
        )
        return any(head)


@dataclass(frozen=True, slots=True, eq=False)
class IdleMotion:
    """Per-frame idle motion at ``fps``; every array has one value per frame.

    Head angles follow ``face.landmarks.HeadPose``'s signs (yaw > 0 turns toward the image's
    right, pitch > 0 tilts up, roll > 0 tilts counter-clockwise); shifts are in face heights
    (x right, y down); ``brow_raise`` and ``blink`` are 0..1 of the full pose; gaze is in eye
    widths (x right, y down).
    """

    fps: float
    yaw_deg: Floats
    pitch_deg: Floats
    roll_deg: Floats
    shift_x_face_heights: Floats
    shift_y_face_heights: Floats
    brow_raise: Floats
    blink: Floats
    gaze_x_eye_widths: Floats
    gaze_y_eye_widths: Floats

    def __post_init__(self) -> None:
        for field in fields(self):
            if field.name != "fps":
                values = np.array(getattr(self, field.name), dtype=np.float64)
                values.setflags(write=False)
                object.__setattr__(self, field.name, values)

    @property
    def frame_count(self) -> int:
        return len(self.blink)

    def at(self, index: int) -> IdlePose:
        """Frame ``index``'s pose."""
        return IdlePose(*(float(getattr(self, f.name)[index]) for f in fields(IdlePose)))

    def head_speed_deg_s(self) -> Floats:
        """Angular speed of the head per frame (the first frame repeats the second's)."""
        angles = np.stack([self.yaw_deg, self.pitch_deg, self.roll_deg], axis=1)
        if len(angles) < 2:
            return np.zeros(len(angles))
        speed = np.linalg.norm(np.diff(angles, axis=0), axis=1) * self.fps
        return np.concatenate([speed[:1], speed])

    def is_still(self) -> bool:
        """True when nothing but the mouth moves."""
        return all(not np.any(getattr(self, f.name)) for f in fields(self) if f.name != "fps")


def still_motion(frame_count: int, fps: float) -> IdleMotion:
    """No idle motion at all (``--still``)."""
    return IdleMotion(fps, *(np.zeros(frame_count) for _ in range(9)))


def idle_motion(
    frame_count: int,
    fps: float,
    *,
    energy_db: npt.ArrayLike | None = None,
    pitch_hz: npt.ArrayLike | None = None,
    seed: int = 0,
    still: bool = False,
) -> IdleMotion:
    """The idle motion of ``frame_count`` frames for speech of this loudness and pitch per frame.

    Without ``energy_db`` the head wanders slowly as in a pause; without ``pitch_hz`` the brows rest.
    """
    if still:
        return still_motion(frame_count, fps)
    loudness = _loudness(_per_frame(energy_db, frame_count, -100.0), fps)
    rngs = [np.random.default_rng([seed, part]) for part in range(3)]
    angles = head_angles_deg(loudness, fps, rngs[0])
    brows = brow_raise(_per_frame(pitch_hz, frame_count, 0.0), loudness, fps)
    gaze_x, gaze_y = gaze_eye_widths(frame_count, fps, rngs[2])
    return IdleMotion(
        fps,
        angles[:, 0],
        angles[:, 1],
        angles[:, 2],
        angles[:, 0] * SHIFT_PER_DEG,
        -angles[:, 1] * SHIFT_PER_DEG,
        brows,
        blink_curve(frame_count, fps, rngs[1]),
        gaze_x,
        gaze_y,
    )


def _per_frame(values: npt.ArrayLike | None, count: int, missing: float) -> Floats:
    if values is None:
        return np.full(count, missing)
    array = np.asarray(values, dtype=np.float64)[:count]
    return np.pad(array, (0, count - len(array)), constant_values=missing)


def _smooth(values: Floats, fps: float, seconds: float) -> Floats:
    """A two-way first-order low-pass (no lag): each value an exponential mean of its neighbours."""
    alpha = 1.0 - np.exp(-1.0 / max(seconds * fps, 1e-6))
    forward = _one_pole(values, alpha)
    return _one_pole(forward[::-1], alpha)[::-1]


def _one_pole(values: Floats, alpha: float) -> Floats:
    out = np.empty_like(values)
    state = values[0] if len(values) else 0.0
    for index, value in enumerate(values):
        state += alpha * (value - state)
        out[index] = state
    return out


def _loudness(energy_db: Floats, fps: float) -> Floats:
    """0 (silence) … 1 (the clip's loud speech), smoothed."""
    if len(energy_db) == 0:
        return energy_db
    loud = max(float(np.percentile(energy_db, 90)), QUIETEST_SPEECH_DB)
    level = np.clip((energy_db - (loud - ENERGY_RANGE_DB)) / ENERGY_RANGE_DB, 0.0, 1.0)
    return np.clip(_smooth(level, fps, ENERGY_SMOOTH_S), 0.0, 1.0)


def head_angles_deg(loudness: Floats, fps: float, rng: np.random.Generator) -> Floats:
    """Yaw, pitch, roll per frame (degrees, ``(n, 3)``): speed set by ``loudness``, direction wandering."""
    count = len(loudness)
    wander = _smooth(rng.standard_normal((count, 3)) if count else np.zeros((0, 3)), fps, 0.5 / HEAD_TURN_HZ)
    wander /= max(float(np.std(wander)), 1e-9) if count > 1 else 1.0
    speed = HEAD_SPEED_DEG_S[0] + (HEAD_SPEED_DEG_S[1] - HEAD_SPEED_DEG_S[0]) * loudness
    angles = np.zeros((count, 3))
    pose = rng.uniform(-0.3, 0.3, 3) * HEAD_RANGE_DEG
    for index in range(count):
        away = pose / HEAD_RANGE_DEG
        heading = wander[index] - away - HEAD_HOMING * away**3
        step = heading * HEAD_RANGE_DEG
        step /= max(float(np.linalg.norm(step)), 1e-9)
        pose = pose + step * speed[index] / fps
        angles[index] = pose
    return angles


def brow_raise(pitch_hz: Floats, loudness: Floats, fps: float) -> Floats:
    """0..1 per frame: brows up on pitch accents (well above the speaker's median pitch)."""
    voiced = pitch_hz > 0
    if voiced.sum() < 5:
        return np.zeros(len(pitch_hz))
    semitones = np.where(voiced, 12 * np.log2(np.maximum(pitch_hz, 1.0) / np.median(pitch_hz[voiced])), 0.0)
    low, high = ACCENT_SEMITONES
    accent = np.clip((semitones - low) / (high - low), 0.0, 1.0) * np.clip(loudness * 2, 0.0, 1.0)
    return np.clip(_envelope(accent, fps), 0.0, 1.0)


def _envelope(values: Floats, fps: float) -> Floats:
    """Quick to rise, slow to fall."""
    up = 1.0 - np.exp(-1.0 / max(BROW_ATTACK_S * fps, 1e-6))
    down = 1.0 - np.exp(-1.0 / max(BROW_RELEASE_S * fps, 1e-6))
    out = np.empty_like(values)
    state = 0.0
    for index, value in enumerate(values):
        state += (up if value > state else down) * (value - state)
        out[index] = state
    return out


def blink_curve(frame_count: int, fps: float, rng: np.random.Generator) -> Floats:
    """Eyelid closure per frame (0 open, 1 shut): a blink every 1.8–5 s, each 150–300 ms."""
    closure = np.zeros(frame_count)
    times = np.arange(frame_count) / fps
    start = float(rng.uniform(0.5, BLINK_GAP_S[1] / 2))
    while start < frame_count / fps:
        length = float(rng.uniform(*BLINK_MS)) / 1000
        closure = np.maximum(closure, _blink_shape((times - start) / length))
        start += float(rng.uniform(*BLINK_GAP_S))
    return closure


def _blink_shape(phase: Floats) -> Floats:
    """One blink over phase 0..1: eased shut over the first ``BLINK_CLOSING``, eased open after."""
    closing = np.clip(phase / BLINK_CLOSING, 0.0, 1.0)
    opening = np.clip((1.0 - phase) / (1.0 - BLINK_CLOSING), 0.0, 1.0)
    shape = np.sin(np.pi / 2 * np.minimum(closing, opening)) ** 2
    return np.where((phase > 0) & (phase < 1), shape, 0.0)


def gaze_eye_widths(frame_count: int, fps: float, rng: np.random.Generator) -> tuple[Floats, Floats]:
    """Gaze offsets per frame: held, then a quick saccade to a new point every 0.5–3 s."""
    times = np.arange(frame_count) / fps
    gaze = np.zeros((frame_count, 2))
    current = np.zeros(2)
    start = float(rng.uniform(*SACCADE_GAP_S))
    while start < frame_count / fps:
        target = rng.uniform(-1.0, 1.0, 2) * np.array(GAZE_RANGE)
        if rng.uniform() < 0.35 and current.any():
            target = np.zeros(2)  # back to the viewer
        move = np.clip((times - start) / SACCADE_MOVE_S, 0.0, 1.0)
        eased = (move * move * (3 - 2 * move))[:, None]
        after = times >= start
        gaze[after] = current + (target - current) * eased[after]
        current = target
        start += float(rng.uniform(*SACCADE_GAP_S))
    return gaze[:, 0], gaze[:, 1]

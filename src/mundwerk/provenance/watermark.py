"""mundwerk's invisible watermark for video frames and still images (design: docs/watermark.md).

``Embedder.for_job(job_id).embed(index, frame)`` adds a faint, tiled, pseudo-random luma
pattern carrying a 56-bit payload (a 16-bit mundwerk marker, an 8-bit format version and a
32-bit job id, protected by a CRC-16 and a convolutional code); it fits the renderer's frame
hook. ``detect_frames(frames)`` sums the frames (the pattern is the same in each, so it
adds up while the picture and the coding noise average out), finds the tile period (scale)
and phase (crop), and decodes the payload. A payload is reported only when the marker and
the CRC match: 32 checked bits, so noise passes with p ≈ 2⁻³² per hypothesis tried.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from mundwerk.core.errors import UsageError
from mundwerk.provenance import watermark_code as code
from mundwerk.provenance.watermark_embed import (
    MASK_REFRESH_FRAMES,
    STRENGTH_RMS,
    Frame,
    Offset,
    luma,
    texture_mask,
)
from mundwerk.provenance.watermark_pattern import INFO_BITS, block_size, frame_pattern, tile_chips

if TYPE_CHECKING:
    from mundwerk.provenance.watermark_detect import Reading

MARKER = 0x6D77  # "mw"
MARKER_BITS, VERSION_BITS, JOB_ID_BITS = 16, 8, 32
FORMAT_VERSION = 1
MAX_JOB_ID = (1 << JOB_ID_BITS) - 1
#: A reading counts only when its sync peak stands this many standard deviations above the
#: other cyclic shifts (see docs/watermark.md for the false-positive bound).
SYNC_Z_THRESHOLD = 5.0


@dataclass(frozen=True, slots=True)
class Payload:
    """What the watermark carries: the job id (32 bits) and the format version (8 bits)."""

    job_id: int
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not 0 <= self.job_id <= MAX_JOB_ID:
            raise UsageError(f"invalid watermark job id {self.job_id!r}: must be 0 to {MAX_JOB_ID}")
        if not 0 <= self.version < 1 << VERSION_BITS:
            raise UsageError(f"invalid watermark version {self.version!r}: must be 0 to 255")

    def to_bits(self) -> code.Bits:
        """The 56 information bits: marker, version, job id (most significant first)."""
        return np.concatenate(
            [
                code.int_to_bits(MARKER, MARKER_BITS),
                code.int_to_bits(self.version, VERSION_BITS),
                code.int_to_bits(self.job_id, JOB_ID_BITS),
            ]
        )

    @classmethod
    def from_bits(cls, bits: npt.NDArray[np.generic]) -> Payload | None:
        """The payload in 56 information bits, or None when they do not start with the marker."""
        word: code.Bits = np.asarray(bits, dtype=np.uint8)
        if word.shape != (INFO_BITS,) or code.bits_to_int(word[:MARKER_BITS]) != MARKER:
            return None
        version = code.bits_to_int(word[MARKER_BITS : MARKER_BITS + VERSION_BITS])
        return cls(job_id=code.bits_to_int(word[MARKER_BITS + VERSION_BITS :]), version=version)


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector found. ``detected`` only when a payload decoded with the right marker
    and CRC. ``confidence`` (0..1) is one minus the chance that noise would give a sync peak
    this strong, over all hypotheses tried; ``sync_z`` is that peak in standard deviations;
    ``tile_period_px`` the tile size (x, y) found, in the frames' pixels; ``frames`` how many
    frames were summed."""

    detected: bool
    payload: Payload | None
    confidence: float
    sync_z: float = 0.0
    tile_period_px: tuple[float, float] | None = None
    frames: int = 0
    hypotheses: int = field(default=0, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class _Prepared:
    offset: Offset
    since_index: int


class Embedder:
    """Adds one job's watermark to frames. ``embed`` is a renderer frame hook. The offset
    (pattern × texture mask) is measured on a frame and reused for the
    next MASK_REFRESH_FRAMES frames of that size (or until the index jumps back)."""

    def __init__(self, payload: Payload) -> None:
        self.payload = payload
        self._chips = tile_chips(code.encode(payload.to_bits()))
        self._prepared: dict[tuple[int, int], _Prepared] = {}
        self._patterns: dict[tuple[int, int], npt.NDArray[np.float32]] = {}

    @classmethod
    def for_job(cls, job_id: int) -> Embedder:
        """An embedder for ``job_id`` in the current format version."""
        return cls(Payload(job_id))

    def embed(self, index: int, frame: Frame) -> Frame:
        """``frame`` (H×W×3 uint8 RGB) with the watermark added; a new array of the same shape."""
        frame = _checked(frame)
        size = (frame.shape[0], frame.shape[1])
        prepared = self._prepared.get(size)
        if prepared is None or not 0 <= index - prepared.since_index < MASK_REFRESH_FRAMES:
            prepared = _Prepared(self._offset(frame), index)
            self._prepared[size] = prepared
        return prepared.offset.apply(frame)

    def embed_image(self, image: Frame) -> Frame:
        """A still (H×W×3 uint8 RGB, or H×W×4 RGBA whose alpha is kept) with the watermark."""
        if image.ndim == 3 and image.shape[2] == 4:
            rgb = self.embed_image(np.ascontiguousarray(image[..., :3]))
            return np.concatenate([rgb, image[..., 3:]], axis=2)
        image = _checked(image)
        return self._offset(image).apply(image)

    def _offset(self, frame: Frame) -> Offset:
        height, width = frame.shape[:2]
        block_px = block_size(height, width)
        scaled_mask = texture_mask(frame, block_px) * np.float32(STRENGTH_RMS)
        pattern = self._patterns.get((height, width))
        if pattern is None:
            pattern = frame_pattern(self._chips, height, width)
            self._patterns[(height, width)] = pattern
        return Offset.of(pattern * scaled_mask)


def _checked(frame: npt.NDArray[np.generic]) -> Frame:
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 frame (H×W×3), got {frame.dtype} {frame.shape}")
    return np.ascontiguousarray(frame, dtype=np.uint8)


class FrameSum:
    """Running sum of frames of one size (what ``detect_frames`` accumulates). The frames are
    summed as they come (one add per frame); luma is taken once, of the sum."""

    def __init__(self) -> None:
        self.total: npt.NDArray[np.float32] | None = None
        self.count = 0

    def add(self, frame: npt.NDArray[np.generic]) -> None:
        """Add one RGB (H×W×3) or luma (H×W) frame; every frame must have the first one's shape."""
        if self.total is None:
            self.total = np.zeros(frame.shape, dtype=np.float32)
        elif self.total.shape != frame.shape:
            raise ValueError(f"frame of size {frame.shape} among frames of size {self.total.shape}")
        np.add(self.total, frame, out=self.total)
        self.count += 1

    def luma(self) -> npt.NDArray[np.float32] | None:
        """The luma of the sum (None before the first frame)."""
        return None if self.total is None else luma(self.total)


def detect_frames(frames: Iterable[npt.NDArray[np.generic]]) -> Detection:
    """Look for the watermark in ``frames`` (RGB H×W×3 or luma H×W arrays, all one size)."""
    summed = FrameSum()
    for frame in frames:
        summed.add(frame)
    return detect_sum(summed)


def detect_sum(summed: FrameSum) -> Detection:
    """Look for the watermark in a running frame sum."""
    from mundwerk.provenance.watermark_detect import readings  # SciPy: loaded only to detect

    total = summed.luma()
    if total is None:
        return Detection(False, None, 0.0)
    found = readings(total)
    hypotheses = max(len(found), 1)
    for reading in found:
        if reading.sync_z < SYNC_Z_THRESHOLD:
            break
        bits = code.decode(reading.soft_bits, INFO_BITS)
        payload = None if bits is None else Payload.from_bits(bits)
        if payload is not None:
            return _detection(True, payload, reading, summed.count, hypotheses)
    best = found[0] if found else None
    return _detection(False, None, best, summed.count, hypotheses)


def _detection(
    detected: bool, payload: Payload | None, reading: Reading | None, frames: int, hypotheses: int
) -> Detection:
    from mundwerk.provenance.watermark_detect import SHIFTS

    if reading is None:
        return Detection(False, None, 0.0, frames=frames, hypotheses=hypotheses)
    noise_chance = hypotheses * SHIFTS * 0.5 * math.erfc(reading.sync_z / math.sqrt(2.0))
    confidence = max(0.0, 1.0 - noise_chance)
    return Detection(detected, payload, confidence, reading.sync_z, reading.period_px, frames, hypotheses)

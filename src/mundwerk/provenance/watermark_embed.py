"""Adding the pattern to a frame: strength from local texture, then one saturating add.

The same luma offset goes onto R, G and B, so chroma is untouched and luma moves by exactly
the offset. Busy parts of a picture hide a stronger pattern than flat ones (texture
masking); the mask is measured on a frame and reused for the next ``MASK_REFRESH_FRAMES``
frames (a talking portrait barely changes), so the per-frame cost is one clamp and one add
on uint8 arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.provenance.watermark_filters import gaussian, uniform3
from mundwerk.provenance.watermark_pattern import Floats32

Frame = npt.NDArray[np.uint8]

#: RMS of the luma offset in 8-bit levels (before rounding): PSNR about 42.3 dB (42 dB is RMS 2.02).
STRENGTH_RMS = 2.0
#: Frames with a shorter side of at least this many pixels hide the pattern in texture
#: (``TEXTURE_MASK``); smaller ones put it where it survives H.264 best (``FLAT_MASK``).
LARGE_FRAME_PX = 720


@dataclass(frozen=True, slots=True)
class MaskShape:
    """How strength follows local texture: ``(spread / median spread) ** exponent``, kept
    within [floor, ceiling] (before the mask is scaled to a mean square of 1)."""

    exponent: float
    floor: float
    ceiling: float


#: A little stronger in busy areas, a little weaker in flat ones (less visible).
TEXTURE_MASK = MaskShape(0.5, 0.8, 1.25)
#: Stronger in flat areas: x264 quantizes flat blocks more finely (adaptive quantization) and
#: the detector weights them more, so on a small frame, where every chip counts, this raises
#: the evidence after H.264 at CRF 28 by about a third (at the same PSNR); on large flat
#: areas the pattern is easier to see at full zoom.
FLAT_MASK = MaskShape(-1.0, 0.6, 1.6)
MASK_REFRESH_FRAMES = 50
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def luma(frame: npt.NDArray[np.generic]) -> Floats32:
    """BT.709 luma of an RGB frame (a 2-D array is taken as luma already), as float32."""
    if frame.ndim == 2:
        return np.asarray(frame, dtype=np.float32)
    return np.asarray(frame[..., :3].astype(np.float32) @ _LUMA, dtype=np.float32)


def mask_shape(height: int, width: int) -> MaskShape:
    """The mask for a frame size: TEXTURE_MASK from LARGE_FRAME_PX on, FLAT_MASK below."""
    return TEXTURE_MASK if min(height, width) >= LARGE_FRAME_PX else FLAT_MASK


def texture_mask(frame: Frame, block_px: int) -> Floats32:
    """Per-pixel strength factor, mean square about 1: the local luma spread, measured on a
    grid of half-chip cells, relative to its median, shaped by ``mask_shape``."""
    shape = mask_shape(frame.shape[0], frame.shape[1])
    step = max(1, block_px // 2)
    small = luma(frame[::step, ::step])
    mean = uniform3(small)
    spread = np.sqrt(np.maximum(uniform3(small * small) - mean * mean, 0.0))
    relative = ((spread + 2.0) / (float(np.median(spread)) + 2.0)) ** shape.exponent
    mask = gaussian(np.clip(relative, shape.floor, shape.ceiling), 1.0)
    mask = mask / np.sqrt(np.mean(mask * mask))
    full = np.repeat(np.repeat(mask, step, axis=0), step, axis=1)
    return np.asarray(full[: frame.shape[0], : frame.shape[1]], dtype=np.float32)


@dataclass(frozen=True, slots=True, eq=False)
class Offset:
    """A precomputed luma offset as the three uint8 arrays of a saturating add:
    ``out = clamp(frame, low, high) + step`` (mod 256), which equals ``clip(frame + offset)``."""

    low: Frame
    high: Frame
    step: Frame

    @classmethod
    def of(cls, offset: Floats32) -> Offset:
        """From a float offset (rounded to whole levels), repeated over the three channels."""
        levels = np.clip(np.rint(offset), -127, 127).astype(np.int8)
        positive = np.maximum(levels, 0).view(np.uint8)
        negative = np.maximum(-levels, 0).view(np.uint8)
        return cls(
            low=_three_channels(negative),
            high=_three_channels(255 - positive),
            step=_three_channels(levels.view(np.uint8)),
        )

    def apply(self, frame: Frame) -> Frame:
        """``frame`` with the offset added and clipped to 0..255 (a new array)."""
        out = np.maximum(frame, self.low)
        np.minimum(out, self.high, out=out)
        np.add(out, self.step, out=out)
        return out


def _three_channels(plane: Frame) -> Frame:
    # Column by column of a (pixels, 3) array: several times faster than a broadcast assignment.
    out = np.empty((plane.size, 3), dtype=np.uint8)
    out[:, 0] = out[:, 1] = out[:, 2] = plane.reshape(-1)
    return out.reshape(*plane.shape, 3)

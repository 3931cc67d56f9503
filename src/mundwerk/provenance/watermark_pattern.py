"""The watermark's picture: a tile of ±1 chips, smoothed, repeated over the whole frame.

A tile is ``TILE_CHIPS``×``TILE_CHIPS`` chips. ``SYNC_CHIPS`` of them carry fixed signs (the
synchronisation pattern the detector looks for to find the tile's phase); the others carry
the coded payload bits, each coded bit on ``CHIPS_PER_BIT`` chips, every chip multiplied by a
secret-free but fixed pseudo-random sign (the key: it makes the pattern look like noise and
scrambles any structure of the picture underneath). A chip is ``block_px`` pixels square,
chosen from the frame size (``block_size``) so that the pattern sits in mid-to-low spatial
frequencies, which H.264 at CRF 28 and a downscale to half size keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from mundwerk.provenance.watermark_code import Bits, coded_length
from mundwerk.provenance.watermark_filters import gaussian

Floats32 = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]

TILE_CHIPS = 20
SYNC_CHIPS = 88
INFO_BITS = 56
CODED_BITS = coded_length(INFO_BITS)  # 156
CHIPS_PER_BIT = (TILE_CHIPS * TILE_CHIPS - SYNC_CHIPS) // CODED_BITS  # 2
#: Frames are split into about this many chips along their shorter side.
CHIPS_PER_SHORT_SIDE = 90
MIN_BLOCK_PX = 3
#: Chips are at least this big (so at least 3 px after a halving, which H.264 at CRF 28 keeps)
#: as long as the short side still holds MIN_TILES tiles.
FLOOR_BLOCK_PX = 6
MIN_TILES = 3
#: Smoothing of the chip edges, as a share of the chip size (Gaussian sigma).
SMOOTHING = 0.25
_KEY_SEED = 0x6D756E64  # "mund"


@dataclass(frozen=True, slots=True)
class TileLayout:
    """Where every chip goes: ``sync_index`` (flat chip positions of the sync pattern),
    ``data_index`` (positions of the coded bits' chips, ``bit_of_chip`` says which bit each
    carries) and ``key`` (a ±1 sign per chip position)."""

    sync_index: Ints
    data_index: Ints
    bit_of_chip: Ints
    key: Floats32


@lru_cache(maxsize=1)
def layout() -> TileLayout:
    """The one fixed layout (the same in every mundwerk version of this watermark format)."""
    rng = np.random.default_rng(_KEY_SEED)
    order = rng.permutation(TILE_CHIPS * TILE_CHIPS)
    data = order[SYNC_CHIPS : SYNC_CHIPS + CODED_BITS * CHIPS_PER_BIT]
    key = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=TILE_CHIPS * TILE_CHIPS)
    bits = np.arange(len(data)) % CODED_BITS
    return TileLayout(order[:SYNC_CHIPS], data, bits, key)


def sync_chips() -> Floats32:
    """The chip grid (TILE_CHIPS²) of the sync pattern alone, zeros elsewhere."""
    plan = layout()
    chips = np.zeros(TILE_CHIPS * TILE_CHIPS, dtype=np.float32)
    chips[plan.sync_index] = plan.key[plan.sync_index]
    return chips.reshape(TILE_CHIPS, TILE_CHIPS)


def tile_chips(coded: Bits) -> Floats32:
    """The full chip grid for coded bits ``coded``: sync chips plus ±1 data chips."""
    plan = layout()
    chips = sync_chips().reshape(-1)
    signs = 2.0 * coded[plan.bit_of_chip].astype(np.float32) - 1.0
    chips[plan.data_index] = plan.key[plan.data_index] * signs
    return chips.reshape(TILE_CHIPS, TILE_CHIPS)


def block_size(height: int, width: int) -> int:
    """Chip size in pixels for a frame: about 1/90 of the shorter side, at least 3; on small
    frames at least FLOOR_BLOCK_PX while MIN_TILES tiles still fit along the shorter side (a
    360-px frame gets 6-px chips, not 4: halved and re-encoded, 2-px chips were lost)."""
    short = min(height, width)
    floor = min(FLOOR_BLOCK_PX, short // (MIN_TILES * TILE_CHIPS))
    return max(MIN_BLOCK_PX, floor, round(short / CHIPS_PER_SHORT_SIDE))


def smooth_tile(chips: Floats32, block_px: int) -> Floats32:
    """One tile in pixels: every chip a ``block_px`` square, edges smoothed (wrapping round)."""
    pixels = np.kron(chips, np.ones((block_px, block_px), dtype=np.float32))
    smoothed = gaussian(pixels, SMOOTHING * block_px, edge="wrap")
    return np.asarray(smoothed, dtype=np.float32)


def frame_pattern(chips: Floats32, height: int, width: int) -> Floats32:
    """The tiled pattern for a ``height``×``width`` frame, scaled to unit RMS."""
    tile = smooth_tile(chips, block_size(height, width))
    reps_y = -(-height // tile.shape[0])
    reps_x = -(-width // tile.shape[1])
    pattern = np.tile(tile, (reps_y, reps_x))[:height, :width]
    return np.asarray(pattern / np.sqrt(np.mean(tile**2)), dtype=np.float32)

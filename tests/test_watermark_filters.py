"""The embedder's NumPy filters give SciPy's values (the watermark must not change when the
embedder stopped importing scipy.ndimage)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage import data as skimage_data

from mundwerk.provenance.watermark import Embedder
from mundwerk.provenance.watermark_code import encode
from mundwerk.provenance.watermark_embed import STRENGTH_RMS, Offset, luma, mask_shape
from mundwerk.provenance.watermark_filters import gaussian, uniform3
from mundwerk.provenance.watermark_pattern import SMOOTHING, block_size, frame_pattern, tile_chips


def _arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    photo = luma(skimage_data.astronaut())
    return [
        photo,
        photo[::4, ::4] ** 2,
        (rng.random((45, 80)) * 255).astype(np.float32),
        rng.normal(size=(7, 5)).astype(np.float32),
        rng.normal(size=(160, 160)).astype(np.float32),
    ]


@pytest.mark.parametrize("index", range(5))
def test_the_filters_give_scipys_values(index: int) -> None:
    values = _arrays()[index]
    assert np.array_equal(uniform3(values), ndimage.uniform_filter(values, 3))
    for sigma in (0.5, 1.0, 1.5, 2.0):
        assert np.array_equal(gaussian(values, sigma), ndimage.gaussian_filter(values, sigma))
        wrapped = ndimage.gaussian_filter(values, sigma, mode="wrap")
        assert np.array_equal(gaussian(values, sigma, edge="wrap"), wrapped)


def _scipy_offset(embedder: Embedder, frame: np.ndarray) -> Offset:
    """The offset as the embedder computed it with scipy.ndimage (its code before)."""
    height, width = frame.shape[:2]
    block_px = block_size(height, width)
    shape = mask_shape(height, width)
    step = max(1, block_px // 2)
    small = luma(frame[::step, ::step])
    mean = ndimage.uniform_filter(small, 3)
    spread = np.sqrt(np.maximum(ndimage.uniform_filter(small * small, 3) - mean * mean, 0.0))
    relative = ((spread + 2.0) / (float(np.median(spread)) + 2.0)) ** shape.exponent
    mask = ndimage.gaussian_filter(np.clip(relative, shape.floor, shape.ceiling), 1.0)
    mask = mask / np.sqrt(np.mean(mask * mask))
    full = np.repeat(np.repeat(mask, step, axis=0), step, axis=1)[:height, :width].astype(np.float32)
    chips = tile_chips(encode(embedder.payload.to_bits()))
    tile = np.kron(chips, np.ones((block_px, block_px), dtype=np.float32))
    tile = ndimage.gaussian_filter(tile, SMOOTHING * block_px, mode="wrap").astype(np.float32)
    pattern = np.tile(tile, (-(-height // tile.shape[0]), -(-width // tile.shape[1])))[:height, :width]
    pattern = (pattern / np.sqrt(np.mean(tile**2))).astype(np.float32)
    assert np.array_equal(pattern, frame_pattern(chips, height, width))
    return Offset.of(pattern * (full * np.float32(STRENGTH_RMS)))


@pytest.mark.parametrize("size", [(720, 1280), (512, 512), (240, 320)])
def test_the_embedded_offset_is_the_one_scipy_gave(size: tuple[int, int]) -> None:
    height, width = size
    frame = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((width, height)))
    embedder = Embedder.for_job(0x1234ABCD)
    ours = embedder._offset(frame)
    theirs = _scipy_offset(embedder, frame)
    assert np.array_equal(ours.step, theirs.step)
    assert np.array_equal(ours.low, theirs.low) and np.array_equal(ours.high, theirs.high)

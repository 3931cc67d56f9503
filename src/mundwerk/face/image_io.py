"""Load any still image as RGB uint8: EXIF rotation applied, odd modes converted, huge ones shrunk.

Grayscale, palette, CMYK, 16-bit and alpha images all come out as (height, width, 3) uint8;
alpha is composited over white. Images whose long side exceeds ``max_side_px`` (or whose
short side exceeds ``max_short_side_px``, when given) are downscaled to fit (JPEGs decode
at a reduced scale first, so an 8000×6000 photo loads quickly).
Anything that cannot be decoded raises ImageDecodeError naming the file; so do images past
Pillow's decompression-bomb limit (about 179 megapixels).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from mundwerk.core.errors import ImageDecodeError

#: Longest side of a loaded image; larger images are downscaled to it.
DEFAULT_MAX_SIDE_PX = 1920
#: Background that transparent pixels are composited over.
ALPHA_BACKGROUND_RGB = (255, 255, 255)

RgbImage = npt.NDArray[np.uint8]


def load_image(
    path: str | Path, max_side_px: int = DEFAULT_MAX_SIDE_PX, max_short_side_px: int | None = None
) -> RgbImage:
    """The image at ``path`` as a contiguous (height, width, 3) RGB uint8 array, upright,
    no larger than ``max_side_px`` on its long side and ``max_short_side_px`` on its short one."""
    path = Path(path)
    limits = (max_side_px, max_short_side_px or max_side_px)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return _load(path, limits)
    except FileNotFoundError as e:
        raise ImageDecodeError(f"image file not found: {path}") from e
    except UnidentifiedImageError as e:
        raise ImageDecodeError(f"not an image (unrecognised format): {path}") from e
    except Image.DecompressionBombError as e:
        raise ImageDecodeError(f"image too large to decode safely: {path}") from e
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageDecodeError(f"cannot decode image {path}: {e}") from e


def _load(path: Path, limits: tuple[int, int]) -> RgbImage:
    with Image.open(path) as image:
        scale = fit_scale(image.size, limits)
        if image.format == "JPEG" and scale < 1:
            image.draft(image.mode, (round(image.width * scale), round(image.height * scale)))
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = to_rgb(upright)
    return _downscale(rgb, limits)


def fit_scale(size_px: tuple[int, int], limits: tuple[int, int]) -> float:
    """The scale (at most 1) that fits an image of ``size_px`` within (long side, short side)
    ``limits``, whichever way round it is."""
    long_side, short_side = max(size_px), min(size_px)
    return min(1.0, limits[0] / long_side, limits[1] / max(short_side, 1))


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB: 16/32-bit and float rescaled, alpha over white."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}:
        image = Image.fromarray(_to_uint8(np.asarray(image)), mode="L")
    if image.mode in {"P", "PA"}:
        image = image.convert("RGBA")
    if image.mode in {"LA", "La", "RGBA", "RGBa"}:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*ALPHA_BACKGROUND_RGB, 255))
        image = Image.alpha_composite(background, rgba)
    return image if image.mode == "RGB" else image.convert("RGB")


def _to_uint8(values: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
    """16-bit, 32-bit integer or float samples scaled into 0..255."""
    data = values.astype(np.float64)
    if np.issubdtype(values.dtype, np.floating):
        top = 1.0 if data.max(initial=0.0) <= 1.0 else 255.0
    else:
        top = 255.0 if data.max(initial=0.0) <= 255 else 65535.0
    return np.clip(np.rint(data * (255.0 / top)), 0, 255).astype(np.uint8)


def _downscale(image: Image.Image, limits: tuple[int, int]) -> RgbImage:
    scale = fit_scale(image.size, limits)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))

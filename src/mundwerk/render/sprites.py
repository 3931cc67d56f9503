"""Mouth sprites: a portrait's own mouth in each Rhubarb shape, as RGBA crops.

Each shape is drawn with the articulatory target of one representative phone
(``SHAPE_PHONES``); every shape is cropped from the same square around the mouth, so the
sprites line up, and the crop's edge fades out (a feathered ellipse in the alpha channel).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from PIL import Image as PilImage
from PIL import ImageDraw

from mundwerk.core.curves import MOUTH_PARAMETERS
from mundwerk.core.shapes import MouthShape
from mundwerk.mouth.curves.shapes import SHAPE_PHONES
from mundwerk.mouth.curves.targets import ROW_OF, TARGETS
from mundwerk.render.portrait import Portrait

Image = npt.NDArray[np.uint8]

#: Rhubarb shape letters, in the order of the contact sheet.
SHAPES = tuple(shape.value for shape in SHAPE_PHONES)
#: The lips' outer contour (MediaPipe face-mesh indices).
OUTER_LIP_RING = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
#: Space around the mouth, as a share of the widest mouth over all shapes.
MARGIN = 0.35
#: Alpha is 1 inside this share of the ellipse's radius and fades to 0 at its edge.
FEATHER_INNER = 0.75
DEFAULT_SIZE_PX = 256
LABEL_HEIGHT_PX = 14


def shape_parameters(shape: str) -> dict[str, float]:
    """The mouth parameters of a Rhubarb ``shape`` (A–H, X)."""
    row = TARGETS[ROW_OF[SHAPE_PHONES[MouthShape(shape)]]]
    return {name: float(value) for name, value in zip(MOUTH_PARAMETERS, row, strict=True)}


def shape_frame(portrait: Portrait, shape: str) -> Image:
    """The whole photo with the mouth in ``shape``, eyes open."""
    return portrait.frame(shape_parameters(shape))


def mouth_box(portrait: Portrait) -> tuple[int, int, int]:
    """(left, top, side) in px: one square holding the lips in every shape, with a margin."""
    lips = np.concatenate(
        [portrait.rig.targets(shape_parameters(shape))[list(OUTER_LIP_RING)] for shape in SHAPES]
    )
    low, high = lips.min(axis=0), lips.max(axis=0)
    side = float(max(high - low)) * (1 + 2 * MARGIN)
    left, top = (low + high) / 2 - side / 2
    return round(float(left)), round(float(top)), max(round(side), 2)


def feathered_alpha(size_px: int) -> Image:
    """An ellipse filling a ``size_px`` square: opaque inside, fading smoothly to its edge."""
    axis = (np.arange(size_px) + 0.5) / size_px * 2 - 1
    radius = np.hypot(axis[None, :], axis[:, None])
    fade = np.clip((1 - radius) / (1 - FEATHER_INNER), 0.0, 1.0)
    smooth = fade * fade * (3 - 2 * fade)
    return np.round(smooth * 255).astype(np.uint8)


def crop(frame: Image, box: tuple[int, int, int], size_px: int) -> Image:
    """The square ``box`` of an RGB ``frame`` (edge pixels repeated outside it), scaled to
    ``size_px`` with a feathered alpha: (size, size, 4)."""
    left, top, side = box
    height, width = frame.shape[:2]
    rows = np.clip(np.arange(top, top + side), 0, height - 1)
    columns = np.clip(np.arange(left, left + side), 0, width - 1)
    square = np.ascontiguousarray(frame[rows][:, columns])
    scaled = np.asarray(PilImage.fromarray(square).resize((size_px, size_px), PilImage.Resampling.LANCZOS))
    return np.dstack([scaled, feathered_alpha(size_px)])


def mouth_sprites(portrait: Portrait, size_px: int = DEFAULT_SIZE_PX) -> dict[str, Image]:
    """Every Rhubarb shape of ``portrait``'s mouth, as same-sized RGBA crops."""
    box = mouth_box(portrait)
    return {shape: crop(shape_frame(portrait, shape), box, size_px) for shape in SHAPES}


def contact_sheet(sprites: Mapping[str, Image], columns: int = 3) -> Image:
    """The sprites in a grid on transparency, each labelled with its shape letter (RGBA)."""
    names = list(sprites)
    side = sprites[names[0]].shape[0]
    rows = -(-len(names) // columns)
    sheet = PilImage.new("RGBA", (columns * side, rows * (side + LABEL_HEIGHT_PX)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sheet)
    for index, name in enumerate(names):
        left, top = (index % columns) * side, (index // columns) * (side + LABEL_HEIGHT_PX)
        sheet.paste(PilImage.fromarray(sprites[name], "RGBA"), (left, top + LABEL_HEIGHT_PX))
        draw.text((left + side // 2, top + 1), name, fill=(0, 0, 0, 255), anchor="mt")
    return np.asarray(sheet)

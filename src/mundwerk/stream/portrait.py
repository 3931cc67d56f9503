"""The face of live portrait frames: a photo cropped around its face to a square, prepared once."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mundwerk.core.errors import NoFaceError
from mundwerk.face.image_io import load_image
from mundwerk.face.landmarks import Face, default_analyzer
from mundwerk.render.portrait import Portrait

#: Side of live portrait frames (pixels).
PORTRAIT_SIDE_PX = 256
#: The crop's side as a multiple of the face box's longer side.
CROP_FACTOR = 1.9

Image = npt.NDArray[np.uint8]


def default_face_path() -> Path:
    """The bundled face (data/portrait-256.md says where it comes from)."""
    return Path(str(files("mundwerk").joinpath("data/portrait-256.jpg")))


def load_live_portrait(path: Path | None = None, side_px: int = PORTRAIT_SIDE_PX) -> Portrait:
    """``path`` (the bundled face if None) cropped square around its largest face, scaled to
    ``side_px``, with the face found again on the crop and prepared for ``Portrait.frame``."""
    path = path or default_face_path()
    image = load_image(path)
    face = _largest_face(image, path)
    crop = _square_crop(image, face, side_px)
    return Portrait.prepare(crop, _largest_face(crop, path))


def _largest_face(image: Image, path: Path) -> Face:
    try:
        return default_analyzer().detect(image)[0]
    except NoFaceError as error:
        raise type(error)(f"no face found in {path}: {error}") from error


def _square_crop(image: Image, face: Face, side_px: int) -> Image:
    from PIL import Image as PilImage

    centre_x, centre_y = face.box.center_px
    side = min(CROP_FACTOR * max(face.box.width_px, face.box.height_px), *image.shape[:2])
    left = int(np.clip(centre_x - side / 2, 0, image.shape[1] - side))
    top = int(np.clip(centre_y - side / 2 + 0.05 * side, 0, image.shape[0] - side))
    square = image[top : top + int(side), left : left + int(side)]
    resized = PilImage.fromarray(square).resize((side_px, side_px), PilImage.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.uint8)

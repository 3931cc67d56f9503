"""Contact sheets: each real face of ``bench/faces.py`` in every Rhubarb shape (A–H, X).

python -m bench.contact_sheets [--output docs/faces]

One PNG per face: the photo's lower face as it is, then the same crop drawn by mundwerk with
the mouth in each shape (``mundwerk.render.sprites.shape_frame``: the articulatory target of
the shape's phone, eyes open, no head motion). Small enough to commit (a few hundred KB).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from bench.faces import FACES, FACES_DIR, FacePhoto
from mundwerk.render.portrait import Portrait

TILE_PX = 140
LABEL_PX = 16
COLUMNS = 5
#: The crop: a square this many face heights wide, centred this far below the mouth.
CROP_FACE_HEIGHTS = 0.8
CROP_BELOW_MOUTH = 0.06

Picture = npt.NDArray[np.uint8]


def lower_face_crop(frame: Picture, portrait: Portrait) -> Picture:
    """The square around nose, mouth and chin, scaled to ``TILE_PX``."""
    rig = portrait.rig
    side = CROP_FACE_HEIGHTS * rig.frame.height_px
    centre = rig.frame.origin + rig.frame.v_axis * CROP_BELOW_MOUTH * rig.frame.height_px
    left, top = (round(float(c) - side / 2) for c in centre)
    size = round(side)
    height, width = frame.shape[:2]
    rows = np.clip(np.arange(top, top + size), 0, height - 1)
    columns = np.clip(np.arange(left, left + size), 0, width - 1)
    square = Image.fromarray(np.ascontiguousarray(frame[rows][:, columns]))
    return np.asarray(square.resize((TILE_PX, TILE_PX), Image.Resampling.LANCZOS))


def sheet(tiles: Sequence[tuple[str, Picture]]) -> Image.Image:
    """Tiles in rows of ``COLUMNS``, each with its label above it, on white."""
    rows = -(-len(tiles) // COLUMNS)
    canvas = Image.new("RGB", (COLUMNS * TILE_PX, rows * (TILE_PX + LABEL_PX)), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for index, (label, tile) in enumerate(tiles):
        left, top = (index % COLUMNS) * TILE_PX, (index // COLUMNS) * (TILE_PX + LABEL_PX)
        canvas.paste(Image.fromarray(tile), (left, top + LABEL_PX))
        draw.text((left + TILE_PX // 2, top + 2), label, fill=(0, 0, 0), anchor="mt")
    return canvas


def contact_sheet(face: FacePhoto) -> Image.Image:
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.render.sprites import SHAPES, shape_frame

    image = face.load()
    portrait = Portrait.prepare(image, default_analyzer().detect(image)[0])
    tiles = [("photo", lower_face_crop(image, portrait))]
    for shape in SHAPES:
        tiles.append((shape, lower_face_crop(shape_frame(portrait, shape), portrait)))
    return sheet(tiles)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.contact_sheets", description=__doc__)
    parser.add_argument("--output", type=Path, default=FACES_DIR, help="directory for contact-<face>.png")
    arguments = parser.parse_args(argv)
    arguments.output.mkdir(parents=True, exist_ok=True)
    for face in FACES:
        path = arguments.output / f"contact-{face.name}.png"
        contact_sheet(face).save(path, optimize=True)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``mundwerk sprites``: a portrait's own mouth in each Rhubarb shape, as PNGs with alpha."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from mundwerk.core.errors import OutputError
from mundwerk.core.file_modes import publish
from mundwerk.files import check_output_directory
from mundwerk.signing import add_signing_arguments, keys_from_arguments

if TYPE_CHECKING:
    from mundwerk.provenance.keys import SigningKeys
    from mundwerk.signing import Sign

log = logging.getLogger(__name__)

CONTACT_SHEET = "contact-sheet.png"


def sprite_size(text: str) -> int:
    """A sprite side in pixels (16 to 4096)."""
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 16 <= size <= 4096:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}; give a side in pixels from 16 to 4096")
    return size


def add_parser(commands: Any) -> None:
    from mundwerk.render.sprites import DEFAULT_SIZE_PX

    parser = commands.add_parser(
        "sprites",
        help="a portrait's own mouth in each Rhubarb shape, as PNGs",
        description="Write A.png … H.png, X.png (the face's mouth in each shape, with alpha) "
        f"and {CONTACT_SHEET} to a directory.",
    )
    parser.add_argument("--face", required=True, metavar="IMAGE", help="the portrait photo")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="an existing directory")
    parser.add_argument(
        "--size", type=sprite_size, default=DEFAULT_SIZE_PX, metavar="N", help="sprite side in px"
    )
    parser.add_argument("--face-index", type=int, default=0, metavar="N", help="which face, largest first")
    add_signing_arguments(parser)
    parser.set_defaults(handler=run)


def write_sprites(
    face: str | Path,
    directory: str | Path,
    size_px: int,
    face_index: int = 0,
    sign: Sign = True,
    watermark: bool = True,
) -> list[Path]:
    """Write each shape's sprite and the contact sheet into ``directory``; the paths written.

    All or nothing: on any error the files this call wrote are removed again. Each PNG
    carries content credentials naming the photo as its input (``sign`` as in
    ``mundwerk.signing``). With ``watermark`` every image carries the invisible watermark
    (one job id for the set; docs/watermark.md).
    """
    from mundwerk.render.sprites import contact_sheet, mouth_sprites
    from mundwerk.rendering import load_portrait
    from mundwerk.signing import resolve_keys

    folder = Path(directory)
    check_output_directory(folder)
    keys = resolve_keys(sign)
    sprites = mouth_sprites(load_portrait(face, face_index), size_px)
    images = {f"{shape}.png": image for shape, image in sprites.items()}
    images[CONTACT_SHEET] = contact_sheet(sprites)
    job_id = _watermark_images(images) if watermark else None
    written: list[Path] = []
    try:
        for name, image in images.items():
            _write_png(image, folder / name, keys, Path(face), job_id)
            written.append(folder / name)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _watermark_images(images: dict[str, npt.NDArray[np.uint8]]) -> int:
    """Embed the watermark (RGB; alpha kept) into every image in place of the original; the job id."""
    from mundwerk.provenance.watermark import Embedder
    from mundwerk.watermarking import new_job_id

    job_id = new_job_id()
    embedder = Embedder.for_job(job_id)
    for name, image in images.items():
        images[name] = embedder.embed_image(image)
    return job_id


def _write_png(
    image: npt.NDArray[np.uint8], path: Path, keys: SigningKeys | None, face: Path, job_id: int | None
) -> None:
    from mundwerk.signing import sign_output

    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as error:
        raise OutputError(f"cannot write to {path.parent}: {error.strerror}") from error
    try:
        with os.fdopen(handle, "wb") as stream:
            Image.fromarray(image, "RGBA").save(stream, format="PNG")
        sign_output(
            temporary, keys, inputs=[face], watermarked=job_id is not None, job_id=job_id, title=path.name
        )
        publish(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error.strerror}") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(arguments: argparse.Namespace) -> int:
    sign = keys_from_arguments(arguments.sign_cert, arguments.sign_key)
    written = write_sprites(arguments.face, arguments.output, arguments.size, arguments.face_index, sign)
    log.info("wrote %d images to %s", len(written), arguments.output)
    return 0

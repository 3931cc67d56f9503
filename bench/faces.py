"""The real faces the portrait benchmark and the contact sheets use, all public domain.

Each is read from a package already installed (scikit-image, matplotlib) or from
``docs/faces/`` (a small copy committed there); see ``docs/faces/README.md`` for sources
and licences. Only the astronaut was looked at while the renderer was tuned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FACES_DIR = ROOT / "docs" / "faces"

Picture = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class FacePhoto:
    """One portrait: a short name, who and where from, and how to load it (RGB uint8)."""

    name: str
    description: str
    tuned_on: bool
    load: Callable[[], Picture]

    def save(self, directory: Path) -> Path:
        """The photo as a PNG in ``directory`` (for commands that take a file)."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.png"
        if not path.exists():
            Image.fromarray(self.load()).save(path)
        return path


def _astronaut() -> Picture:
    from skimage import data

    return np.asarray(data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]


def _hopper() -> Picture:
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


def _curie() -> Picture:
    return np.asarray(Image.open(FACES_DIR / "curie.png").convert("RGB"), dtype=np.uint8)


FACES = (
    FacePhoto(
        "astronaut", "Eileen Collins, NASA 1994 (scikit-image `astronaut`), 512×512 colour", True, _astronaut
    ),
    FacePhoto(
        "hopper", "Grace Hopper, US Navy 1984 (matplotlib sample data), 512×600 colour", False, _hopper
    ),
    FacePhoto("curie", "Marie Curie, c. 1920 (pyrtools `DATA/Curie.pgm`), 256×256 greyscale", False, _curie),
)

"""A talking portrait: one photo and one face, driven frame by frame by mouth curves.

``Portrait.prepare(image, face)`` does the per-photo work once (rig, triangles, colours);
``Portrait.frame(params)`` draws one frame; ``portrait_frames`` yields every frame of a
``MouthCurves``, with blinks unless ``still``. Same seed, same frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MouthCurves
from mundwerk.face.landmarks import Face
from mundwerk.face.mesh import INNER_LIP_RING, CanonicalMesh, canonical_mesh, closing_triangles
from mundwerk.render.mouth_interior import MouthColours, paint_mouth
from mundwerk.render.warp import FaceRig, Warper

Image = npt.NDArray[np.uint8]

#: Blinks: one every 2–6 s, each closing and opening over this many milliseconds.
BLINK_GAP_S = (2.0, 6.0)
BLINK_MS = (150.0, 300.0)


@dataclass(frozen=True, slots=True, eq=False)
class Portrait:
    """A photo prepared for animation."""

    image: Image
    rig: FaceRig
    warper: Warper
    colours: MouthColours

    @classmethod
    def prepare(cls, image: Image, face: Face, mesh: CanonicalMesh | None = None) -> Portrait:
        mesh = mesh or canonical_mesh()
        rig = FaceRig.of(face.landmarks_px)
        height, width = image.shape[:2]
        mouth = closing_triangles(mesh, INNER_LIP_RING)
        warper = Warper.of(rig, np.asarray(mesh.triangles), mouth, (width, height))
        colours = MouthColours.sample(image, rig.points)
        return cls(image, rig, warper, colours)

    def frame(self, params: Mapping[str, float], blink: float = 0.0) -> Image:
        """The photo with the mouth at ``params`` and the eyes ``blink`` closed (0..1)."""
        targets = self.rig.targets(params, blink)
        output = self.warper.warp(self.image, self.rig.points, targets)
        jaw_open = float(params.get("jaw_open", 0.0))
        paint_mouth(output, targets, self.colours, self.rig.frame.height_px, jaw_open)
        return output


def blink_curve(frame_count: int, fps: float, seed: int) -> npt.NDArray[np.float64]:
    """Eyelid closure per frame (0 open, 1 shut): a blink every 2–6 s, seeded."""
    rng = np.random.default_rng(seed)
    closure = np.zeros(frame_count)
    times = np.arange(frame_count) / fps
    start = float(rng.uniform(0.8, BLINK_GAP_S[1] / 2))
    end_s = frame_count / fps
    while start < end_s:
        length = float(rng.uniform(*BLINK_MS)) / 1000
        phase = (times - start) / length
        inside = (phase >= 0) & (phase <= 1)
        closure[inside] = np.maximum(closure[inside], np.sin(np.pi * phase[inside]))
        start += length + float(rng.uniform(*BLINK_GAP_S))
    return closure


def portrait_frames(
    portrait: Portrait, curves: MouthCurves, seed: int = 0, still: bool = False
) -> Iterator[Image]:
    """Every frame of ``curves`` drawn on ``portrait``; frame ``k`` shows time ``k / fps``."""
    blinks = np.zeros(curves.frame_count) if still else blink_curve(curves.frame_count, curves.fps, seed)
    for index in range(curves.frame_count):
        params = dict(zip(curves.names, (float(value) for value in curves.values[index]), strict=True))
        yield portrait.frame(params, float(blinks[index]))

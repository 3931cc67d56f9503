"""A talking portrait: one photo and one face, driven frame by frame by mouth curves.

``Portrait.prepare(image, face)`` does the per-photo work once (rig, triangles, colours);
``Portrait.frame(params, pose)`` draws one frame; ``portrait_frames`` yields every frame of a
``MouthCurves`` with an ``IdleMotion`` (blinks, gaze, brows, head; see ``mouth.idle``) unless
``still``. Same motion, same frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MouthCurves
from mundwerk.face.landmarks import Face
from mundwerk.face.mesh import INNER_LIP_RING, CanonicalMesh, canonical_mesh, closing_triangles
from mundwerk.mouth.idle import IdleMotion, IdlePose, idle_motion
from mundwerk.render.motion import MotionRig
from mundwerk.render.mouth_interior import MouthColours, paint_mouth
from mundwerk.render.warp import FaceRig, Warper

Image = npt.NDArray[np.uint8]

AT_REST = IdlePose()


@dataclass(frozen=True, slots=True, eq=False)
class Portrait:
    """A photo prepared for animation."""

    image: Image
    rig: FaceRig
    warper: Warper
    colours: MouthColours
    motion: MotionRig

    @classmethod
    def prepare(cls, image: Image, face: Face, mesh: CanonicalMesh | None = None) -> Portrait:
        mesh = mesh or canonical_mesh()
        rig = FaceRig.of(face.landmarks_px)
        height, width = image.shape[:2]
        mouth = closing_triangles(mesh, INNER_LIP_RING)
        warper = Warper.of(rig, np.asarray(mesh.triangles), mouth, (width, height))
        colours = MouthColours.sample(image, rig.points)
        motion = MotionRig.of(face.landmarks_px, rig, (width, height))
        return cls(image, rig, warper, colours, motion)

    def frame(self, params: Mapping[str, float], pose: IdlePose = AT_REST) -> Image:
        """The photo with the mouth at ``params`` and the eyes, brows and head at ``pose``."""
        targets = self.motion.shift_brows(self.rig.targets(params, pose.blink), pose)
        output = self.warper.warp(self.image, self.rig.points, targets)
        jaw_open = float(params.get("jaw_open", 0.0))
        tongue_up = float(params.get("tongue_tip_up", 0.0))
        paint_mouth(output, targets, self.colours, self.rig.frame.height_px, jaw_open, tongue_up)
        self.motion.move_irises(output, targets, pose)
        self.motion.move_head(output, pose)
        return output


def portrait_frames(
    portrait: Portrait,
    curves: MouthCurves,
    seed: int = 0,
    still: bool = False,
    motion: IdleMotion | None = None,
) -> Iterator[Image]:
    """Every frame of ``curves`` drawn on ``portrait``; frame ``k`` shows time ``k / fps``.

    ``motion`` is the idle motion per frame (from the speech's prosody, see ``rendering``);
    without it a quiet one is made from ``seed``; ``still`` leaves only mouth and jaw moving.
    """
    if still or motion is None:
        motion = idle_motion(curves.frame_count, curves.fps, seed=seed, still=still)
    for index in range(curves.frame_count):
        params = dict(zip(curves.names, (float(value) for value in curves.values[index]), strict=True))
        pose = motion.at(index) if index < motion.frame_count else AT_REST
        yield portrait.frame(params, pose)

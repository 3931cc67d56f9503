"""The canonical 3D face mesh inside ``face_landmarker.task`` (468 vertices, 898 triangles).

The asset is a zip; its ``geometry_pipeline_metadata_landmarks.binarypb`` is a protobuf
``GeometryPipelineMetadata`` whose field 1 is a ``Mesh3d``: vertex_type (1),
primitive_type (2), vertex_buffer (3, floats, five per vertex: x y z u v) and
index_buffer (4, uint32, three per triangle). The few wire-format rules needed are read
here directly, so no generated protobuf code is required. Vertex i is landmark i; the ten
iris landmarks (468–477) have no vertex. Units are centimetres, y up, the face looking +z.

The mesh is one topological disc bounded by the face oval: triangles close the mouth
(18, spanning the inner-lip ring) and each eye (14). A warp that opens the mouth must treat
those triangles as the oral cavity, not as skin (``closing_triangles``).
"""

from __future__ import annotations

import functools
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from mundwerk.core.errors import AssetError
from mundwerk.core.protobuf_wire import WireFormatError, fields, repeated_varints
from mundwerk.face.assets import face_landmarker_path

#: Closed loops of landmark indices, in order around the opening.
INNER_LIP_RING = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
RIGHT_EYE_RING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_RING = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)

_T = TypeVar("_T", bound=np.generic)
#: One field's wire value: an int for varints, else the raw bytes.
_Value = bytes | int

METADATA_MEMBER = "geometry_pipeline_metadata_landmarks.binarypb"
VERTEX_COUNT = 468
TRIANGLE_COUNT = 898
_FLOATS_PER_VERTEX = 5
_MESH_FIELD, _VERTEX_FIELD, _INDEX_FIELD = 1, 3, 4


@dataclass(frozen=True, eq=False)
class CanonicalMesh:
    """Vertices (468×3, cm), texture coordinates (468×2) and triangles (898×3 vertex indices)."""

    vertices_cm: npt.NDArray[np.float32]
    uv: npt.NDArray[np.float32]
    triangles: npt.NDArray[np.int32]


@functools.cache
def canonical_mesh(task_path: Path | None = None) -> CanonicalMesh:
    """The canonical mesh of the cached asset (or of ``task_path``), read once."""
    path = task_path or face_landmarker_path()
    try:
        with zipfile.ZipFile(path) as archive:
            blob = archive.read(METADATA_MEMBER)
    except (OSError, zipfile.BadZipFile, KeyError) as e:
        raise AssetError(f"cannot read {METADATA_MEMBER} from {path}: {e}") from e
    return parse_metadata(blob)


def parse_metadata(blob: bytes) -> CanonicalMesh:
    """The canonical mesh out of serialized GeometryPipelineMetadata."""
    mesh_fields = _fields(blob).get(_MESH_FIELD)
    if not mesh_fields:
        raise AssetError("geometry metadata holds no canonical mesh")
    mesh_blob = mesh_fields[-1]
    if isinstance(mesh_blob, int):
        raise AssetError("geometry metadata's canonical mesh is not a message")
    fields = _fields(mesh_blob)
    floats = _repeated_floats(fields.get(_VERTEX_FIELD, []))
    indices = _repeated_varints(fields.get(_INDEX_FIELD, []))
    if len(floats) != VERTEX_COUNT * _FLOATS_PER_VERTEX or len(indices) != TRIANGLE_COUNT * 3:
        raise AssetError(f"unexpected canonical mesh size: {len(floats)} floats, {len(indices)} indices")
    buffer = np.array(floats, dtype=np.float32).reshape(VERTEX_COUNT, _FLOATS_PER_VERTEX)
    triangles = np.array(indices, dtype=np.int32).reshape(TRIANGLE_COUNT, 3)
    if triangles.max() >= VERTEX_COUNT:
        raise AssetError(f"canonical mesh index {triangles.max()} out of range")
    return CanonicalMesh(_frozen(buffer[:, :3]), _frozen(buffer[:, 3:]), _frozen(triangles))


def closing_triangles(mesh: CanonicalMesh, ring: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Mask of the triangles that fill the opening bounded by ``ring`` (all corners on it)."""
    return np.asarray(np.isin(mesh.triangles, ring).all(axis=1), dtype=np.bool_)


def _frozen(array: npt.NDArray[_T]) -> npt.NDArray[_T]:
    copy = np.ascontiguousarray(array)
    copy.setflags(write=False)
    return copy


def _fields(blob: bytes) -> dict[int, list[_Value]]:
    """Protobuf field values by number, in order."""
    found: dict[int, list[_Value]] = {}
    try:
        for field in fields(blob):
            found.setdefault(field.number, []).append(field.value)
    except WireFormatError as e:
        raise AssetError(f"{e} in geometry metadata") from e
    return found


def _repeated_floats(values: list[_Value]) -> list[float]:
    """Floats of a repeated float field, packed (wire 2) or not (wire 5)."""
    floats: list[float] = []
    for value in values:
        if isinstance(value, int) or len(value) % 4:
            raise AssetError("malformed float field in geometry metadata")
        floats.extend(struct.unpack(f"<{len(value) // 4}f", value))
    return floats


def _repeated_varints(values: list[_Value]) -> list[int]:
    """Integers of a repeated varint field, packed or not."""
    try:
        return repeated_varints(values)
    except WireFormatError as e:
        raise AssetError(f"{e} in geometry metadata") from e

"""The canonical face mesh read from the asset, and mouth measurements on landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from mundwerk.core.errors import AssetError
from mundwerk.face.assets import ensure_face_landmarker
from mundwerk.face.mesh import (
    INNER_LIP_RING,
    LEFT_EYE_RING,
    RIGHT_EYE_RING,
    TRIANGLE_COUNT,
    VERTEX_COUNT,
    CanonicalMesh,
    canonical_mesh,
    closing_triangles,
    parse_metadata,
)
from mundwerk.face.mouth_measure import LIPS_CLOSED_MAX_OPENING, measure_mouth


@pytest.fixture(scope="module")
def mesh() -> CanonicalMesh:
    return canonical_mesh(ensure_face_landmarker())


def test_mesh_sizes_and_ranges(mesh: CanonicalMesh) -> None:
    assert mesh.vertices_cm.shape == (VERTEX_COUNT, 3) == (468, 3)
    assert mesh.triangles.shape == (TRIANGLE_COUNT, 3) == (898, 3)
    assert mesh.uv.shape == (468, 2)
    assert ((mesh.uv >= 0) & (mesh.uv <= 1)).all()
    assert set(np.unique(mesh.triangles)) == set(range(VERTEX_COUNT))  # every vertex used
    assert not mesh.vertices_cm.flags.writeable and not mesh.triangles.flags.writeable


def test_mesh_is_a_face_sized_symmetric_shape(mesh: CanonicalMesh) -> None:
    vertices = mesh.vertices_cm
    assert 13 < np.ptp(vertices[:, 0]) < 18  # about 15 cm ear to ear
    assert vertices[:, 0].min() == pytest.approx(-vertices[:, 0].max(), abs=1e-3)
    mirrored = vertices * np.array([-1, 1, 1], dtype=np.float32)
    nearest = np.min(np.linalg.norm(vertices[:, None] - mirrored[None], axis=2), axis=1)
    assert nearest.max() < 0.05  # every vertex has a mirror twin
    nose_tip, chin = vertices[1], vertices[152]
    assert nose_tip[2] == pytest.approx(vertices[:, 2].max(), abs=0.5)  # the nose points at +z
    assert chin[1] < nose_tip[1]  # y up


def test_mesh_is_one_disc_bounded_by_the_face_oval(mesh: CanonicalMesh) -> None:
    edges = np.sort(mesh.triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    assert counts.max() == 2  # manifold: an edge borders at most two triangles
    assert VERTEX_COUNT - len(unique) + TRIANGLE_COUNT == 1  # Euler characteristic of a disc
    boundary = unique[counts == 1]
    assert len(boundary) == 36
    assert 10 in boundary and 152 in boundary  # forehead top and chin lie on the oval


@pytest.mark.parametrize(("ring", "count"), [(INNER_LIP_RING, 18), (RIGHT_EYE_RING, 14), (LEFT_EYE_RING, 14)])
def test_mouth_and_eyes_are_closed_by_triangles(
    mesh: CanonicalMesh, ring: tuple[int, ...], count: int
) -> None:
    mask = closing_triangles(mesh, ring)
    assert mask.sum() == count == len(ring) - 2  # a fan-like triangulation of the ring's polygon
    ring_edges = {frozenset(pair) for pair in zip(ring, ring[1:] + ring[:1], strict=True)}
    mesh_edges = {frozenset(map(int, t[[i, (i + 1) % 3]])) for t in mesh.triangles for i in range(3)}
    assert ring_edges <= mesh_edges  # the ring is an ordered loop of mesh edges


def test_garbage_metadata_is_an_asset_error() -> None:
    with pytest.raises(AssetError):
        parse_metadata(b"\x0a\xff")
    with pytest.raises(AssetError, match="no canonical mesh"):
        parse_metadata(b"")


def _landmarks(gap_px: float) -> np.ndarray:
    points = np.zeros((478, 3), dtype=np.float32)
    points[33] = (100, 100, 0)
    points[263] = (200, 100, 0)  # eye corners 100 px apart
    points[61] = (120, 200, 5)
    points[291] = (180, 200, 5)  # mouth 60 px wide
    points[13] = (150, 195, 0)
    points[14] = (150, 195 + gap_px, 0)
    return points


def test_mouth_measure_known_answer() -> None:
    mouth = measure_mouth(_landmarks(12))
    assert mouth.face_scale_px == pytest.approx(100)
    assert mouth.opening_px == pytest.approx(12) and mouth.opening == pytest.approx(0.12)
    assert mouth.width_px == pytest.approx(60) and mouth.width == pytest.approx(0.6)
    assert not mouth.lips_closed


def test_lip_closure_threshold() -> None:
    assert measure_mouth(_landmarks(0)).lips_closed
    assert measure_mouth(_landmarks(100 * LIPS_CLOSED_MAX_OPENING * 0.9)).lips_closed
    assert not measure_mouth(_landmarks(100 * LIPS_CLOSED_MAX_OPENING * 1.1)).lips_closed


def test_mouth_measure_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match="478, 3"):
        measure_mouth(np.zeros((68, 2), dtype=np.float32))

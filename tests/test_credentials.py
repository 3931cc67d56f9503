"""Content credentials: local keys, signing MP4/PNG/JPEG/WAV, and reading the manifest back."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from certificates import make_chain
from media import tone, write_tone_wav, write_video
from mundwerk.provenance.credentials import (
    TRAINED_ALGORITHMIC_MEDIA,
    C2paState,
    CredentialsError,
    Ingredient,
    read_credentials,
    sign_file,
)
from mundwerk.provenance.keys import (
    CONFIG_DIR_ENV,
    SigningKeyError,
    SigningKeys,
    config_dir,
    keys_dir,
    local_ca_path,
    local_keys,
)

SEED = 5


def noise_png(path: Path, side: int = 256) -> Path:
    Image.fromarray(np.random.default_rng(SEED).integers(0, 256, (side, side, 3), dtype=np.uint8)).save(path)
    return path


def noise_jpeg(path: Path, side: int = 256) -> Path:
    image = np.random.default_rng(SEED).integers(0, 256, (side, side, 3), dtype=np.uint8)
    Image.fromarray(image).save(path, format="JPEG", quality=90)
    return path


def short_mp4(path: Path) -> Path:
    return write_video(path, tone(440, 1000, 48_000), 48_000, 1000)


def short_wav(path: Path) -> Path:
    return write_tone_wav(path, 440, 500)


MAKERS: dict[str, Callable[[Path], Path]] = {
    "mp4": short_mp4,
    "png": noise_png,
    "jpg": noise_jpeg,
    "wav": short_wav,
}

#: Where each format keeps its media data (the byte flipped lies inside it).
MEDIA_DATA = {"mp4": b"mdat", "png": b"IDAT", "jpg": b"\xff\xda", "wav": b"data"}


def flip_media_byte(path: Path, suffix: str) -> None:
    """Invert one byte well inside the media data (not in the manifest or a header)."""
    data = bytearray(path.read_bytes())
    # The JPEG manifest (APP11) comes before the scan; the others' media data before the manifest.
    find = data.rindex if suffix == "jpg" else data.index
    position = find(MEDIA_DATA[suffix]) + 64
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture(params=sorted(MAKERS))
def media(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    suffix = str(request.param)
    return MAKERS[suffix](tmp_path / f"out.{suffix}")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return noise_png(tmp_path / "face.png", 64)


def test_local_keys_are_a_ca_and_a_signer_it_issued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "config"))
    keys = local_keys()
    assert keys_dir() == tmp_path / "config" / "keys"
    assert stat.S_IMODE(keys_dir().stat().st_mode) == 0o700
    for name in ("ca-key.pem", "signer-key.pem"):
        assert stat.S_IMODE((keys_dir() / name).stat().st_mode) == 0o600
    signer, ca = x509.load_pem_x509_certificates(keys.chain_pem)
    assert signer.issuer == ca.subject != signer.subject  # not self-signed: c2pa refuses that
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in usage
    authority = signer.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    subject_key = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority.key_identifier == subject_key.digest
    assert keys.algorithm == "es256"
    assert local_keys() == keys  # made once, then reused


def test_config_dir_follows_xdg_unless_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_DIR_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "mundwerk"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "mundwerk"


def test_an_expired_local_signer_is_issued_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    first = local_keys()
    expired = make_chain(tmp_path / "old", valid_days=(-30, -1))
    (keys_dir() / "signer.pem").write_bytes(expired.chain.read_bytes())
    renewed = local_keys()
    assert renewed.chain_pem != first.chain_pem
    assert x509.load_pem_x509_certificates(renewed.chain_pem)[1] == x509.load_pem_x509_certificate(
        local_ca_path().read_bytes()
    )


def test_sign_and_read_back(media: Path, photo: Path) -> None:
    suffix = media.suffix[1:]
    sign_file(media, ingredients=[photo], watermarked=True, job_id=123456)
    assert sorted(os.listdir(media.parent)) == sorted(["face.png", media.name])  # no temporary left
    credentials = read_credentials(media)
    assert credentials.state is C2paState.VALID, credentials.reasons
    assert credentials.by_mundwerk and not credentials.tampered
    assert credentials.generator is not None and credentials.generator.startswith("mundwerk ")
    assert (credentials.watermarked, credentials.job_id) == (True, 123456)
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert credentials.ingredients == (Ingredient("face.png", digest, "image/png"),)
    assert read_credentials(media, [local_ca_path()]).state is C2paState.TRUSTED
    flip_media_byte(media, suffix)
    tampered = read_credentials(media)
    assert tampered.state is C2paState.INVALID and tampered.tampered
    assert any(reason.startswith("tampered") for reason in tampered.reasons)


def test_the_manifest_says_created_by_a_trained_algorithm(tmp_path: Path) -> None:
    png = noise_png(tmp_path / "a.png")
    sign_file(png, ingredients=[], watermarked=False, job_id=None)
    with open(png, "rb") as stream, c2pa.Reader("image/png", stream) as reader:
        store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"][
        "actions"
    ]
    assert [(a["action"], a["digitalSourceType"]) for a in actions] == [
        ("c2pa.created", TRAINED_ALGORITHMIC_MEDIA)
    ]
    watermark = next(a for a in manifest["assertions"] if a["label"] == "org.mundwerk.watermark")["data"]
    assert watermark == {"embedded": False, "job_id": None}
    assert read_credentials(png).watermarked is False


@pytest.mark.parametrize("suffix", ["png", "jpg", "mp4"])
def test_no_thumbnail_anywhere_in_the_manifest(suffix: str, tmp_path: Path) -> None:
    path = MAKERS[suffix](tmp_path / f"a.{suffix}")
    photo = noise_jpeg(tmp_path / "face.jpg")
    before = path.stat().st_size
    sign_file(path, ingredients=[photo], watermarked=True, job_id=1)
    with (
        open(path, "rb") as stream,
        c2pa.Reader(f"image/{suffix}" if suffix != "mp4" else "video/mp4", stream) as reader,
    ):
        store = reader.json() + reader.detailed_json()
    assert "thumbnail" not in store.lower()
    assert b"thumbnail" not in path.read_bytes()
    # c2pa's default 1024 px thumbnail of a 256 px noise image would be tens of kB.
    assert path.stat().st_size - before < 12_000


def test_inline_ingredients_are_known_by_hash(tmp_path: Path) -> None:
    wav = short_wav(tmp_path / "a.wav")
    text = Ingredient("text", hashlib.sha256(b"Hello.").hexdigest(), "text/plain")
    sign_file(wav, ingredients=[text], watermarked=False, job_id=None)
    assert read_credentials(wav).ingredients == (text,)
    assert b"Hello." not in wav.read_bytes()


def test_bring_your_own_chain(tmp_path: Path) -> None:
    own = make_chain(tmp_path / "own", "studio")
    keys = SigningKeys.from_files(own.chain, own.key)
    png = noise_png(tmp_path / "a.png")
    sign_file(png, ingredients=[], watermarked=False, job_id=None, keys=keys)
    credentials = read_credentials(png, [own.ca])
    assert credentials.state is C2paState.TRUSTED and credentials.signer is not None
    assert "studio signer" in credentials.signer
    assert read_credentials(png, [local_ca_path()]).state is C2paState.VALID


def test_a_certificate_that_does_not_match_its_key(tmp_path: Path) -> None:
    first, second = make_chain(tmp_path, "first"), make_chain(tmp_path, "second")
    with pytest.raises(SigningKeyError, match="the certificate does not match the private key") as error:
        SigningKeys.from_files(first.chain, second.key)
    assert error.value.exit_code == 2


def test_an_expired_certificate(tmp_path: Path) -> None:
    old = make_chain(tmp_path, "old", valid_days=(-400, -35))
    with pytest.raises(SigningKeyError, match=r"'CN=old signer' expired on \d{4}-\d\d-\d\d") as error:
        SigningKeys.from_files(old.chain, old.key)
    assert error.value.exit_code == 2


def test_unreadable_key_files(tmp_path: Path) -> None:
    chain = make_chain(tmp_path)
    with pytest.raises(SigningKeyError, match="private key not found"):
        SigningKeys.from_files(chain.chain, tmp_path / "missing.pem")
    with pytest.raises(SigningKeyError, match="not a PEM certificate chain"):
        SigningKeys.from_files(chain.key, chain.key)
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        SigningKeys.from_files(chain.chain, chain.chain)


def test_a_failed_signing_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(CredentialsError, match="cannot sign PNG file"):
        sign_file(broken, ingredients=[], watermarked=False, job_id=None)
    assert broken.read_bytes() == b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert os.listdir(tmp_path) == ["broken.png"]


def test_an_unwritable_config_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(CONFIG_DIR_ENV, str(blocker))
    with pytest.raises(SigningKeyError, match=f"cannot make signing keys in {blocker / 'keys'}: ") as error:
        local_keys()
    assert error.value.exit_code == 2
    assert "MUNDWERK_CONFIG_DIR" in str(error.value)

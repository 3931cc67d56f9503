"""Content credentials (C2PA): sign what mundwerk wrote, and read back what a file claims.

A signed manifest says: this was created (``c2pa.created``) by a trained algorithm
(IPTC ``trainedAlgorithmicMedia``) with mundwerk <version>; these inputs went in, known by
file name and SHA-256 only (never a thumbnail: the manifest must not copy the face); an
invisible watermark was (or was not) embedded, with this job id. Signing works offline: no
timestamp authority is asked, so validity is judged against the certificate's dates.
"""

from __future__ import annotations

import enum
import hashlib
import io
import json
import mimetypes
import os
import struct
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import c2pa

from mundwerk.core.errors import MundwerkError
from mundwerk.core.file_modes import publish
from mundwerk.provenance.keys import SigningKeyError, SigningKeys, local_keys
from mundwerk.provenance.media import MediaKind, check_complete, media_kind, sniff

GENERATOR = "mundwerk"
CREATED = "c2pa.created"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
#: mundwerk's own assertion: whether a watermark was embedded, and the job id it carries.
WATERMARK_LABEL = "org.mundwerk.watermark"
#: Key of an ingredient's SHA-256 in its ``metadata``.
SHA256_KEY = "org.mundwerk.sha256"
#: Validation codes that mean the signed media bytes changed after signing.
_TAMPER_CODES = ("dataHash.mismatch", "bmffHash.mismatch", "boxesHash.mismatch", "collectionHash.mismatch")
_BLOCK = 1 << 20
#: c2pa keeps its working copy of a file in memory up to this size, then on disk. It still
#: reads the whole file while signing (peak memory about twice the file; docs/credentials.md).
BACKING_STORE_MB = 16


class CredentialsError(MundwerkError):
    """Signing failed for a reason other than the keys."""


class C2paState(enum.Enum):
    """What a file's content credentials amount to."""

    ABSENT = "absent"  # no manifest at all
    INVALID = "invalid"  # a manifest whose signature, hashes or certificate fail
    VALID = "valid"  # intact and well signed, by a signer nobody here vouches for
    TRUSTED = "trusted"  # valid, and the signer's chain ends in a trusted CA


@dataclass(frozen=True, slots=True)
class Ingredient:
    """An input, known by name and content hash only."""

    title: str
    sha256: str
    mime_type: str

    @classmethod
    def of_file(cls, path: str | Path) -> Ingredient:
        path = Path(path)
        return cls(path.name, file_sha256(path), _mime_type(path))

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "sha256": self.sha256, "format": self.mime_type}


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the active manifest of a file says, and whether it holds up."""

    state: C2paState
    reasons: tuple[str, ...] = ()
    #: The claim generator (name and version), e.g. "mundwerk 0.1.0"; None when absent.
    generator: str | None = None
    #: True when the manifest is mundwerk's own (its claim generator and its assertion).
    by_mundwerk: bool = False
    tampered: bool = False
    watermarked: bool | None = None
    job_id: int | None = None
    signer: str | None = None
    ingredients: tuple[Ingredient, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "reasons": list(self.reasons),
            "generator": self.generator,
            "by_mundwerk": self.by_mundwerk,
            "tampered": self.tampered,
            "watermark_embedded": self.watermarked,
            "job_id": self.job_id,
            "signer": self.signer,
            "ingredients": [ingredient.to_dict() for ingredient in self.ingredients],
        }


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def mundwerk_version() -> str:
    try:
        return metadata.version("mundwerk")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- signing -------------------------------------------------------------------------------------


def sign_file(
    path: str | Path,
    *,
    ingredients: Sequence[str | Path | Ingredient] = (),
    watermarked: bool,
    job_id: int | None,
    keys: SigningKeys | None = None,
    title: str | None = None,
) -> None:
    """Embed a signed manifest in the MP4, MOV, PNG, JPEG or WAV file at ``path``.

    The signed file is written beside it and renamed over it: ``path`` is either the old
    file or the fully signed one, never half of either. ``keys`` default to the local ones.
    """
    target = Path(path)
    kind = media_kind(target)
    keys = keys or local_keys()
    definition = manifest_definition(
        title or target.name, [_ingredient(item) for item in ingredients], watermarked, job_id
    )
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".signing", dir=target.parent)
    try:
        with open(target, "rb") as source, os.fdopen(handle, "w+b") as destination:
            _sign_stream(definition, keys, kind, source, destination)
        publish(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def manifest_definition(
    title: str, ingredients: Sequence[Ingredient], watermarked: bool, job_id: int | None
) -> dict[str, Any]:
    """The manifest mundwerk signs (c2pa-python's JSON manifest definition)."""
    version = mundwerk_version()
    agent = {"name": GENERATOR, "version": version}
    created = {"action": CREATED, "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent}
    return {
        "claim_generator_info": [agent],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [created]}},
            {"label": WATERMARK_LABEL, "data": {"embedded": watermarked, "job_id": job_id}},
        ],
        "ingredients": [
            {
                "title": item.title,
                "format": item.mime_type,
                "relationship": "inputTo",
                "metadata": {SHA256_KEY: item.sha256},
            }
            for item in ingredients
        ],
    }


def _ingredient(item: str | Path | Ingredient) -> Ingredient:
    return item if isinstance(item, Ingredient) else Ingredient.of_file(item)


def _mime_type(path: Path) -> str:
    with open(path, "rb") as stream:
        kind = sniff(stream.read(16))
    if kind is not None:
        return kind.mime_type
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _signing_settings() -> dict[str, Any]:
    return {
        "builder": {
            "thumbnail": {"enabled": False},
            "claim_generator_info": {"name": GENERATOR, "version": mundwerk_version()},
        },
        # The signature is checked right after signing; trust is the reader's business.
        "verify": {"verify_after_sign": True, "verify_trust": False, "remote_manifest_fetch": False},
        "core": {"backing_store_memory_threshold_in_mb": BACKING_STORE_MB},
    }


def _sign_stream(
    definition: dict[str, Any], keys: SigningKeys, kind: MediaKind, source: Any, destination: Any
) -> None:
    try:
        info = c2pa.C2paSignerInfo(keys.algorithm.encode(), keys.chain_pem, keys.key_pem, None)
        signer = c2pa.Signer.from_info(info)
    except c2pa.C2paError as error:
        raise _refused(keys, error) from error
    try:
        with c2pa.Context.from_dict(_signing_settings()) as context:
            builder = c2pa.Builder(definition, context=context)
            builder.sign(signer, kind.mime_type, source, destination)
    except c2pa.C2paError as error:
        if "certificate" in str(error).lower() or isinstance(error, c2pa.C2paError.Signature):
            raise _refused(keys, error) from error
        raise CredentialsError(f"cannot sign {kind.name} file: {_short(error)}") from error
    finally:
        signer.close()


def check_signing_keys(keys: SigningKeys) -> None:
    """Sign a one-pixel PNG in memory: c2pa's own checks of the certificate profile (extended
    key usage, ...) fail here, before a writer does any work, rather than after it."""
    definition = manifest_definition("check.png", [], watermarked=False, job_id=None)
    _sign_stream(definition, keys, MediaKind.PNG, io.BytesIO(_one_pixel_png()), io.BytesIO())


def _one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit grey
    pixels = zlib.compress(b"\x00\x80")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _refused(keys: SigningKeys, error: Exception) -> SigningKeyError:
    return SigningKeyError(f"c2pa refused the signing keys ({_short(error)}): {keys.source}")


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


# --- reading -------------------------------------------------------------------------------------


def read_credentials(path: str | Path, trust: Sequence[str | Path] = ()) -> Credentials:
    """The content credentials of the file at ``path``, validated offline.

    ``trust`` names PEM files of CA certificates: a valid signature whose chain ends in
    one of them (or in c2pa's built-in trust list) is ``trusted``. Raises for files that
    are not a supported media type, or are truncated.
    """
    kind = media_kind(path)
    check_complete(path, kind)
    anchors = b"".join(_read_anchor(Path(item)) for item in trust)
    try:
        with c2pa.Context.from_dict(_reading_settings(anchors)) as context, open(path, "rb") as stream:
            reader = c2pa.Reader.try_create(kind.mime_type, stream, None, context)
            if reader is None:
                return Credentials(C2paState.ABSENT)
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as error:
        return Credentials(C2paState.INVALID, (f"the manifest cannot be read: {_short(error)}",))
    return credentials_from_store(store)


def _read_anchor(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningKeyError(f"cannot read trust anchors {path}: {error.strerror}") from error
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise SigningKeyError(f"not a PEM certificate file: {path}")
    return data if data.endswith(b"\n") else data + b"\n"


def _reading_settings(anchors: bytes) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": True}
    }
    if anchors:
        settings["trust"] = {"user_anchors": anchors.decode("ascii")}
    return settings


def credentials_from_store(store: dict[str, Any]) -> Credentials:
    """Interpret c2pa's manifest store JSON (``Reader.json()``)."""
    manifest = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    failures = _failures(store)
    tampered = any(code.endswith(_TAMPER_CODES) for code, _ in failures)
    state = _state(store.get("validation_state"), failures)
    reasons = tuple(_reason(code, explanation) for code, explanation in failures)
    watermark = _assertion(manifest, WATERMARK_LABEL)
    generator = _generator(manifest)
    return Credentials(
        state=state,
        reasons=reasons,
        generator=generator,
        by_mundwerk=watermark is not None and (generator or "").split(" ")[0] == GENERATOR,
        tampered=tampered,
        watermarked=_optional_bool(watermark, "embedded"),
        job_id=_optional_int(watermark, "job_id"),
        signer=_signer(manifest),
        ingredients=tuple(_read_ingredient(item) for item in manifest.get("ingredients", [])),
    )


def _failures(store: dict[str, Any]) -> list[tuple[str, str]]:
    results = store.get("validation_results", {}).get("activeManifest", {})
    entries = results.get("failure", []) if results else store.get("validation_status", [])
    return [(str(entry.get("code", "")), str(entry.get("explanation", ""))) for entry in entries]


def _state(validation_state: str | None, failures: list[tuple[str, str]]) -> C2paState:
    if validation_state == "Trusted":
        return C2paState.TRUSTED
    if validation_state == "Valid":
        return C2paState.VALID
    return C2paState.INVALID


def _reason(code: str, explanation: str) -> str:
    if code.endswith(_TAMPER_CODES):
        return f"tampered: the media data no longer matches its signed hash ({code})"
    if code == "signingCredential.untrusted":
        return f"the signer's certificate chain ends in no trusted CA ({code})"
    return f"{explanation} ({code})" if explanation else code


def _assertion(manifest: dict[str, Any], label: str) -> dict[str, Any] | None:
    for assertion in manifest.get("assertions", []):
        if assertion.get("label") == label and isinstance(assertion.get("data"), dict):
            data: dict[str, Any] = assertion["data"]
            return data
    return None


def _generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict) and info[0].get("name"):
        return " ".join(str(info[0][key]) for key in ("name", "version") if info[0].get(key))
    generator = manifest.get("claim_generator")
    return str(generator) if generator else None


def _signer(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("signature_info") or {}
    parts = [str(info[key]) for key in ("common_name", "issuer") if info.get(key)]
    return " / ".join(parts) or None


def _read_ingredient(item: dict[str, Any]) -> Ingredient:
    digest = (item.get("metadata") or {}).get(SHA256_KEY, "")
    return Ingredient(str(item.get("title", "")), str(digest), str(item.get("format", "")))


def _optional_bool(data: dict[str, Any] | None, key: str) -> bool | None:
    value = None if data is None else data.get(key)
    return value if isinstance(value, bool) else None


def _optional_int(data: dict[str, Any] | None, key: str) -> int | None:
    value = None if data is None else data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None

"""``mundwerk.verify(...)``: was this file made by mundwerk? Its content credentials and its watermark.

The two marks answer differently. Content credentials (C2PA) are exact but fragile: any
re-encode strips them, and a flipped byte breaks them (reported as tampered). The invisible
watermark survives re-encoding, scaling and cropping, but only says "mundwerk, job N".
A file counts as mundwerk's when either is found: an intact (``valid`` or ``trusted``)
manifest that mundwerk signed, or the watermark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mundwerk.core.errors import MundwerkError
from mundwerk.provenance.credentials import C2paState, Credentials, read_credentials
from mundwerk.provenance.media import MediaKind, UnsupportedMediaError, check_complete, sniff

#: States in which a manifest still vouches for the file.
INTACT = (C2paState.VALID, C2paState.TRUSTED)
NOT_COVERED = "content credentials are read from MP4, MOV, PNG, JPEG and WAV files only"


@dataclass(frozen=True, slots=True)
class WatermarkFinding:
    """What the watermark detector found (``checked`` is False where no watermark is looked for)."""

    checked: bool
    detected: bool = False
    job_id: int | None = None
    version: int | None = None
    confidence: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        payload = {"job_id": self.job_id, "version": self.version} if self.detected else None
        return {
            "checked": self.checked,
            "detected": self.detected,
            "payload": payload,
            "confidence": self.confidence,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer for one file."""

    path: Path
    credentials: Credentials
    watermark: WatermarkFinding
    reasons: tuple[str, ...] = field(default=())

    @property
    def signed_by_mundwerk(self) -> bool:
        return self.credentials.by_mundwerk and self.credentials.state in INTACT

    @property
    def made_by_mundwerk(self) -> bool:
        """Either mark found: exit code 0 of ``mundwerk verify``."""
        return self.signed_by_mundwerk or self.watermark.detected

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "made_by_mundwerk": self.made_by_mundwerk,
            "c2pa": self.credentials.to_dict(),
            "watermark": self.watermark.to_dict(),
        }


def verify(path: str | Path, *, trust: Sequence[str | Path] = ()) -> Verification:
    """Check ``path`` for mundwerk's content credentials and watermark.

    ``trust``: PEM files of CA certificates whose signers count as ``trusted``. Raises a
    ``MundwerkError`` for a file that is missing, not media, or truncated.
    """
    target = Path(path)
    kind = _kind(target)
    if kind is None:
        credentials = Credentials(C2paState.ABSENT, (NOT_COVERED,))
    else:
        check_complete(target, kind)
        credentials = read_credentials(target, trust)
    return Verification(target, credentials, _watermark(target, kind, credentials))


def _kind(path: Path) -> MediaKind | None:
    """The signable kind of ``path``; None for other audio/video that FFmpeg reads; else raises."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(16)
    except FileNotFoundError as error:
        raise MundwerkError(f"file not found: {path}") from error
    except OSError as error:
        raise MundwerkError(f"cannot read {path}: {error.strerror or error}") from error
    kind = sniff(head)
    if kind is None and not _other_media(path):
        raise UnsupportedMediaError(f"not a media file (video, image or audio): {path}")
    return kind


def _other_media(path: Path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            return any(stream.type in ("video", "audio") for stream in container.streams)
    except (av.FFmpegError, OSError, ValueError):
        return False


def _watermark(path: Path, kind: MediaKind | None, credentials: Credentials) -> WatermarkFinding:
    """The detector's finding. If it cannot read the file, that is the answer's note when the
    credentials already said something, and an error when nothing could be read at all."""
    from mundwerk.watermarking import detect_file

    if kind is MediaKind.WAV:
        return WatermarkFinding(checked=False, note="audio carries no watermark")
    try:
        detection = detect_file(path)
    except MundwerkError as error:
        if credentials.state is C2paState.ABSENT:
            raise
        return WatermarkFinding(checked=False, note=f"the detector could not read the file: {error}")
    payload = detection.payload
    return WatermarkFinding(
        checked=True,
        detected=bool(detection.detected),
        job_id=None if payload is None else int(payload.job_id),
        version=None if payload is None else int(payload.version),
        confidence=float(detection.confidence),
    )

"""What kind of file this is (from its bytes, not its name) and whether it is whole.

Content credentials cover MP4/MOV, PNG, JPEG and WAV. A file is judged by its first bytes;
its structure is then walked (ISO BMFF boxes, PNG chunks, RIFF chunks, JPEG end marker) so
that a truncated file is an error rather than a "tampered" verdict.
"""

from __future__ import annotations

import enum
import struct
from pathlib import Path
from typing import BinaryIO

from mundwerk.core.errors import MundwerkError

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_START, _JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"
#: JPEG writers may pad after the end-of-image marker; it must lie within this tail.
_JPEG_TAIL = 4096


class UnsupportedMediaError(MundwerkError):
    """A file that is not one of the media types content credentials cover here."""


class TruncatedMediaError(MundwerkError):
    """A media file whose structure ends before its data does (cut short)."""


class MediaKind(enum.Enum):
    """A signable media type, with its MIME type."""

    MP4 = "video/mp4"
    MOV = "video/quicktime"
    PNG = "image/png"
    JPEG = "image/jpeg"
    WAV = "audio/wav"

    @property
    def mime_type(self) -> str:
        return self.value


def sniff(head: bytes) -> MediaKind | None:
    """The kind of a file starting with ``head`` (at least 12 bytes), or None."""
    if head.startswith(_PNG_SIGNATURE):
        return MediaKind.PNG
    if head.startswith(_JPEG_START):
        return MediaKind.JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return MediaKind.WAV
    if head[4:8] == b"ftyp":
        return MediaKind.MOV if head[8:12] == b"qt  " else MediaKind.MP4
    return None


def media_kind(path: str | Path) -> MediaKind:
    """The kind of the file at ``path``; raises for a file that is missing, empty or not media."""
    kind = sniff(_head(Path(path)))
    if kind is None:
        raise UnsupportedMediaError(f"not an MP4, MOV, PNG, JPEG or WAV file: {path}")
    return kind


def check_complete(path: str | Path, kind: MediaKind) -> None:
    """Raise ``TruncatedMediaError`` if the file's structure runs past its end."""
    checks = {
        MediaKind.MP4: _check_boxes,
        MediaKind.MOV: _check_boxes,
        MediaKind.PNG: _check_png,
        MediaKind.WAV: _check_riff,
        MediaKind.JPEG: _check_jpeg,
    }
    size = Path(path).stat().st_size
    with open(path, "rb") as stream:
        problem = checks[kind](stream, size)
    if problem:
        raise TruncatedMediaError(f"truncated {kind.name} file ({problem}): {path}")


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(16)
    except FileNotFoundError as error:
        raise MundwerkError(f"file not found: {path}") from error
    except IsADirectoryError as error:
        raise MundwerkError(f"not a file: {path}") from error
    except OSError as error:
        raise MundwerkError(f"cannot read {path}: {error.strerror}") from error


def _check_boxes(stream: BinaryIO, size: int) -> str:
    """ISO BMFF: top-level boxes must tile the file, and the movie box must be there."""
    position, seen = 0, set()
    while position < size:
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            return f"a box header is cut at byte {position}"
        length, kind = struct.unpack(">I4s", header[:8])
        if length == 1:
            length = struct.unpack(">Q", header[8:16])[0] if len(header) == 16 else 0
        elif length == 0:
            length = size - position
        if length < 8:
            return f"a box at byte {position} has a size of {length}"
        if position + length > size:
            return f"the {kind.decode('latin-1')!r} box needs {position + length} bytes, the file has {size}"
        seen.add(kind)
        position += length
    return "" if b"moov" in seen else "it has no movie ('moov') box"


def _check_png(stream: BinaryIO, size: int) -> str:
    position = len(_PNG_SIGNATURE)
    while position + 8 <= size:
        stream.seek(position)
        length, kind = struct.unpack(">I4s", stream.read(8))
        position += 12 + length
        if position > size:
            return f"the {kind.decode('latin-1')!r} chunk runs past the end"
        if kind == b"IEND":
            return ""
    return "it has no end chunk"


def _check_riff(stream: BinaryIO, size: int) -> str:
    stream.seek(4)
    declared = struct.unpack("<I", stream.read(4))[0] + 8
    if declared > size:
        return f"the header declares {declared} bytes, the file has {size}"
    return ""


def _check_jpeg(stream: BinaryIO, size: int) -> str:
    stream.seek(max(size - _JPEG_TAIL, 0))
    return "" if _JPEG_END in stream.read() else "it has no end-of-image marker"

"""Uploaded files: saved under names the server chooses, checked for what they claim to be.

A client's file name is never part of a path: uploads are stored as fixed names
(``audio``, ``face``) inside a directory the server made. The client's name is kept only to
name the file in messages, reduced to its last path component without control characters.
"""

from __future__ import annotations

import shutil
import unicodedata
import warnings
from pathlib import Path

import av
from fastapi import HTTPException, UploadFile
from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool

#: Longest client file name shown in messages.
MAX_NAME_CHARS = 100
#: Image formats a portrait may come in.
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "MPO"})
_COPY_BLOCK_BYTES = 1 << 20


def client_name(filename: str | None, fallback: str) -> str:
    """The client's file name fit for messages: last path component, printable, short."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if printable in {"", ".", ".."}:
        return fallback
    return printable[:MAX_NAME_CHARS]


async def save_upload(upload: UploadFile, target: Path) -> None:
    """Copy ``upload`` to ``target`` (a path the server chose) off the event loop."""

    def copy() -> None:
        upload.file.seek(0)
        with target.open("xb") as out:
            shutil.copyfileobj(upload.file, out, _COPY_BLOCK_BYTES)

    await run_in_threadpool(copy)


def check_audio(path: Path, name: str) -> None:
    """Raise 415 naming the file unless FFmpeg finds an audio stream in it."""
    try:
        with av.open(str(path)) as container:
            if container.streams.audio:
                return
            found = ", ".join(sorted({stream.type for stream in container.streams})) or "no streams"
            reason = f"it holds {found}"
    except av.FFmpegError as error:
        reason = f"FFmpeg cannot read it: {error.strerror}"
    except (OSError, ValueError) as error:
        reason = f"FFmpeg cannot read it: {_reason(error, path, name)}"
    raise HTTPException(415, f"upload {name!r} is not audio ({reason})")


def check_image(path: Path, name: str) -> None:
    """Raise 415 naming the file unless it is a still image in a format we read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image_format = image.format
                image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise HTTPException(415, f"upload {name!r} is not an image ({_reason(error, path, name)})") from error
    if image_format not in IMAGE_FORMATS:
        choices = ", ".join(sorted(IMAGE_FORMATS))
        raise HTTPException(415, f"upload {name!r} is a {image_format} image; send one of: {choices}")


def _reason(error: BaseException, path: Path, name: str) -> str:
    """The first line of a decoder's message, naming the client's file instead of our path."""
    text = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    return text.replace(str(path), name)

"""Look for mundwerk's invisible watermark in a file (video or still image), and make job ids.

Video: at most ``MAX_FRAMES`` decoded frames are summed (the luma plane straight from the
decoder), taken from the start of the file, so a two-hour file costs the same bounded time
and memory as a 10-second one; the pattern is the same in every frame, so a few seconds hold
all the evidence there is. Images (PNG, JPEG, ...) are read with Pillow. The detection
itself is ``mundwerk.provenance.watermark`` (pure arrays); see docs/watermark.md.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from pathlib import Path

import av
import av.container
import numpy as np

from mundwerk.core.errors import MundwerkError
from mundwerk.provenance.watermark import MAX_JOB_ID, Detection, FrameSum, detect_sum

#: Frames summed from a video (6 s at 25 fps): enough evidence, bounded cost.
MAX_FRAMES = 150
#: Stop decoding after this many packets even if few frames came out (broken files).
MAX_PACKETS = 2000
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}


def new_job_id() -> int:
    """A random 32-bit job id for one render (what the watermark carries)."""
    return secrets.randbelow(MAX_JOB_ID + 1)


def job_id_for(parts: Iterable[str | bytes | Path]) -> int:
    """A 32-bit job id that is a function of the job: files by their content, the rest as
    given. The same inputs, options and seed give the same id, so the same watermark (and a
    render stays reproducible); any difference gives another id."""
    digest = hashlib.sha256()
    for part in parts:
        data = _file_digest(part) if isinstance(part, Path) else part
        data = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(len(data).to_bytes(8, "big") + data)
    return int.from_bytes(digest.digest()[:8], "big") % (MAX_JOB_ID + 1)


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


def detect_file(path: str | Path, max_frames: int = MAX_FRAMES) -> Detection:
    """Look for the watermark in the video or image at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise MundwerkError(f"file not found: {path}")
    if path.suffix.lower() in _IMAGE_SUFFIXES:
        return _detect_image(path)
    return _detect_video(path, max_frames)


def _detect_image(path: Path) -> Detection:
    from mundwerk.face.image_io import load_image

    summed = FrameSum()
    summed.add(load_image(path))
    return detect_sum(summed)


def _detect_video(path: Path, max_frames: int) -> Detection:
    summed = FrameSum()
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                raise MundwerkError(f"no video stream in {path}")
            _sum_frames(container, summed, max_frames)
    except (av.error.FFmpegError, OSError) as e:
        if summed.count == 0:
            raise MundwerkError(f"not a readable video file: {path} ({e})") from e
    if summed.count == 0:
        raise MundwerkError(f"no decodable video frames in {path}")
    return detect_sum(summed)


def _sum_frames(container: av.container.InputContainer, summed: FrameSum, max_frames: int) -> None:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for packets, packet in enumerate(container.demux(stream), start=1):
        for picture in packet.decode():
            summed.add(np.asarray(picture.to_ndarray(format="gray"), dtype=np.float32))
            if summed.count >= max_frames:
                return
        if packets >= MAX_PACKETS:
            return

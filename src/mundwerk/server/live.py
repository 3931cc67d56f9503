"""What the live streams of one app share: the worker processes (server/workers.py) that hold
the sessions (the event loop never waits on them: it awaits their batched replies).

``LiveSession`` is the worker-side half of a stream: a ``mundwerk.stream.Session`` plus, for
portrait streams, the face and the stream's watermark; it hands back frames ready to send.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mundwerk.server.settings import ServerSettings
from mundwerk.server.workers import Frames, Worker, WorkerPool
from mundwerk.stream import Engine, SessionOptions, StreamFrame

#: JPEG quality of live portrait frames.
JPEG_QUALITY = 80


class LiveStreams:
    """Shared by every /v1/stream connection of one app; ``start()`` when the app starts."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._pool: WorkerPool | None = None

    def start(self) -> None:
        if self._pool is None:
            self._pool = WorkerPool(self.settings.workers, self.settings.face)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool = None

    @property
    def pool(self) -> WorkerPool | None:
        return self._pool

    async def open(self, options: SessionOptions, portrait: bool) -> RemoteSession:
        self.start()
        pool = self._pool
        if pool is None:
            raise RuntimeError("the live streams were shut down")
        worker, session_id = await pool.open(options, portrait)
        return RemoteSession(pool, worker, session_id)


class RemoteSession:
    """The server-side handle of a session living in a worker process."""

    def __init__(self, pool: WorkerPool, worker: Worker, session_id: int) -> None:
        self._pool = pool
        self._worker = worker
        self._id = session_id
        self._closed = False

    async def feed(self, pcm: bytes) -> Frames:
        frames: Frames = await self._worker.call("feed", self._id, pcm)
        return frames

    async def end(self) -> tuple[Frames, int]:
        """The remaining frames and how many frames the stream made in all."""
        result: tuple[Frames, int] = await self._worker.call("end", self._id)
        return result

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pool.release(self._worker)
        with contextlib.suppress(Exception):  # a worker that is gone has nothing left to free
            await self._worker.call("close", self._id)


def load_engine(engine: Engine | None, face: Path | None, portrait: bool) -> Engine:
    """``engine``, loaded if None, with the face prepared once a portrait is first asked for."""
    if engine is None:
        engine = Engine.load()
    if portrait and engine.portrait is None:
        from mundwerk.stream.portrait import load_live_portrait

        engine = Engine(engine.recognizer, load_live_portrait(face))
    return engine


class LiveSession:
    """Worker side: a session, and for portraits the face and the stream's watermark."""

    def __init__(self, engine: Engine, options: SessionOptions, portrait: bool) -> None:
        self.session = engine.session(options)
        self.engine = engine
        self.portrait = portrait
        self._embedder: Any = None
        if portrait:
            from mundwerk.provenance.watermark import Embedder

            self._embedder = Embedder.for_job(secrets.randbits(32))

    def feed(self, pcm: bytes) -> Frames:
        self.session.feed(pcm)
        return self._messages(self.session.poll())

    def end(self) -> tuple[Frames, int]:
        return self._messages(self.session.end()), self.session.frames_emitted

    def _messages(self, frames: list[StreamFrame]) -> Frames:
        return [(frame.to_json(), self._image_message(frame) if self.portrait else None) for frame in frames]

    def _image_message(self, frame: StreamFrame) -> bytes:
        """The binary message: the frame index (4 bytes, big-endian), then the JPEG."""
        image = self.engine.portrait_image(frame)
        if self._embedder is not None:
            image = self._embedder.embed(frame.index, image)
        return struct.pack(">I", frame.index) + jpeg_bytes(image)


def jpeg_bytes(image: npt.NDArray[np.uint8]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()

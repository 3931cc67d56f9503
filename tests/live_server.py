"""A real mundwerk server on loopback for tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import uvicorn
from fastapi import FastAPI

from mundwerk.audio.decode import decode
from mundwerk.server.app import create_app, uvicorn_limits
from mundwerk.server.metrics import Metrics
from mundwerk.server.settings import ServerSettings
from mundwerk.stream.portrait import default_face_path

SPEECH_WAV = default_face_path().with_name("librivox-amiable.wav")


@dataclass(frozen=True)
class Served:
    """A running test server: its WebSocket base URL (``ws://127.0.0.1:PORT``) and its app."""

    url: str
    app: FastAPI

    @property
    def metrics(self) -> Metrics:
        metrics: Metrics = self.app.state.metrics
        return metrics


@contextmanager
def serving(settings: ServerSettings | None = None) -> Iterator[Served]:
    """Run the app on 127.0.0.1 (a free port) until the block ends."""
    settings = replace(settings or ServerSettings(), host="127.0.0.1", port=0)
    app = create_app(settings)
    limits = uvicorn_limits(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        backlog=4096,
        ws_max_size=limits.ws_max_size,
        ws_max_queue=limits.ws_max_queue,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"ws://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(15)


def speech_pcm(path: str = str(SPEECH_WAV)) -> tuple[bytes, int]:
    """A speech file as 16-bit little-endian mono PCM at 16 kHz, and its duration in ms."""
    audio = decode(path)
    samples = np.clip(np.round(audio.samples * 32767), -32768, 32767).astype("<i2")
    return samples.tobytes(), audio.duration_ms

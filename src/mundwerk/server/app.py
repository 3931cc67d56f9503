"""The server: ``create_app(settings)`` builds the FastAPI app; ``mundwerk serve`` runs it with uvicorn.

What the routes share lives on ``app.state``: ``settings`` (ServerSettings), ``metrics``
(server/metrics.py, shown by ``GET /metrics``) and ``live`` (the worker processes
that hold the live streams). The OpenAPI document is at ``/openapi.json``, its browsable form at ``/docs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from mundwerk import __version__
from mundwerk.server import websocket
from mundwerk.server.http_routes import add_http_routes
from mundwerk.server.live import LiveStreams
from mundwerk.server.metrics import Metrics
from mundwerk.server.settings import ServerSettings

DESCRIPTION = (
    "Speech in, mouth movement out. Live: the WebSocket /v1/stream (docs/streaming.md). "
    "Files: the /v1 REST routes. Send the token, when the server has one, as "
    "'Authorization: Bearer <token>' or '?token=<token>'."
)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app for ``settings`` (``ServerSettings.from_env()`` when None)."""
    settings = settings or ServerSettings.from_env()
    live = LiveStreams(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        live.start()  # the worker processes load their models while the server comes up
        try:
            yield
        finally:
            live.shutdown()

    app = FastAPI(title="mundwerk", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.live = live
    app.include_router(websocket.router)
    # REST (/v1/analyze, /v1/render, jobs, /v1/speak), /healthz, /metrics, the demo page at /.
    add_http_routes(app, settings)
    return app


@dataclass(frozen=True, slots=True)
class ProtocolLimits:
    """uvicorn's WebSocket settings: the largest message it reads, how many wait per connection,
    and whether it offers per-message compression (off: the server then spends no CPU on
    deflating dozens of frames a second per stream; clients work either way)."""

    ws_max_size: int
    ws_max_queue: int
    ws_per_message_deflate: bool = False


def uvicorn_limits(settings: ServerSettings) -> ProtocolLimits:
    """The limits for ``settings``: a message up to twice ``max_message_bytes`` is read and refused
    with an error message (1009); a larger one is cut off by the protocol layer at its header
    (1009, no message); at most 4 messages wait per connection, so a connection holds at most
    8 × ``max_message_bytes`` of unread input."""
    return ProtocolLimits(ws_max_size=2 * settings.max_message_bytes, ws_max_queue=4)

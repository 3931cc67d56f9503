"""``mundwerk serve``: the REST + WebSocket server (FastAPI on uvicorn), on loopback by default."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from mundwerk.server.settings import DEFAULT_HOST, DEFAULT_PORT

log = logging.getLogger(__name__)

#: Seconds open streams get to finish when the server is stopped.
GRACEFUL_SHUTDOWN_S = 5


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the server: live WebSocket streams, REST analysis and rendering, a demo page",
        description="Run the mundwerk server. Every option also reads MUNDWERK_<NAME> from the environment.",
    )
    parser.add_argument("--host", help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--token", help="token clients must send (default: $MUNDWERK_TOKEN, else none)")
    parser.add_argument("--max-sessions", type=int, help="live streams at once (default 64)")
    parser.add_argument("--workers", type=int, help="processes for live streams' CPU work (default 2)")
    parser.add_argument("--face", type=Path, help="photo for live portrait frames (default: a bundled face)")
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    import uvicorn

    from mundwerk.server.app import create_app, uvicorn_limits
    from mundwerk.server.settings import ServerSettings

    settings = ServerSettings.from_env(
        host=arguments.host,
        port=arguments.port,
        token=arguments.token,
        max_sessions=arguments.max_sessions,
        workers=arguments.workers,
        face=arguments.face,
    )
    if settings.host not in {"127.0.0.1", "localhost", "::1"} and not settings.token:
        log.warning("listening on %s without a token: anyone who can reach it may use it", settings.host)
    limits = uvicorn_limits(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        ws_max_size=limits.ws_max_size,
        ws_max_queue=limits.ws_max_queue,
        ws_per_message_deflate=limits.ws_per_message_deflate,
    )
    return 0

"""The server's settings: one frozen value, from command-line flags over the environment over defaults.

Environment variables (all optional): ``MUNDWERK_TOKEN`` (clients must send it; unset means
no token), ``MUNDWERK_HOST``, ``MUNDWERK_PORT``, ``MUNDWERK_MAX_SESSIONS``,
``MUNDWERK_MAX_MESSAGE_BYTES``, ``MUNDWERK_IDLE_TIMEOUT_S``, ``MUNDWERK_MAX_QUEUED_FRAMES``,
``MUNDWERK_WORKERS``, ``MUNDWERK_FACE`` (the photo live portrait frames show),
``MUNDWERK_MAX_UPLOAD_BYTES``, ``MUNDWERK_MAX_JOBS``, ``MUNDWERK_JOB_TTL_S``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mundwerk.core.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Where the server listens, who may use it, and how much it takes on at once.

    ``max_sessions``: live WebSocket streams at once (more are refused with close code 1013).
    ``max_message_bytes``: the largest WebSocket message (1009 above it).
    ``idle_timeout_s``: a stream that sends nothing this long is closed.
    ``max_queued_frames``: frames waiting for a slow client per stream; beyond, the oldest are dropped.
    ``workers``: processes for live streams' CPU work (recognition, portrait frames), shared by all streams.
    ``face``: the photo of live portrait frames (None: the bundled face).
    ``max_upload_bytes``, ``max_jobs``, ``job_ttl_s``: REST uploads, render jobs at once, and
    how long a finished job's result is kept.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    max_sessions: int = 64
    max_message_bytes: int = 1 << 20
    idle_timeout_s: float = 30.0
    max_queued_frames: int = 32
    workers: int = 2
    face: Path | None = None
    max_upload_bytes: int = 50 << 20
    max_jobs: int = 2
    job_ttl_s: float = 3600.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise UsageError(f"invalid port {self.port}; choose 0–65535")
        for name in ("max_sessions", "max_message_bytes", "max_queued_frames", "workers", "max_upload_bytes"):
            if getattr(self, name) < 1:
                raise UsageError(f"invalid {name} {getattr(self, name)!r}; give a positive number")
        if self.max_jobs < 1 or self.idle_timeout_s <= 0 or self.job_ttl_s <= 0:
            raise UsageError("max_jobs, idle_timeout_s and job_ttl_s must be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServerSettings:
        """Defaults, then ``MUNDWERK_*`` variables, then ``overrides`` that are not None (flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(f"MUNDWERK_{field.name.upper()}")
            if raw is not None and raw != "":
                values[field.name] = _parsed(field.name, raw)
        values.update({name: value for name, value in overrides.items() if value is not None})
        return replace(cls(), **values)


_INTS = (
    "port",
    "max_sessions",
    "max_message_bytes",
    "max_queued_frames",
    "workers",
    "max_upload_bytes",
    "max_jobs",
)
_TYPES: dict[str, type] = {
    **dict.fromkeys(_INTS, int),
    "idle_timeout_s": float,
    "job_ttl_s": float,
    "face": Path,
}


def _parsed(name: str, raw: str) -> Any:
    kind = _TYPES.get(name, str)
    try:
        return kind(raw)
    except ValueError as error:
        raise UsageError(f"invalid MUNDWERK_{name.upper()} {raw!r}; expected {kind.__name__}") from error

"""Live streaming: a shared :class:`Engine` and one light :class:`Session` per stream.

>>> engine = Engine.load()
>>> session = engine.session(SessionOptions(sample_rate_hz=16000, fps=30))
>>> session.feed(pcm_bytes); frames = session.poll(); ...; frames += session.end()
"""

from mundwerk.stream.engine import Engine
from mundwerk.stream.frames import StreamFrame
from mundwerk.stream.session import (
    DEFAULT_LOOKAHEAD_MS,
    LIVE_LOOKAHEAD_MS,
    STABLE_LOOKAHEAD_MS,
    Session,
    SessionOptions,
)

__all__ = [
    "DEFAULT_LOOKAHEAD_MS",
    "LIVE_LOOKAHEAD_MS",
    "STABLE_LOOKAHEAD_MS",
    "Engine",
    "Session",
    "SessionOptions",
    "StreamFrame",
]

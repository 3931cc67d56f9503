"""Messages waiting for one client, bounded: a client that reads slowly (or never) loses old
frames, counted, instead of making the server buffer without end.

Frames (a text message, for portrait streams followed by a binary one) queue up to
``limit``; a new frame beyond it pushes out the oldest waiting frame. Control messages
(``end``, ``error``) are never dropped. One task sends, so messages never interleave.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket

from mundwerk.server.metrics import Metrics


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One queued message: its text, an optional binary follow-up, and when its audio arrived."""

    text: str
    binary: bytes | None = None
    received_at: float | None = None  # perf_counter() of the audio message; None: not a frame

    @property
    def is_frame(self) -> bool:
        return self.received_at is not None


def control(message: dict[str, Any]) -> Outgoing:
    return Outgoing(json.dumps(message))


class Outbox:
    """The bounded queue and its sender (run :meth:`send_all` as a task)."""

    def __init__(self, limit: int, metrics: Metrics) -> None:
        self._limit = limit
        self._metrics = metrics
        self._items: deque[Outgoing] = deque()
        self._frames = 0
        self._wake = asyncio.Event()
        self._closed = False
        self.dropped = 0

    def put(self, item: Outgoing) -> None:
        if item.is_frame and self._frames >= self._limit:
            self._drop_oldest_frame()
        self._items.append(item)
        self._frames += item.is_frame
        self._wake.set()

    def close(self) -> None:
        """Nothing more will be put; :meth:`send_all` returns once the queue is empty."""
        self._closed = True
        self._wake.set()

    async def send_all(self, websocket: WebSocket) -> None:
        while True:
            while not self._items:
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
            item = self._items.popleft()
            self._frames -= item.is_frame
            await websocket.send_text(item.text)
            if item.binary is not None:
                await websocket.send_bytes(item.binary)
            if item.received_at is not None:
                self._metrics.frame_sent((time.perf_counter() - item.received_at) * 1000)

    def _drop_oldest_frame(self) -> None:
        for position, queued in enumerate(self._items):
            if queued.is_frame:
                del self._items[position]
                self._frames -= 1
                self.dropped += 1
                self._metrics.frames_dropped()
                return

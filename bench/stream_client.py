"""Real-time WebSocket clients for the streaming benchmark: send speech at its own pace, time every frame.

Latency of frame ``n`` (interval ``[t_n, t_n + 1000/fps)``): from sending the 20 ms chunk
that completes the frame's audio (the first chunk ending at or after ``t_n + 1000/fps``) to
receiving the frame (its JSON message; with a portrait, its JPEG message). Frames only the
``end`` message releases (the last lookahead's worth) are left out: they wait for no chunk.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass

CHUNK_MS = 20
#: How the server's frame messages start (``StreamFrame.to_json``); others are parsed in full.
FRAME_PREFIX = '{"type":"frame","index":'
BYTES_PER_MS = 32  # 16 kHz, 16-bit mono


@dataclass(frozen=True, slots=True)
class SessionResult:
    """Per-frame latencies (ms) from the completing chunk, and from that chunk plus the lookahead."""

    latencies_ms: tuple[float, ...]
    after_lookahead_ms: tuple[float, ...]
    frames_expected: int
    frames_received: int
    error: str | None = None


def completing_chunk(frame_end_ms: float) -> int:
    """The index of the 20 ms chunk whose end first reaches ``frame_end_ms``."""
    return max(0, math.ceil(frame_end_ms / CHUNK_MS - 1e-9) - 1)


async def realtime_session(
    url: str, pcm: bytes, fps: int, lookahead_ms: int = 0, portrait: bool = False, delay_s: float = 0.0
) -> SessionResult:
    """Stream ``pcm`` (16 kHz) in 20 ms chunks on a real-time clock; time every frame's arrival."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(delay_s)
    chunk = CHUNK_MS * BYTES_PER_MS
    pieces = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)]
    sent: list[float] = []
    arrived: dict[int, float] = {}
    expected = 0
    start_message = {"type": "start", "sample_rate_hz": 16000, "fps": fps, "portrait": portrait}
    async with connect(url + "/v1/stream", max_size=None, open_timeout=60) as ws:
        await ws.send(json.dumps({**start_message, "lookahead_ms": lookahead_ms}))
        reader = asyncio.create_task(_read(ws, portrait, arrived))
        began = time.perf_counter()
        for index, piece in enumerate(pieces):
            await asyncio.sleep(max(0.0, began + index * CHUNK_MS / 1000 - time.perf_counter()))
            await ws.send(piece)
            sent.append(time.perf_counter())
        await ws.send(json.dumps({"type": "end"}))
        expected, error = await reader
    return _result(sent, arrived, fps, lookahead_ms, expected, error)


async def _read(ws: object, portrait: bool, arrived: dict[int, float]) -> tuple[int, str | None]:
    """Record each frame's arrival; the frame count the server announced at the end, or an error."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for message in ws:  # type: ignore[attr-defined]
            now = time.perf_counter()
            if isinstance(message, bytes):
                arrived[int.from_bytes(message[:4], "big")] = now
                continue
            if message.startswith(FRAME_PREFIX):  # the server's compact frame JSON: no need to parse it all
                if not portrait:
                    arrived[int(message[len(FRAME_PREFIX) : message.index(",", len(FRAME_PREFIX))])] = now
                continue
            data = json.loads(message)
            if data["type"] == "frame" and not portrait:
                arrived[data["index"]] = now
            elif data["type"] == "end":
                return int(data["frames"]), None
            elif data["type"] == "error":
                return 0, str(data["message"])
    except ConnectionClosed as closed:
        return 0, f"connection closed: {closed}"
    return 0, "closed without an end message"


def _result(
    sent: list[float],
    arrived: dict[int, float],
    fps: int,
    lookahead_ms: int,
    expected: int,
    error: str | None,
) -> SessionResult:
    latencies, after = [], []
    for index, received_at in arrived.items():
        frame_end_ms = (index + 1) * 1000 / fps
        released_by = completing_chunk(frame_end_ms + lookahead_ms)
        if released_by >= len(sent):
            continue  # released by the end message
        latencies.append((received_at - sent[completing_chunk(frame_end_ms)]) * 1000)
        after.append((received_at - sent[released_by]) * 1000)
    return SessionResult(tuple(latencies), tuple(after), expected, len(arrived), error)

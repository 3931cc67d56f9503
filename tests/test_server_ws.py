"""/v1/stream on a real uvicorn server on loopback, driven by the ``websockets`` client.

Each bad input and fault gets its own test; after each, the server must still serve a full
stream, and a stream running beside the bad one must be unaffected.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest
from PIL import Image
from scipy.signal import resample_poly
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from live_server import Served, serving, speech_pcm
from mundwerk.core.curves import ARKIT_CURVES, OCULUS_VISEMES, frame_count
from mundwerk.server.settings import ServerSettings

TOKEN = "s3cret-token"
MAX_SESSIONS = 6
SETTINGS = ServerSettings(max_sessions=MAX_SESSIONS, idle_timeout_s=20.0, max_queued_frames=8, token=TOKEN)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT_S = 120  # generous: the machine running the tests may be busy


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving(SETTINGS) as running:
        yield running


@pytest.fixture(scope="module")
def speech() -> tuple[bytes, int]:
    return speech_pcm()


@dataclass
class Received:
    """What a client got: the parsed text messages, the binary ones, and the close code."""

    texts: list[dict[str, Any]] = field(default_factory=list)
    binaries: list[bytes] = field(default_factory=list)
    close_code: int | None = None

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [text for text in self.texts if text["type"] == "frame"]

    @property
    def errors(self) -> list[str]:
        return [text["message"] for text in self.texts if text["type"] == "error"]


def start(rate: int = 16_000, fps: int = 30, **extra: Any) -> str:
    return json.dumps({"type": "start", "sample_rate_hz": rate, "fps": fps, **extra})


END = json.dumps({"type": "end"})


async def _read_all(ws: ClientConnection, received: Received) -> Received:
    try:
        async for message in ws:
            if isinstance(message, bytes):
                received.binaries.append(message)
            else:
                received.texts.append(json.loads(message))
    except ConnectionClosed:
        pass
    received.close_code = ws.close_code
    return received


async def exchange(
    url: str, messages: Sequence[str | bytes], headers: dict[str, str] | None = None, path: str = "/v1/stream"
) -> Received:
    """Connect, send ``messages`` (stopping quietly if the server has closed), read until closed."""
    async with connect(url + path, additional_headers=headers or AUTH, max_size=None) as ws:
        reader = asyncio.create_task(_read_all(ws, Received()))
        try:
            for message in messages:
                await ws.send(message)
        except ConnectionClosed:
            pass
        return await asyncio.wait_for(reader, TIMEOUT_S)


def chunks(pcm: bytes, size: int = 640) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def full_session(url: str, pcm: bytes, rate: int = 16_000, fps: int = 30, **extra: Any) -> Received:
    return await exchange(url, [start(rate, fps, **extra), *chunks(pcm), END])


def assert_complete(received: Received, duration_ms: int, fps: int) -> None:
    """Every frame of the audio in order, each well-formed, then ``end`` and a normal close."""
    assert received.errors == []
    count = frame_count(duration_ms, fps)
    assert [frame["index"] for frame in received.frames] == list(range(count))
    assert [frame["time_ms"] for frame in received.frames] == pytest.approx(
        [i * 1000 / fps for i in range(count)], abs=1e-3
    )
    for frame in received.frames:
        assert set(frame["visemes"]) == {viseme.value for viseme in OCULUS_VISEMES}
        assert sum(frame["visemes"].values()) == pytest.approx(1.0, abs=0.01)
        assert set(frame["blendshapes"]) == set(ARKIT_CURVES)
        assert frame["shape"] in "ABCDEFGHX"
    assert received.texts[-1] == {"type": "end", "frames": count}
    assert received.close_code == 1000


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, TIMEOUT_S))


def _at_rate(pcm: bytes, rate: int) -> bytes:
    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    resampled = resample_poly(samples, rate // 1000, 16)
    return np.clip(np.round(resampled), -32768, 32767).astype("<i2").tobytes()


@pytest.mark.parametrize(("rate", "fps"), [(16_000, 30), (8_000, 25), (48_000, 60)])
def test_a_stream_gets_one_frame_per_frame_of_audio(
    served: Served, speech: tuple[bytes, int], rate: int, fps: int
) -> None:
    pcm, duration_ms = speech
    received = run(full_session(served.url, _at_rate(pcm, rate) if rate != 16_000 else pcm, rate, fps))
    assert_complete(received, duration_ms, fps)
    shapes = {frame["shape"] for frame in received.frames}
    assert {"A", "X"} <= shapes and len(shapes) >= 4  # speech moves the mouth: closures, rest, vowels
    jaw = [frame["blendshapes"]["jawOpen"] for frame in received.frames]
    assert max(jaw) > 0.3 and min(jaw) < 0.05


def test_portrait_frames_follow_each_frame_as_256_px_jpegs(served: Served, speech: tuple[bytes, int]) -> None:
    pcm = speech[0]
    short = pcm[: 32_000 * 2]  # 2 s
    received = run(full_session(served.url, short, fps=10, portrait=True))
    assert_complete(received, 2000, 10)
    assert len(received.binaries) == len(received.frames) == 20
    for index, message in enumerate(received.binaries):
        assert struct.unpack(">I", message[:4])[0] == index
        image = Image.open(io.BytesIO(message[4:]))
        assert image.format == "JPEG" and image.size == (256, 256)
    openings = [frame["blendshapes"]["jawOpen"] for frame in received.frames]
    widest, closed = int(np.argmax(openings)), int(np.argmin(openings))
    pictures = [
        np.asarray(Image.open(io.BytesIO(received.binaries[i][4:])), dtype=np.float64)
        for i in (widest, closed)
    ]
    assert np.abs(pictures[0] - pictures[1]).mean() > 0.5  # the mouth moved in the picture


def _bad_alongside_good(
    served: Served, pcm: bytes, bad: Sequence[str | bytes], **kw: Any
) -> tuple[Received, Received]:
    """The bad exchange while a good stream runs; then a fresh good stream must work too."""

    async def both() -> tuple[Received, Received]:
        good = asyncio.create_task(full_session(served.url, pcm))
        refused = await exchange(served.url, bad, **kw)
        return refused, await good

    refused, good = run(both())
    assert_complete(good, len(pcm) // 32, 30)
    assert_complete(run(full_session(served.url, pcm[:16_000])), 500, 30)
    return refused, good


BAD_INPUTS = {
    "binary before start": ([b"\x00\x01" * 320], 1003, "binary audio before the start message"),
    "malformed JSON": (["{type: start"], 1003, "malformed JSON message"),
    "not an object": (["[1, 2]"], 1003, "must be a JSON object"),
    "unknown type": ([json.dumps({"type": "play"})], 1003, "unknown message type 'play'"),
    "sample rate 0": ([start(rate=0)], 1003, "invalid sample rate 0 Hz; choose 8000–48000 Hz"),
    "sample rate 10 MHz": ([start(rate=10_000_000)], 1003, "invalid sample rate 10000000 Hz"),
    "fps 0": ([start(fps=0)], 1003, "invalid frame rate 0"),
    "odd PCM bytes": ([start(), b"\x00" * 641], 1003, "an even number of bytes), got 641 bytes"),
    "second start": ([start(), start()], 1003, "a second start message"),
    "end before start": ([END], 1003, "end before the start message"),
    "1.5 MB message": ([start(), b"\x00" * 1_500_000], 1009, "message of 1500000 bytes is over the limit"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gets_an_error_and_a_close_code_and_nothing_else_suffers(
    served: Served, speech: tuple[bytes, int], case: str
) -> None:
    messages, code, message = BAD_INPUTS[case]
    refused, _ = _bad_alongside_good(served, speech[0][: 32_000 * 2], messages)
    assert refused.frames == []
    assert len(refused.errors) == 1 and message in refused.errors[0]
    assert refused.close_code == code


def test_a_10_mb_message_is_cut_off_with_1009_without_being_read(
    served: Served, speech: tuple[bytes, int]
) -> None:
    """Over twice the limit the protocol layer closes at the frame header: the 10 MB are never held."""
    refused, _ = _bad_alongside_good(served, speech[0][: 32_000 * 2], [start(), b"\x00" * 10_000_000])
    assert refused.frames == [] and refused.close_code == 1009


@pytest.mark.parametrize(
    ("headers", "path", "message"),
    [
        ({}, "/v1/stream", "missing token"),
        ({"Authorization": "Bearer wrong"}, "/v1/stream", "wrong token"),
        ({}, "/v1/stream?token=wrong", "wrong token"),
    ],
)
def test_a_missing_or_wrong_token_is_refused_with_1008(
    served: Served, speech: tuple[bytes, int], headers: dict[str, str], path: str, message: str
) -> None:
    refused, _ = _bad_alongside_good(
        served, speech[0][: 32_000 * 2], [start()], headers=headers or {"X": "y"}, path=path
    )
    assert refused.errors == [message if message == "wrong token" else refused.errors[0]]
    assert message in refused.errors[0] and refused.close_code == 1008


def test_a_browser_passes_the_token_in_the_query(served: Served, speech: tuple[bytes, int]) -> None:
    pcm = speech[0][: 32_000 * 2]
    received = run(
        exchange(
            served.url, [start(), *chunks(pcm), END], headers={"X": "y"}, path=f"/v1/stream?token={TOKEN}"
        )
    )
    assert_complete(received, 2000, 30)


def _wait_for_sessions(served: Served, count: int) -> None:
    deadline = time.monotonic() + 10
    while served.metrics.active_sessions != count:
        assert time.monotonic() < deadline, f"{served.metrics.active_sessions} sessions still active"
        time.sleep(0.02)


def test_a_client_vanishing_mid_stream_frees_its_session(served: Served, speech: tuple[bytes, int]) -> None:
    pcm = speech[0]
    _wait_for_sessions(served, 0)

    async def vanish() -> None:
        ws = await connect(served.url + "/v1/stream", additional_headers=AUTH)
        await ws.send(start())
        for chunk in chunks(pcm[: len(pcm) // 2]):
            await ws.send(chunk)
        await ws.recv()
        ws.transport.abort()  # no close handshake: the TCP connection just drops

    run(vanish())
    _wait_for_sessions(served, 0)
    assert_complete(run(full_session(served.url, pcm)), speech[1], 30)


def test_a_client_that_never_reads_loses_frames_not_server_memory(
    served: Served, speech: tuple[bytes, int]
) -> None:
    pcm = speech[0] * 4  # 13 s at 120 fps: ~1,600 frames, far more than a stalled socket holds
    dropped_before = served.metrics.snapshot().frames_dropped

    async def never_read() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(served.url.rsplit(":", 1)[1])))
        async with connect(
            served.url + "/v1/stream", sock=sock, additional_headers=AUTH, max_queue=1, close_timeout=0.5
        ) as ws:
            await ws.send(start(fps=120))
            for chunk in chunks(pcm, 64_000):
                await ws.send(chunk)
            await ws.send(END)
            deadline = time.monotonic() + 15
            while served.metrics.snapshot().frames_dropped == dropped_before and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    good = None

    async def both() -> None:
        nonlocal good
        task = asyncio.create_task(full_session(served.url, speech[0]))
        await never_read()
        good = await task

    run(both())
    assert served.metrics.snapshot().frames_dropped > dropped_before
    assert good is not None
    assert_complete(good, speech[1], 30)
    _wait_for_sessions(served, 0)


def test_a_stream_that_sends_nothing_is_closed_when_idle() -> None:
    with serving(replace(SETTINGS, idle_timeout_s=1.0, workers=1)) as idle_server:
        started = time.monotonic()
        received = run(exchange(idle_server.url, [start()]))
        assert received.close_code == 1008 and "idle for 1 s" in received.errors[0]
        assert 0.9 < time.monotonic() - started < 30
        assert idle_server.metrics.snapshot().sessions_refused == {"idle": 1}


async def _paced(url: str, messages: Sequence[str | bytes], pause_s: float, then_wait_s: float) -> Received:
    """Send ``messages`` ``pause_s`` apart, then wait ``then_wait_s`` before reading the rest."""
    async with connect(url + "/v1/stream", additional_headers=AUTH, max_size=None) as ws:
        reader = asyncio.create_task(_read_all(ws, Received()))
        for message in messages:
            await ws.send(message)
            await asyncio.sleep(pause_s)
        await asyncio.sleep(then_wait_s)
        return await asyncio.wait_for(reader, TIMEOUT_S)


def test_the_idle_limit_counts_from_the_last_message(speech: tuple[bytes, int]) -> None:
    """A stream sending slowly for longer than the limit lives on; once it stops, it is closed."""
    pieces = chunks(speech[0], 3_200)[:6]  # 100 ms each
    with serving(replace(SETTINGS, idle_timeout_s=1.0, workers=1)) as idle_server:
        alive = run(_paced(idle_server.url, [start(), *pieces, END], 0.4, 0.0))
        assert alive.errors == [] and alive.close_code == 1000
        assert len(alive.frames) == frame_count(600, 30)
        stopped = run(_paced(idle_server.url, [start(), *pieces], 0.4, 1.5))
        assert stopped.close_code == 1008 and "idle for 1 s" in stopped.errors[0]
        assert len(stopped.frames) > 0
        assert idle_server.metrics.snapshot().sessions_refused == {"idle": 1}


@pytest.mark.slow
def test_a_thousand_connections_at_once_over_capacity_are_refused_quickly(
    served: Served, speech: tuple[bytes, int]
) -> None:
    pcm = speech[0]
    _wait_for_sessions(served, 0)

    async def live_stream(ws: ClientConnection, stop: asyncio.Event) -> tuple[Received, int]:
        """Send audio in 20 ms chunks at real-time pace until ``stop``, then end; what came back."""
        reader = asyncio.create_task(_read_all(ws, Received()))
        sent = 0
        while not stop.is_set() or sent < 640 * 50:
            await ws.send(pcm[sent % len(pcm) : sent % len(pcm) + 640])
            sent += len(pcm[sent % len(pcm) : sent % len(pcm) + 640])
            await asyncio.sleep(0.02)
        await ws.send(END)
        return await reader, sent // 32

    async def refused_one() -> Received:
        try:
            async with connect(served.url + "/v1/stream", additional_headers=AUTH, open_timeout=30) as ws:
                return await _read_all(ws, Received())
        except (OSError, ConnectionClosed, TimeoutError) as error:
            return Received(texts=[{"type": "error", "message": f"client failure: {error!r}"}])

    async def scenario() -> tuple[list[Received], float, list[tuple[Received, int]]]:
        stop = asyncio.Event()
        held = []
        for _ in range(MAX_SESSIONS):
            ws = await connect(served.url + "/v1/stream", additional_headers=AUTH)
            await ws.send(start())
            held.append(asyncio.create_task(live_stream(ws, stop)))
        began = time.monotonic()
        refusals = await asyncio.gather(*(refused_one() for _ in range(1000)))
        seconds = time.monotonic() - began
        stop.set()
        return refusals, seconds, list(await asyncio.gather(*held))

    refusals, seconds, streams = run(scenario())
    codes = [r.close_code for r in refusals]
    assert codes.count(1013) == 1000, {code: codes.count(code) for code in set(codes)}
    assert all(f"at most {MAX_SESSIONS} live streams at once" in r.errors[0] for r in refusals)
    assert seconds < 60  # a refusal is quick: no hang until some timeout
    for received, sent_ms in streams:  # the admitted streams went on working throughout
        assert_complete(received, sent_ms, 30)
    _wait_for_sessions(served, 0)
    assert served.metrics.snapshot().sessions_refused["capacity"] >= 1000


def test_the_openapi_document_is_published(served: Served) -> None:
    import httpx

    response = httpx.get(served.url.replace("ws://", "http://") + "/openapi.json", timeout=10)
    assert response.status_code == 200 and response.json()["info"]["title"] == "mundwerk"


def test_audio_goes_to_the_worker_only_when_it_makes_a_frame_due(
    served: Served, speech: tuple[bytes, int]
) -> None:
    """At 10 fps without lookahead a frame is due every 100 ms: five 20 ms chunks, one request."""
    pcm = speech[0][: 32_000 * 2]
    _wait_for_sessions(served, 0)
    workers = served.app.state.live.pool.workers

    async def paced() -> Received:
        async with connect(served.url + "/v1/stream", additional_headers=AUTH) as ws:
            reader = asyncio.create_task(_read_all(ws, Received()))
            await ws.send(start(fps=10, lookahead_ms=0))
            for chunk in chunks(pcm):
                await ws.send(chunk)
                await asyncio.sleep(0.02)  # real time: each chunk would be a request of its own
            await ws.send(END)
            return await reader

    before = sum(worker.requests for worker in workers)
    received = run(paced())
    assert_complete(received, 2000, 10)
    requests = sum(worker.requests for worker in workers) - before
    assert requests <= 20 + 3  # the frames' requests, open, end and close; 100 chunks were sent


def test_a_worker_process_that_dies_ends_only_its_own_stream_with_1011(
    served: Served, speech: tuple[bytes, int]
) -> None:
    import os
    import signal

    pcm = speech[0][: 32_000 * 2]
    _wait_for_sessions(served, 0)
    first, second = served.app.state.live.pool.workers

    async def paced(ws: ClientConnection) -> Received:
        reader = asyncio.create_task(_read_all(ws, Received()))
        for chunk in chunks(pcm[640:]):  # the first 20 ms went with the start
            await ws.send(chunk)
            await asyncio.sleep(0.005)
        await ws.send(END)
        return await reader

    async def opened() -> ClientConnection:
        ws = await connect(served.url + "/v1/stream", additional_headers=AUTH)
        await ws.send(start())
        await ws.send(pcm[:640])
        return ws

    async def scenario() -> tuple[Received, Received]:
        good_ws = await opened()  # a new stream goes to the least busy worker: the first
        await asyncio.sleep(0.3)
        doomed_ws = await opened()  # ... and the next one to the second
        await asyncio.sleep(0.3)
        assert (first.sessions, second.sessions) == (1, 1)
        good = asyncio.create_task(paced(good_ws))
        os.kill(second.pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        reader = asyncio.create_task(_read_all(doomed_ws, Received()))
        with contextlib.suppress(ConnectionClosed):  # audio that makes a frame due goes to the worker
            await doomed_ws.send(pcm[640:3200])
        return await reader, await good

    doomed, good = run(scenario())
    assert doomed.errors == ["internal error; the stream was ended"] and doomed.close_code == 1011
    assert_complete(good, 2000, 30)
    assert_complete(run(full_session(served.url, pcm)), 2000, 30)  # a new worker took the dead one's place
    assert all(worker.alive for worker in served.app.state.live.pool.workers)
    assert served.metrics.snapshot().sessions_refused["internal"] == 1

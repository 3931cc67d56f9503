"""``/v1/stream``: live audio in, mouth frames (and portrait frames) out. docs/streaming.md has
the protocol; in short: a ``start`` text message, binary 16-bit PCM, an ``end`` message;
one ``frame`` text message per frame (plus a binary JPEG message with a portrait); ``end``.

Every failure is a ``{"type": "error", "message": ...}`` text message, then a close with a
code saying what kind: 1003 data the server does not take, 1008 policy (token, idle),
1009 a message over the size limit, 1011 a fault of the server, 1013 over capacity.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from mundwerk.core.errors import MundwerkError
from mundwerk.server.live import LiveStreams, RemoteSession
from mundwerk.server.metrics import Metrics
from mundwerk.server.outbox import Outbox, Outgoing, control
from mundwerk.server.workers import Frames, Rejected
from mundwerk.stream import DEFAULT_LOOKAHEAD_MS, SessionOptions

log = logging.getLogger(__name__)

router = APIRouter()

UNSUPPORTED, POLICY, TOO_BIG, INTERNAL, TRY_AGAIN_LATER = 1003, 1008, 1009, 1011, 1013
#: Seconds a closing stream waits for its queued messages to reach a client that does not read.
FLUSH_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class StreamError(Exception):
    """A reason to end the stream: the message for the client and the close code."""

    code: int
    message: str
    reason: str  # the metrics label


@dataclass(frozen=True, slots=True)
class _Chunk:
    """An audio message waiting for the worker: its PCM, when it came, and whether it made a frame due."""

    pcm: bytes
    received_at: float
    makes_frame_due: bool


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    """One live stream (the protocol is in docs/streaming.md)."""
    live: LiveStreams = websocket.app.state.live
    metrics: Metrics = websocket.app.state.metrics
    await websocket.accept()
    problem = token_problem(live.settings.token, websocket)
    if problem is not None:
        await _refuse(websocket, metrics, StreamError(POLICY, problem, "auth"))
        return
    if not metrics.try_open_session(live.settings.max_sessions):
        limit = live.settings.max_sessions
        message = f"server busy: it serves at most {limit} live streams at once; try again later"
        await _send_error_and_close(websocket, TRY_AGAIN_LATER, message)
        return
    try:
        await _Connection(websocket, live, metrics).run()
    finally:
        metrics.close_session()


def token_problem(token: str | None, websocket: WebSocket) -> str | None:
    """Why the client may not stream (a missing or wrong token), or None."""
    if not token:
        return None
    from mundwerk.server.guard import bearer_token

    given = bearer_token(websocket.headers.get("authorization")) or websocket.query_params.get("token")
    if given is None:
        return "missing token: send 'Authorization: Bearer <token>' or '?token=<token>'"
    if not hmac.compare_digest(given.encode(), token.encode()):
        return "wrong token"
    return None


async def _refuse(websocket: WebSocket, metrics: Metrics, error: StreamError) -> None:
    metrics.refused(error.reason)
    await _send_error_and_close(websocket, error.code, error.message)


async def _send_error_and_close(websocket: WebSocket, code: int, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(json.dumps({"type": "error", "message": message}))
        await websocket.close(code)


class _Connection:
    """One accepted, admitted stream: the receive loop, the feeder task and the outbox's sender task.

    Audio goes to the worker one request at a time, and only once it makes a frame due (the
    session's rule: its audio interval plus the lookahead is in): a chunk that completes no
    frame waits for the next one, as the session itself would wait with it, and costs no
    round trip (at 30 fps, 20 ms chunks make 30 requests a second instead of 50). Chunks
    that arrive while a request is out wait and go together in the next one. Unloaded, every
    frame comes with the chunk that makes it due (the lowest latency); when the workers fall
    behind, a stream's requests grow instead of queueing up, and fewer, larger steps cost
    less CPU per second of audio, so the server catches up rather than falling further behind.
    """

    def __init__(self, websocket: WebSocket, live: LiveStreams, metrics: Metrics) -> None:
        self.websocket = websocket
        self.live = live
        self.metrics = metrics
        self.outbox = Outbox(live.settings.max_queued_frames, metrics)
        self.session: RemoteSession | None = None
        self._pending: list[_Chunk] = []  # audio not yet sent to the worker
        self._pending_bytes = 0
        self._options: SessionOptions | None = None
        self._received_bytes = 0  # PCM received so far
        self._frames_made = 0  # frames the worker has answered with so far
        self._ending = False  # the end message came: send whatever waits
        self._feeding: asyncio.Task[None] | None = None
        self._receiver: asyncio.Task[None] | None = None
        self._failure: Exception | None = None  # what ended the feeder, if anything did
        self._request_bytes = 0  # the most audio one request takes (at least one chunk)
        self._due = 0  # frames the audio received so far makes due
        self._waiting_since: float | None = None  # loop time the receive loop began to wait, if it waits
        self._idle_timer: asyncio.TimerHandle | None = None

    async def run(self) -> None:
        sender = asyncio.create_task(self.outbox.send_all(self.websocket))
        code = 1000
        try:
            await self._receive_until_end()
        except StreamError as error:
            self.metrics.refused(error.reason)
            self.outbox.put(control({"type": "error", "message": error.message}))
            code = error.code
        except WebSocketDisconnect:
            code = 0  # the client is gone: nothing to send
        except Exception:
            log.exception("live stream failed")
            self.metrics.refused("internal")
            self.outbox.put(control({"type": "error", "message": "internal error; the stream was ended"}))
            code = INTERNAL
        if self._feeding is not None:
            self._feeding.cancel()
        self.outbox.close()
        if self.session is not None:
            await self.session.close()
        await self._finish(sender, code)

    async def _finish(self, sender: asyncio.Task[None], code: int) -> None:
        if code:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(sender), FLUSH_TIMEOUT_S)
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
        if code and self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(code), FLUSH_TIMEOUT_S)

    async def _receive_until_end(self) -> None:
        """The receive loop, as a task the feeder can cancel: its failure then ends the stream."""
        self._receiver = asyncio.create_task(self._receive_all())
        self._watch_idle()
        try:
            await self._receiver
        except asyncio.CancelledError:
            if self._failure is None:
                raise
            raise self._failure from None
        finally:
            if self._idle_timer is not None:
                self._idle_timer.cancel()

    def _watch_idle(self) -> None:
        """End the stream once the receive loop has waited ``idle_timeout_s`` for a message.

        One timer that re-arms itself when it finds the stream was not idle, instead of a
        timeout around every receive (each one a timer made and cancelled: the server
        receives thousands of messages a second)."""
        loop = asyncio.get_running_loop()
        idle_s = self.live.settings.idle_timeout_s
        since = self._waiting_since
        if since is not None and loop.time() >= since + idle_s:
            self._end_with(StreamError(POLICY, f"idle for {idle_s:g} s; stream closed", "idle"))
            return
        self._idle_timer = loop.call_at((loop.time() if since is None else since) + idle_s, self._watch_idle)

    def _end_with(self, failure: Exception) -> None:
        """Stop the receive loop; it ends the stream with ``failure``."""
        self._failure = failure
        if self._receiver is not None:
            self._receiver.cancel()

    async def _receive_all(self) -> None:
        settings = self.live.settings
        loop = asyncio.get_running_loop()
        while True:
            self._waiting_since = loop.time()  # _watch_idle ends the stream if this wait is too long
            message = await self.websocket.receive()
            self._waiting_since = None
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            received_at = time.perf_counter()
            data: bytes | None = message.get("bytes")
            text: str | None = message.get("text")
            size = len(data) if data is not None else len(text.encode()) if text is not None else 0
            if size > settings.max_message_bytes:
                limit = settings.max_message_bytes
                raise StreamError(
                    TOO_BIG, f"message of {size} bytes is over the limit of {limit} bytes", "too_big"
                )
            if data is not None:
                await self._audio(data, received_at)
            elif text is not None and await self._control(text, received_at):
                return

    async def _audio(self, data: bytes, received_at: float) -> None:
        session = self.session
        if session is None:
            raise StreamError(UNSUPPORTED, "binary audio before the start message", "protocol")
        if len(data) % 2:
            message = f"PCM must be 16-bit samples (an even number of bytes), got {len(data)} bytes"
            raise StreamError(UNSUPPORTED, message, "protocol")
        if self._pending_bytes >= self.live.settings.max_message_bytes:
            await self._drained()  # a client sending faster than the worker keeps up waits
        due_before = self._due
        self._received_bytes += len(data)
        self._due = self._frames_due()
        self._pending.append(_Chunk(data, received_at, self._due > due_before))
        self._pending_bytes += len(data)
        self._start_feeding(session)

    def _start_feeding(self, session: RemoteSession) -> None:
        if self._feeding is None and self._pending and self._worth_sending():
            self._feeding = asyncio.create_task(self._feed_pending(session))

    def _frames_due(self) -> int:
        """Frames the audio received so far makes due (``Session``'s rule, at the input rate:
        a resampling session holds a few samples back, so it never has more due than this)."""
        options = self._options
        if options is None:
            return 0
        heard_ms = round(self._received_bytes // 2 * 1000 / options.sample_rate_hz)
        return max(0, (heard_ms - options.lookahead_ms) * options.fps // 1000)

    def _worth_sending(self) -> bool:
        """Whether the waiting audio may make a frame: one is due that the worker has not made."""
        return self._ending or self._due > self._frames_made

    async def _feed_pending(self, session: RemoteSession) -> None:
        """Send the waiting audio, as much as one request takes, while it may make frames."""
        try:
            while self._pending and self._worth_sending():
                pcm, received_at = self._take_pending()
                try:
                    frames = await session.feed(pcm)
                except Rejected as error:
                    raise StreamError(UNSUPPORTED, error.message, "protocol") from None
                self._frames_made += len(frames)
                self._queue(frames, received_at)
        except Exception as error:  # handed to the receive loop, which ends the stream with it
            self._end_with(error)
        finally:
            self._feeding = None

    def _take_pending(self) -> tuple[bytes, float]:
        """The oldest waiting chunks, up to ``_request_bytes`` (at least one), and when the first
        of them that made a frame due came (the frames' latency counts from it)."""
        count, size = 1, len(self._pending[0].pcm)
        while count < len(self._pending) and size + len(self._pending[count].pcm) <= self._request_bytes:
            size += len(self._pending[count].pcm)
            count += 1
        taken, self._pending = self._pending[:count], self._pending[count:]
        self._pending_bytes -= size
        releasing = [chunk.received_at for chunk in taken if chunk.makes_frame_due]
        return b"".join(chunk.pcm for chunk in taken), releasing[0] if releasing else taken[0].received_at

    async def _drained(self) -> None:
        """Wait until every chunk received has been through the worker."""
        while self._feeding is not None:
            await asyncio.shield(self._feeding)
        if self._failure is not None:
            raise self._failure

    async def _control(self, text: str, received_at: float) -> bool:
        """Handle a text message; True once the stream has ended."""
        message = _parsed(text)
        kind = message.get("type")
        if kind == "start":
            if self.session is not None:
                raise StreamError(
                    UNSUPPORTED, "a second start message; one stream per connection", "protocol"
                )
            self.session = await self._start(message)
            return False
        if kind == "end":
            session = self.session
            if session is None:
                raise StreamError(UNSUPPORTED, "end before the start message", "protocol")
            self._ending = True
            self._start_feeding(session)
            await self._drained()
            frames, count = await session.end()
            self._queue(frames, received_at)
            self.outbox.put(control({"type": "end", "frames": count}))
            return True
        raise StreamError(
            UNSUPPORTED, f"unknown message type {kind!r}; expected 'start' or 'end'", "protocol"
        )

    async def _start(self, message: dict[str, Any]) -> RemoteSession:
        options, portrait = start_options(message)
        self._options = options
        self._request_bytes = request_bytes(options, self.live.settings.max_queued_frames)
        try:
            return await self.live.open(options, portrait)
        except Rejected as error:  # the configured face could not be prepared
            raise StreamError(INTERNAL, f"cannot start the stream: {error.message}", "internal") from None

    def _queue(self, frames: Frames, received_at: float) -> None:
        for text, image in frames:
            self.outbox.put(Outgoing(text, image, received_at))


#: The most audio one request to the worker takes when chunks wait (ms): enough to halve the
#: requests of 20 ms chunks under load, little enough that its frames never overflow a stream's queue.
MAX_REQUEST_MS = 100


def request_bytes(options: SessionOptions, max_queued_frames: int) -> int:
    """PCM bytes of at most ``MAX_REQUEST_MS`` and of at most half the frame queue's frames."""
    milliseconds = min(MAX_REQUEST_MS, max(1, max_queued_frames // 2) * 1000 // options.fps)
    return 2 * options.sample_rate_hz * milliseconds // 1000


def _parsed(text: str) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except json.JSONDecodeError as error:
        raise StreamError(UNSUPPORTED, f"malformed JSON message: {error}", "protocol") from None
    if not isinstance(message, dict):
        raise StreamError(UNSUPPORTED, "a text message must be a JSON object with a 'type'", "protocol")
    return message


def start_options(message: dict[str, Any]) -> tuple[SessionOptions, bool]:
    """The session options and whether portrait frames are wanted, from a start message."""
    known = {"type", "sample_rate_hz", "fps", "portrait", "lookahead_ms"}
    unknown = sorted(set(message) - known)
    if unknown:
        raise StreamError(
            UNSUPPORTED, f"unknown start field(s) {', '.join(unknown)}; known: {sorted(known)}", "protocol"
        )
    portrait = message.get("portrait", False)
    if not isinstance(portrait, bool):
        raise StreamError(UNSUPPORTED, f"invalid portrait {portrait!r}; give true or false", "protocol")
    try:
        options = SessionOptions(
            sample_rate_hz=_integer(message.get("sample_rate_hz")),
            fps=_integer(message.get("fps", 30)),
            lookahead_ms=_integer(message.get("lookahead_ms", DEFAULT_LOOKAHEAD_MS)),
        )
    except MundwerkError as error:
        raise StreamError(UNSUPPORTED, str(error), "protocol") from None
    return options, portrait


def _integer(value: object) -> Any:
    """Whole-number floats (``30.0``) as ints; anything else unchanged, for the options to judge."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

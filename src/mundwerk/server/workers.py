"""Worker processes for live streams: each holds its own engine and the sessions given to it.

One Python process runs Python code on one core at a time, so the streams' CPU work
(recognition, the mouth pipeline, portrait frames) runs in ``workers`` separate processes;
the server process only moves messages. A session stays in the process it was opened in;
a new one goes to the process with the fewest.

Requests and replies travel over a pipe in batches: every request the event loop makes in
one turn (one audio chunk each from many streams) goes to the process as one message, and
the process answers everything it has read since its last answer in one message. With
dozens of streams this costs the server process a few pipe writes per tick instead of one
thread hand-off and two pipe messages per audio chunk. The event loop itself writes and
reads the pipe (asyncio streams: a slow worker never blocks it, and no thread competes
with it for the interpreter).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import socket
import struct
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from mundwerk.core.errors import MundwerkError
from mundwerk.stream import SessionOptions

log = logging.getLogger(__name__)

#: ``(frame JSON, binary message or None)`` per frame, in order.
Frames = list[tuple[str, bytes | None]]
#: One request as sent: ``(request id, (kind, session id, *arguments))``.
Request = tuple[int, tuple[Any, ...]]
#: One reply: ``(request id, "ok" | "rejected" | "failed", payload)``.
Reply = tuple[int, str, Any]


#: A worker answering a long batch sends the replies it has after this long, so the streams
#: first in the batch need not wait for the last ones.
REPLY_EVERY_S = 0.005


class WorkerError(RuntimeError):
    """A worker process failed (it died, or raised something other than a MundwerkError)."""


@dataclass(frozen=True, slots=True)
class Rejected(Exception):
    """The worker refused the input (a MundwerkError there): its message."""

    message: str


class Worker:
    """One process and the pipe to it, read and written by the event loop (no threads).

    The pipe is a socket pair; the event loop talks to it through asyncio streams, once the
    first call connects them (on that call's loop), in ``multiprocessing``'s framing (a 4-byte
    big-endian length, then a pickle), so the process reads it with ``Connection.recv_bytes``.
    """

    def __init__(self, face: Path | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, face), name="mundwerk-live", daemon=True)
        self._process.start()
        child.close()
        self._waiting: dict[int, asyncio.Future[tuple[str, Any]]] = {}
        self._batch: list[Request] = []
        self._next_id = 0
        self._gone: str | None = None  # why the process is unusable, once it is
        self._writer: asyncio.StreamWriter | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.sessions = 0

    async def call(self, *request: Any) -> Any:
        """Send ``request`` with the others of this event-loop turn; the worker's answer."""
        if self._writer is None:
            await self._connect()
        if self._gone is not None:
            raise WorkerError(self._gone)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[str, Any]] = loop.create_future()
        self._next_id += 1
        self._waiting[self._next_id] = future
        self._batch.append((self._next_id, request))
        if len(self._batch) == 1:
            loop.call_soon(self._flush)
        status, payload = await future
        if status == "ok":
            return payload
        if status == "rejected":
            raise Rejected(payload)
        raise WorkerError(payload)

    async def _connect(self) -> None:
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open_streams())
        await asyncio.shield(self._connecting)

    async def _open_streams(self) -> None:
        sock = socket.socket(fileno=os.dup(self._pipe.fileno()))
        reader, self._writer = await asyncio.open_unix_connection(sock=sock)
        self._reader = asyncio.ensure_future(self._read_replies(reader))

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self._writer is None or self._gone is not None:
            return
        data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
        try:
            self._writer.write(struct.pack("!i", len(data)) + data)
        except (OSError, RuntimeError) as error:
            self._fail(f"live worker process {self._process.pid} is gone: {error}")

    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = struct.unpack("!i", await reader.readexactly(4))
                replies: list[Reply] = pickle.loads(await reader.readexactly(size))
                for ident, status, payload in replies:
                    future = self._waiting.pop(ident)
                    if not future.done():
                        future.set_result((status, payload))
        except (asyncio.IncompleteReadError, OSError) as error:
            self._fail(f"live worker process {self._process.pid} is gone: {error or 'closed'}")

    def _fail(self, reason: str) -> None:
        """The process is gone: every waiting call fails, and so will every later one."""
        if self._gone is None:
            self._gone = reason
        waiting, self._waiting = list(self._waiting.values()), {}
        for future in waiting:
            if not future.done():
                future.set_exception(WorkerError(reason))

    @property
    def requests(self) -> int:
        """Calls made to the process so far."""
        return self._next_id

    @property
    def alive(self) -> bool:
        return self._gone is None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def terminate(self) -> None:
        """Ask the process to stop (it holds nothing worth saving); :meth:`join` waits for it."""
        self._process.terminate()

    def join(self) -> None:
        """Wait for the process to end; then close the pipe (call it on the event loop that used it)."""
        self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(2)
        if self._reader is not None:
            self._reader.cancel()
        if self._writer is not None:
            self._writer.close()
        self._pipe.close()


def _serve(pipe: Connection, face: Path | None) -> None:
    """The worker's loop: read every batch waiting, answer them in one message, until told to quit."""
    from mundwerk.server.live import LiveSession, load_engine

    sessions: dict[int, LiveSession] = {}
    engine = load_engine(None, face, False)
    while True:
        try:
            requests: list[Request] = pickle.loads(pipe.recv_bytes())
            while pipe.poll():
                requests.extend(pickle.loads(pipe.recv_bytes()))
        except (EOFError, KeyboardInterrupt):
            return
        replies: list[Reply] = []
        sent_at = time.perf_counter()
        for ident, request in requests:
            kind = request[0]
            if kind == "quit":
                return
            if replies and time.perf_counter() - sent_at > REPLY_EVERY_S:  # a long batch: answer the first
                pipe.send_bytes(pickle.dumps(replies, pickle.HIGHEST_PROTOCOL))
                replies, sent_at = [], time.perf_counter()
            try:
                if kind == "open":
                    _, session_id, options, portrait = request
                    engine = load_engine(engine, face, portrait)
                    sessions[session_id] = LiveSession(engine, options, portrait)
                    reply: Any = None
                elif kind == "feed":
                    reply = sessions[request[1]].feed(request[2])
                elif kind == "end":
                    reply = sessions[request[1]].end()
                else:  # "close"
                    sessions.pop(request[1], None)
                    reply = None
                replies.append((ident, "ok", reply))
            except MundwerkError as error:
                replies.append((ident, "rejected", str(error)))
            except Exception as error:  # reported to the caller, the worker goes on
                logging.getLogger(__name__).exception("live worker failed")
                replies.append((ident, "failed", f"{type(error).__name__}: {error}"))
        pipe.send_bytes(pickle.dumps(replies, pickle.HIGHEST_PROTOCOL))


class WorkerPool:
    """The processes; ``open`` picks the least busy one for a new session."""

    def __init__(self, count: int, face: Path | None) -> None:
        self._face = face
        self.workers = [Worker(face) for _ in range(count)]
        self._lock = threading.Lock()
        self._next_id = 0

    async def open(self, options: SessionOptions, portrait: bool) -> tuple[Worker, int]:
        """A new session: its worker and id (the blocking part, loading the engine, happens there).
        A worker that has died is replaced first (its sessions have failed already)."""
        with self._lock:
            for index, dead in enumerate(self.workers):
                if not dead.alive:
                    log.warning("live worker process %s died; starting a new one", dead.pid)
                    dead.terminate()
                    dead.join()
                    self.workers[index] = Worker(self._face)
            worker = min(self.workers, key=lambda w: w.sessions)
            worker.sessions += 1
            self._next_id += 1
            session_id = self._next_id
        try:
            await worker.call("open", session_id, options, portrait)
        except BaseException:
            self.release(worker)
            raise
        return worker, session_id

    def release(self, worker: Worker) -> None:
        with self._lock:
            worker.sessions -= 1

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join()

"""Worker processes for live streams: each holds its own engine and the sessions given to it.

One Python process runs Python code on one core at a time, so the streams' CPU work
(recognition, the mouth pipeline, portrait frames) runs in ``workers`` separate processes;
the server process only moves messages. A session stays in the process it was opened in;
a new one goes to the process with the fewest. Requests and replies travel over a pipe:
a few hundred bytes of PCM in, frames out.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from mundwerk.core.errors import MundwerkError
from mundwerk.stream import SessionOptions

log = logging.getLogger(__name__)

#: ``(frame JSON, binary message or None)`` per frame, in order.
Frames = list[tuple[str, bytes | None]]


class WorkerError(RuntimeError):
    """A worker process failed (it died, or raised something other than a MundwerkError)."""


@dataclass(frozen=True, slots=True)
class Rejected(Exception):
    """The worker refused the input (a MundwerkError there): its message."""

    message: str


class Worker:
    """One process and the pipe to it; calls are serialised (the process does one thing at a time)."""

    def __init__(self, face: Path | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, face), name="mundwerk-live", daemon=True)
        self._process.start()
        child.close()
        self._lock = threading.Lock()
        self.sessions = 0

    def call(self, *request: Any) -> Any:
        """Send ``request``, wait for the reply (blocking: call it from a thread)."""
        with self._lock:
            try:
                self._pipe.send(request)
                status, payload = self._pipe.recv()
            except (EOFError, OSError, BrokenPipeError) as error:
                raise WorkerError(f"live worker process {self._process.pid} is gone: {error}") from error
        if status == "ok":
            return payload
        if status == "rejected":
            raise Rejected(payload)
        raise WorkerError(payload)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def terminate(self) -> None:
        """Ask the process to stop (it holds nothing worth saving); :meth:`join` waits for it."""
        self._process.terminate()

    def join(self) -> None:
        self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(2)
        self._pipe.close()


def _serve(pipe: Connection, face: Path | None) -> None:
    """The worker's loop: open, feed, end and close sessions by id until told to quit."""
    from mundwerk.server.live import LiveSession, load_engine

    sessions: dict[int, LiveSession] = {}
    engine = load_engine(None, face, False)
    while True:
        try:
            request = pipe.recv()
        except (EOFError, KeyboardInterrupt):
            return
        kind = request[0]
        if kind == "quit":
            return
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
            pipe.send(("ok", reply))
        except MundwerkError as error:
            pipe.send(("rejected", str(error)))
        except Exception as error:  # reported to the caller, the worker goes on
            logging.getLogger(__name__).exception("live worker failed")
            pipe.send(("failed", f"{type(error).__name__}: {error}"))


class WorkerPool:
    """The processes; ``open`` picks the least busy one for a new session."""

    def __init__(self, count: int, face: Path | None) -> None:
        self._face = face
        self.workers = [Worker(face) for _ in range(count)]
        self._lock = threading.Lock()
        self._next_id = 0

    def open(self, options: SessionOptions, portrait: bool) -> tuple[Worker, int]:
        """A new session: its worker and id (the blocking part, loading the engine, happens there).
        A worker that has died is replaced first (its sessions have failed already)."""
        with self._lock:
            for index, dead in enumerate(self.workers):
                if not dead.alive:
                    log.warning("live worker process %s died; starting a new one", dead.pid)
                    self.workers[index] = Worker(self._face)
            worker = min(self.workers, key=lambda w: w.sessions)
            worker.sessions += 1
            self._next_id += 1
            session_id = self._next_id
        try:
            worker.call("open", session_id, options, portrait)
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

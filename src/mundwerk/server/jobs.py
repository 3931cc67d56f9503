"""Render jobs for the server: a bounded pool, one child process per render, results that expire.

Each job is a pure function of its inputs (files in its own directory, options in a
``RenderJob``, an MP4 out), run by ``python -m mundwerk.server.render_worker`` in a process
of its own: a render never competes for the server's GIL (live streams keep their latency),
its memory is returned when it ends, and shutdown can stop it. A plain subprocess rather than
multiprocessing, so the child never re-imports the server's ``__main__``. A thread pool of
``workers`` threads waits on those processes; at most ``max_jobs`` jobs are queued or
running, and beyond that ``reserve`` raises :class:`JobsFull` at once instead of queueing
without bound.

The child reports progress by rewriting ``progress`` in the job directory and its outcome
in ``outcome.json``; the uploads are deleted as soon as the process ends, and the result
``result_ttl_s`` seconds after it (a sweeper thread checks a few times per TTL).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RESULT_NAME = "result.mp4"
PROGRESS_NAME = "progress"
OUTCOME_NAME = "outcome.json"
JOB_NAME = "job.json"
LOG_NAME = "render.log"


class JobState(StrEnum):
    """Where a job is: waiting for a worker, rendering, finished with a video, or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobsFull(Exception):
    """Every job slot is taken; the client should retry later."""


class UnknownJob(Exception):
    """No job has this id (never existed, or its result expired and was deleted)."""


class JobNotDone(Exception):
    """The job has no result (yet): it is queued, running or failed."""


@dataclass(frozen=True, slots=True)
class JobLimits:
    """How many jobs at once, how long results live, where the files go."""

    max_jobs: int = 4
    workers: int = 1
    result_ttl_s: float = 3600.0
    work_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.max_jobs < 1 or self.workers < 1 or self.result_ttl_s <= 0:
            raise ValueError(f"job limits must be positive: {self}")


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One render's inputs, all inside the job directory. ``names`` maps each upload's path
    to the name the client gave it, so error messages name the client's file, never ours."""

    directory: Path
    face: Path
    audio: Path | None = None
    text: str | None = None
    transcript: str | None = None
    engine: str = "espeak"
    voice: str | None = None
    language: str | None = None
    fps: str = "25"
    names: tuple[tuple[str, str], ...] = ()

    @property
    def output(self) -> Path:
        return self.directory / RESULT_NAME

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        return values | {
            key: str(values[key]) for key in ("directory", "face", "audio") if values[key] is not None
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RenderJob:
        paths = {
            key: Path(values[key]) for key in ("directory", "face", "audio") if values.get(key) is not None
        }
        names = tuple((str(path), str(name)) for path, name in values.get("names", ()))
        return cls(**(values | paths | {"names": names}))


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A snapshot of one job, as the API shows it."""

    id: str
    state: JobState
    progress: float
    error: str | None
    created_unix_s: float
    finished_unix_s: float | None
    expires_unix_s: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "state": self.state.value,
            "progress": round(self.progress, 3),
            "error": self.error,
            "created_unix_s": round(self.created_unix_s, 3),
            "finished_unix_s": None if self.finished_unix_s is None else round(self.finished_unix_s, 3),
            "expires_unix_s": None if self.expires_unix_s is None else round(self.expires_unix_s, 3),
        }


@dataclass(slots=True)
class _Job:
    status: JobStatus
    directory: Path
    process: subprocess.Popen[bytes] | None = None


class JobManager:
    """Accepts render jobs up to ``limits.max_jobs`` in flight and runs ``limits.workers`` at once."""

    def __init__(self, limits: JobLimits = JobLimits()) -> None:
        self.limits = limits
        parent = str(limits.work_dir) if limits.work_dir is not None else None
        self.work_dir = Path(tempfile.mkdtemp(prefix="mundwerk-jobs-", dir=parent))
        # Deleted by close(), or at interpreter exit if the app never shut down cleanly.
        self._delete_work_dir = weakref.finalize(self, shutil.rmtree, self.work_dir, ignore_errors=True)
        self._jobs: dict[str, _Job] = {}
        #: Jobs refused because every slot was busy, since the server started.
        self.refused_total = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="mundwerk-job")
        self._sweeper = threading.Thread(target=self._sweep_forever, name="mundwerk-job-sweeper", daemon=True)
        self._sweeper.start()

    # -- admission ---------------------------------------------------------------------------

    def ensure_room(self) -> None:
        """Raise JobsFull (and count the refusal) when a new job would be refused now."""
        with self._lock:
            self._check_room()

    def _check_room(self) -> None:
        if self._closed.is_set() or self._in_flight() >= self.limits.max_jobs:
            self.refused_total += 1
            raise JobsFull(f"all {self.limits.max_jobs} render job slots are busy")

    def reserve(self) -> tuple[str, Path]:
        """A new job id and its empty directory, holding a slot; raises JobsFull when none is free.
        Follow with ``submit`` or ``release``."""
        with self._lock:
            self._check_room()
            job_id = uuid.uuid4().hex
            directory = self.work_dir / job_id
            directory.mkdir(mode=0o700)
            now = time.time()
            status = JobStatus(job_id, JobState.QUEUED, 0.0, None, now, None, None)
            self._jobs[job_id] = _Job(status, directory)
            return job_id, directory

    def release(self, job_id: str) -> None:
        """Give back a reserved slot whose job was never submitted (its uploads were refused)."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            shutil.rmtree(job.directory, ignore_errors=True)

    def submit(self, job_id: str, render_job: RenderJob) -> JobStatus:
        """Queue the reserved job ``job_id`` to render ``render_job``."""
        self._pool.submit(self._run, job_id, render_job)
        return self.status(job_id)

    # -- queries -----------------------------------------------------------------------------

    def status(self, job_id: str) -> JobStatus:
        self._expire_due()
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise UnknownJob(job_id)
            if job.status.state is JobState.RUNNING:
                return replace(job.status, progress=_read_progress(job.directory))
            return job.status

    def result(self, job_id: str) -> Path:
        """The finished MP4 of ``job_id``."""
        status = self.status(job_id)
        if status.state is not JobState.DONE:
            raise JobNotDone(status.state.value if status.error is None else f"failed: {status.error}")
        with self._lock:
            return self._jobs[job_id].directory / RESULT_NAME

    def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state now (expired ones are gone)."""
        self._expire_due()
        with self._lock:
            counts = dict.fromkeys(JobState, 0)
            for job in self._jobs.values():
                counts[job.status.state] += 1
            return counts

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every render, forget every job, delete every file."""
        self._closed.set()
        with self._lock:
            processes = [job.process for job in self._jobs.values() if job.process is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._sweeper.join(timeout=5)
        with self._lock:
            self._jobs.clear()
        self._delete_work_dir()

    def _in_flight(self) -> int:
        return sum(job.status.state in (JobState.QUEUED, JobState.RUNNING) for job in self._jobs.values())

    def _run(self, job_id: str, render_job: RenderJob) -> None:
        job_file = render_job.directory / JOB_NAME
        job_file.write_text(json.dumps(render_job.to_dict()), encoding="utf-8")
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or self._closed.is_set():
                return
            job.status = replace(job.status, state=JobState.RUNNING)
            job.process = _start_worker(job_file)
            process = job.process
        process.wait()
        self._finish(job_id, render_job, process.returncode)

    def _finish(self, job_id: str, render_job: RenderJob, exit_code: int | None) -> None:
        error = _read_outcome(render_job.directory, exit_code)
        # The uploads (and the job file, which holds the text) go as soon as the job ends.
        for path in [*(Path(path) for path, _ in render_job.names), render_job.directory / JOB_NAME]:
            path.unlink(missing_ok=True)
        now = time.time()
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            state = JobState.FAILED if error is not None else JobState.DONE
            progress = 1.0 if error is None else _read_progress(job.directory)
            expires = now + self.limits.result_ttl_s
            job.status = replace(
                job.status,
                state=state,
                progress=progress,
                error=error,
                finished_unix_s=now,
                expires_unix_s=expires,
            )
            job.process = None
        log.info("render job %s %s", job_id, state.value if error is None else f"failed: {error}")

    def _sweep_forever(self) -> None:
        interval_s = min(max(self.limits.result_ttl_s / 4, 0.05), 5.0)
        while not self._closed.wait(interval_s):
            self._expire_due()

    def _expire_due(self) -> None:
        now = time.time()
        with self._lock:
            due = [
                job_id
                for job_id, job in self._jobs.items()
                if job.status.expires_unix_s is not None and job.status.expires_unix_s <= now
            ]
            expired = [self._jobs.pop(job_id) for job_id in due]
        for job in expired:
            shutil.rmtree(job.directory, ignore_errors=True)


def _read_progress(directory: Path) -> float:
    try:
        return min(max(float((directory / PROGRESS_NAME).read_text()), 0.0), 1.0)
    except (OSError, ValueError):
        return 0.0


def _read_outcome(directory: Path, exit_code: int | None) -> str | None:
    """None when the render succeeded, else the error message to show."""
    try:
        outcome = json.loads((directory / OUTCOME_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"the render process ended without a result (exit code {exit_code})"
    error = outcome.get("error")
    if error is None and not (directory / RESULT_NAME).is_file():
        return "the render finished but wrote no video"
    return None if error is None else str(error)


def _start_worker(job_file: Path) -> subprocess.Popen[bytes]:
    """``python -m mundwerk.server.render_worker JOB_FILE``, its output kept in the job directory."""
    with (job_file.parent / LOG_NAME).open("wb") as log_file:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "mundwerk.server.render_worker", str(job_file)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=job_file.parent,
        )

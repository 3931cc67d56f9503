"""One render job in its own process: ``python -m mundwerk.server.render_worker JOB_FILE``.

The server starts this as a plain subprocess (not multiprocessing), so the child never
re-imports the server's ``__main__`` and can be stopped on its own. It reads the job
(server/jobs.py ``RenderJob``) from ``JOB_FILE``, keeps ``progress`` up to date beside it and
writes ``outcome.json``: ``{"error": null}`` when the video is written, else the message,
naming the client's files rather than the server's paths.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from mundwerk.server.jobs import OUTCOME_NAME, PROGRESS_NAME, RenderJob


def run_render_job(job: RenderJob) -> str | None:
    """Render ``job``; None when done, else the error message for the client."""
    from mundwerk.core.errors import MundwerkError
    from mundwerk.rendering import render

    try:
        render(
            job.face,
            job.output,
            audio=job.audio,
            transcript=job.transcript,
            text=job.text,
            engine=job.engine,
            voice=job.voice,
            language=job.language,
            fps=job.fps,
            progress=_ProgressFile(job.directory / PROGRESS_NAME),
        )
    except MundwerkError as error:
        return client_names(str(error), job)
    except Exception as error:  # any failure is the job's error, reported to the client
        logging.getLogger(__name__).exception("render job failed")
        return client_names(f"internal error while rendering: {error}", job)
    return None


def client_names(message: str, job: RenderJob) -> str:
    """``message`` with the job's file paths replaced by the names the client gave the files."""
    for path, name in job.names:
        message = message.replace(path, repr(name))
    return message.replace(str(job.directory), "<job>")


class _ProgressFile:
    """A progress callback that rewrites a small file, at most every 0.2 s."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last_s = 0.0

    def __call__(self, share: float) -> None:
        now = time.monotonic()
        if now - self.last_s >= 0.2 or share >= 1.0:
            self.last_s = now
            write_atomically(self.path, f"{share:.4f}")


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m mundwerk.server.render_worker JOB_FILE", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="mundwerk render job: %(levelname)s: %(message)s")
    job_file = Path(arguments[0])
    job = RenderJob.from_dict(json.loads(job_file.read_text(encoding="utf-8")))
    error = run_render_job(job)
    write_atomically(job.directory / OUTCOME_NAME, json.dumps({"error": error}))
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())

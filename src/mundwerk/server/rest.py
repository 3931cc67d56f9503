"""The REST routes: analyse an upload into cues, render a photo into a talking video (a job),
speak text into a WAV. Every route here sits under /v1 and is guarded (token, upload size).

The routes are module-level; what they share (the guard, the job manager, the slots for
in-request work) lives on ``app.state``, put there by :func:`mundwerk.server.install.install_rest`.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import APIKeyQuery, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mundwerk.core.errors import MundwerkError, UsageError
from mundwerk.server.guard import GuardedRoute
from mundwerk.server.jobs import JobManager, JobNotDone, JobsFull, JobStatus, RenderJob, UnknownJob
from mundwerk.server.uploads import check_audio, check_image, client_name, save_upload

if TYPE_CHECKING:
    from mundwerk.api import Analyzer
    from mundwerk.core.analysis import AnalysisOptions
    from mundwerk.export.base import ExportFormat, ExportOptions
    from mundwerk.speaking import Speaker

T = TypeVar("T")

#: Longest text /v1/render speaks, and longest text /v1/speak speaks.
MAX_RENDER_TEXT_CHARS = 5000
MAX_SPEAK_TEXT_CHARS = 1000
#: Seconds a refused client is asked to wait before trying again.
RETRY_AFTER_S = 5

#: Content types of cue files, by file extension.
MEDIA_TYPES = {
    "tsv": "text/tab-separated-values; charset=utf-8",
    "xml": "application/xml",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "dat": "text/plain; charset=utf-8",
}

# Declared for the OpenAPI document only; GuardedRoute checks the token before these run.
_bearer = HTTPBearer(auto_error=False, description="the server's token, when one is set")
_query_token = APIKeyQuery(name="token", auto_error=False, description="the token, for browsers")
_SECURITY = [Depends(_bearer), Depends(_query_token)]


def jobs_of(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


def _busy(message: str) -> HTTPException:
    return HTTPException(503, f"{message}; try again later", headers={"Retry-After": str(RETRY_AFTER_S)})


class RenderRoute(GuardedRoute):
    """Refuses a render before its upload is read when every job slot is taken."""

    def admit(self, request: Request) -> None:
        try:
            jobs_of(request).ensure_room()
        except JobsFull as error:
            raise _busy(str(error)) from error


router = APIRouter(prefix="/v1", route_class=GuardedRoute, dependencies=_SECURITY, tags=["v1"])
render_router = APIRouter(prefix="/v1", route_class=RenderRoute, dependencies=_SECURITY, tags=["v1"])


class _WorkSlot:
    """Holds one of the app's slots for work done inside a request (analysis, speech), or 503."""

    def __init__(self, request: Request) -> None:
        self.slots: threading.BoundedSemaphore = request.app.state.work_slots

    def __enter__(self) -> None:
        if not self.slots.acquire(blocking=False):
            raise _busy("the server is already analysing or speaking as much as it may at once")

    def __exit__(self, *_: object) -> None:
        self.slots.release()


def _usage(make: Callable[[], T]) -> T:
    """``make()``, with a usage error (unknown format, recognizer, voice ...) turned into a 400."""
    try:
        return make()
    except UsageError as error:
        raise HTTPException(400, str(error)) from error


# -- /v1/analyze -------------------------------------------------------------------------------


@router.post(
    "/analyze",
    summary="Audio (and optionally its transcript) in, a cue file out",
    response_class=Response,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
async def analyze(
    request: Request,
    audio: Annotated[UploadFile, File(description="speech in any format FFmpeg reads")],
    transcript: Annotated[str | None, Form(description="the words spoken, for forced alignment")] = None,
    format: Annotated[str, Form(description="any mundwerk export format, e.g. tsv, json, dat")] = "tsv",
    recognizer: Annotated[str | None, Form(description="pocketsphinx or phonetic")] = None,
    language: Annotated[str, Form(description="language spoken, an espeak code")] = "en",
    fps: Annotated[float, Form(description="frame rate of frame-based formats")] = 24.0,
    extended_shapes: Annotated[str, Form(description="which of G, H, X may appear")] = "GHX",
) -> Response:
    from mundwerk.export.registry import export_format

    name = client_name(audio.filename, "audio")
    chosen = _usage(lambda: export_format(format))
    options = _usage(lambda: _analysis_options(recognizer, language, extended_shapes))
    export_options = _usage(lambda: _export_options(fps, name))
    with _WorkSlot(request), tempfile.TemporaryDirectory(prefix="mundwerk-analyze-") as directory:
        path = Path(directory) / "audio"
        await save_upload(audio, path)
        await run_in_threadpool(check_audio, path, name)
        text = await run_in_threadpool(_cues, path, name, transcript, options, chosen, export_options)
    media_type = MEDIA_TYPES.get(chosen.extension, "text/plain; charset=utf-8")
    disposition = f'inline; filename="cues.{chosen.extension}"'
    return Response(text, media_type=media_type, headers={"Content-Disposition": disposition})


def _analysis_options(recognizer: str | None, language: str, extended_shapes: str) -> AnalysisOptions:
    from mundwerk.core.analysis import AnalysisOptions
    from mundwerk.core.shapes import parse_extended_shapes
    from mundwerk.speech.registry import recognizer_for

    return AnalysisOptions(
        recognizer=recognizer_for(recognizer, language),
        extended_shapes=parse_extended_shapes(extended_shapes),
        language=language,
    )


def _export_options(fps: float, sound_file: str) -> ExportOptions:
    from mundwerk.export.base import ExportOptions

    return ExportOptions(fps=fps, sound_file=sound_file)


def _cues(
    path: Path,
    name: str,
    transcript: str | None,
    options: AnalysisOptions,
    chosen: ExportFormat,
    export_options: ExportOptions,
) -> str:
    """The cue file for the audio at ``path`` (runs in a worker thread)."""
    import io

    try:
        analyzer, lock = _loaded_analyzer(options)
        with lock:
            analysis = analyzer.analyze(path, transcript or None)
        stream = io.StringIO()
        chosen.exporter.write(analysis, stream, export_options)
    except UsageError as error:
        raise HTTPException(400, str(error).replace(str(path), repr(name))) from error
    except MundwerkError as error:
        raise HTTPException(422, str(error).replace(str(path), repr(name))) from error
    return stream.getvalue()


@lru_cache(maxsize=4)
def _loaded_analyzer(options: AnalysisOptions) -> tuple[Analyzer, threading.Lock]:
    """A loaded analyzer per option set (models load once), with a lock: recognizers are not
    safe to share between threads."""
    from mundwerk.api import Analyzer

    return Analyzer.load(options), threading.Lock()


# -- /v1/render and its jobs --------------------------------------------------------------------


@render_router.post("/render", status_code=202, summary="A portrait and speech in, a render job out")
async def render(
    request: Request,
    face: Annotated[UploadFile, File(description="the portrait photo (JPEG, PNG, WebP ...)")],
    audio: Annotated[UploadFile | None, File(description="the speech; or give text instead")] = None,
    text: Annotated[str | None, Form(description="text for mundwerk to speak")] = None,
    transcript: Annotated[str | None, Form(description="what the audio says")] = None,
    engine: Annotated[str, Form(description="espeak or piper, for text")] = "espeak",
    voice: Annotated[str | None, Form(description="voice id or language code, for text")] = None,
    language: Annotated[str | None, Form(description="language code, for text")] = None,
    fps: Annotated[str, Form(description="frame rate, e.g. 25 or 29.97")] = "25",
) -> JSONResponse:
    if (audio is None) == (not text):
        raise HTTPException(400, "give the speech either as an 'audio' file or as 'text' (one of them)")
    if text is not None and len(text) > MAX_RENDER_TEXT_CHARS:
        raise HTTPException(
            413, f"text too long: {len(text)} characters; the limit is {MAX_RENDER_TEXT_CHARS}"
        )
    if text:
        _usage(lambda: _check_voice(engine, voice, language))
    _usage(lambda: _check_fps(fps))
    jobs = jobs_of(request)
    try:
        job_id, directory = jobs.reserve()
    except JobsFull as error:
        raise _busy(str(error)) from error
    try:
        job = await _stored_job(directory, face, audio, text, transcript, engine, voice, language, fps)
    except BaseException:
        jobs.release(job_id)
        raise
    status = jobs.submit(job_id, job)
    return JSONResponse(_status_body(status), status_code=202, headers={"Location": f"/v1/jobs/{job_id}"})


async def _stored_job(
    directory: Path,
    face: UploadFile,
    audio: UploadFile | None,
    text: str | None,
    transcript: str | None,
    engine: str,
    voice: str | None,
    language: str | None,
    fps: str,
) -> RenderJob:
    """The uploads saved under fixed names in ``directory`` and checked, as a job to run."""
    face_path, face_name = directory / "face", client_name(face.filename, "face")
    await save_upload(face, face_path)
    await run_in_threadpool(check_image, face_path, face_name)
    names = [(str(face_path), face_name)]
    audio_path = None
    if audio is not None:
        audio_path, audio_name = directory / "audio", client_name(audio.filename, "audio")
        await save_upload(audio, audio_path)
        await run_in_threadpool(check_audio, audio_path, audio_name)
        names.append((str(audio_path), audio_name))
    return RenderJob(
        directory=directory,
        face=face_path,
        audio=audio_path,
        text=text or None,
        transcript=transcript or None,
        engine=engine,
        voice=voice or None,
        language=language or None,
        fps=fps,
        names=tuple(names),
    )


def _check_voice(engine: str, voice: str | None, language: str | None) -> None:
    from mundwerk.speech.voices import resolve

    resolve(engine, voice or None, language or None)


def _check_fps(fps: str) -> None:
    from mundwerk.render.video import frame_rate

    frame_rate(fps)


def _status_body(status: JobStatus) -> dict[str, object]:
    links = {"status_url": f"/v1/jobs/{status.id}", "result_url": f"/v1/jobs/{status.id}/result"}
    return status.to_dict() | links


@router.get("/jobs/{job_id}", summary="A render job's state and progress")
async def job_status(request: Request, job_id: str) -> JSONResponse:
    try:
        return JSONResponse(_status_body(jobs_of(request).status(job_id)))
    except UnknownJob as error:
        raise _no_job(job_id) from error


@router.get(
    "/jobs/{job_id}/result",
    summary="The finished video (MP4)",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def job_result(request: Request, job_id: str) -> FileResponse:
    try:
        path = jobs_of(request).result(job_id)
    except UnknownJob as error:
        raise _no_job(job_id) from error
    except JobNotDone as error:
        raise HTTPException(409, f"job {job_id} has no video: it is {error}") from error
    return FileResponse(path, media_type="video/mp4", filename=f"mundwerk-{job_id}.mp4")


def _no_job(job_id: str) -> HTTPException:
    shown = job_id if job_id.isalnum() and len(job_id) <= 64 else repr(job_id[:64])
    return HTTPException(404, f"no job {shown} (never created, or its result expired and was deleted)")


# -- /v1/speak ----------------------------------------------------------------------------------


class SpeakRequest(BaseModel):
    """Text to speak, and with what."""

    text: str = Field(min_length=1, max_length=MAX_SPEAK_TEXT_CHARS)
    engine: str = "espeak"
    voice: str | None = None
    language: str | None = None


@router.post(
    "/speak",
    summary="Text in, speech out (16-bit WAV), e.g. to stream to /v1/stream",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}},
)
async def speak(request: Request, body: SpeakRequest) -> Response:
    with _WorkSlot(request):
        wav = await run_in_threadpool(_spoken_wav, body)
    return Response(wav, media_type="audio/wav")


def _spoken_wav(body: SpeakRequest) -> bytes:
    """The WAV of ``body.text`` (runs in a worker thread)."""
    try:
        speaker, lock = _loaded_speaker(body.engine, body.voice or None, body.language or None)
        with lock:
            speech = speaker.speak(body.text)
    except UsageError as error:
        raise HTTPException(400, str(error)) from error
    except MundwerkError as error:
        raise HTTPException(422, str(error)) from error
    return wav_bytes(speech.synthesis.native_audio.samples, speech.synthesis.native_audio.sample_rate_hz)


@lru_cache(maxsize=4)
def _loaded_speaker(engine: str, voice: str | None, language: str | None) -> tuple[Speaker, threading.Lock]:
    from mundwerk.speaking import Speaker, SpeakOptions

    return Speaker.load(SpeakOptions(engine=engine, voice=voice, language=language)), threading.Lock()


def wav_bytes(samples: object, sample_rate_hz: int) -> bytes:
    """Float samples in [-1, 1] as a mono 16-bit WAV file."""
    import io
    import wave

    import numpy as np

    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float32) * 32767), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate_hz)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()

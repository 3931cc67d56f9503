"""``mundwerk.render(...)``: a portrait photo and speech in, a lip-synced MP4 out.

The render job: checks the output, finds the face (``load_portrait``) while the speech is
analysed (``speech_sources``), then draws the frames in this thread while the video writer's
thread watermarks, converts and encodes them, and signs the file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from mundwerk.core.constants import DEFAULT_FPS
from mundwerk.core.curves import MouthCurves
from mundwerk.core.errors import FaceTooSmallError, NoFaceError, OutputError, UsageError
from mundwerk.speech_sources import idle_motion_for, mouth_curves, read_cue_track, sound_track, speech_from

if TYPE_CHECKING:
    from mundwerk.face.landmarks import Face
    from mundwerk.mouth.idle import IdleMotion
    from mundwerk.provenance.credentials import Ingredient
    from mundwerk.render.portrait import Portrait
    from mundwerk.render.video import FrameHook, VideoWriter
    from mundwerk.signing import Sign

log = logging.getLogger(__name__)

#: Called with the share of the work done, 0.0 to 1.0.
Progress = Callable[[float], None]
#: Photos are scaled to fit 1080p: long side at most 1920 px, short side at most 1080 px.
MAX_SIDE_PX = 1920
MAX_SHORT_SIDE_PX = 1080
#: x264 runs in the video writer's thread while this one draws: the two keep two cores busy;
#: more encoder threads only contend with the drawing (250 frames at 720p: 4.0 s, with two 4.4 s).
#: Fixed, not the machine's core count: x264 records it, and the same job gives the same bytes.
ENCODER_THREADS = 1


def _no_progress(_: float) -> None:
    pass


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What ``render`` wrote: the file, its frame count and the speech's length."""

    path: Path
    frame_count: int
    duration_ms: int
    fps: Fraction
    #: The job id the invisible watermark carries; None when no watermark was embedded.
    watermark_job_id: int | None = None


def render(
    face: str | Path,
    output: str | Path,
    *,
    audio: str | Path | None = None,
    transcript: str | None = None,
    text: str | None = None,
    engine: str = "espeak",
    voice: str | None = None,
    language: str | None = None,
    cues: str | Path | None = None,
    cues_format: str | None = None,
    cues_fps: float = DEFAULT_FPS,
    fps: Fraction | float | str = 25,
    size: tuple[int, int] | None = None,
    seed: int = 0,
    still: bool = False,
    face_index: int = 0,
    hook: FrameHook | None = None,
    watermark: bool = True,
    sign: Sign = True,
    progress: Progress = _no_progress,
) -> RenderResult:
    """Make ``face`` (an image file) say ``text`` (spoken by ``engine``) or the speech in
    ``audio`` (aligned to ``transcript`` when given); write an H.264+AAC MP4 to ``output``.

    With ``cues`` (a cue or curves file; ``cues_format`` names its format when it cannot be
    told, ``cues_fps`` is a Moho .dat file's frame rate) the mouth follows that file and
    ``audio`` is only the sound. ``face_index`` picks a face when the photo has several
    (0 is the largest).

    ``hook`` sees every frame before it is encoded (index, RGB frame) and returns the frame.
    ``watermark`` (default True) embeds mundwerk's invisible watermark after ``hook`` (see
    docs/watermark.md), carrying a job id derived from the inputs, options and seed (the same
    job, the same id and bytes); the id is in the result.
    ``sign``: True signs the MP4 with content credentials (local keys), ``SigningKeys`` with
    those, False not at all (see ``mundwerk.signing``).
    """
    from mundwerk.render.video import VideoOptions, VideoWriter, frame_rate
    from mundwerk.signing import resolve_keys, sign_output

    options = VideoOptions(fps=frame_rate(fps), size=size, threads=ENCODER_THREADS)
    keys = resolve_keys(sign)
    target = _checked_output(output)
    track = read_cue_track(cues, cues_format, cues_fps, audio, text, transcript)
    # The face is found in a second thread while the speech is analysed, and the watermark's
    # module is loaded there after it; a face error is raised first. Most of both holds the
    # GIL (imports, pocketsphinx's model loading), so little of them runs at the same time.
    with ThreadPoolExecutor(1, thread_name_prefix="mundwerk-face") as pool:
        finding = pool.submit(load_portrait, face, face_index)
        if watermark:
            pool.submit(import_module, "mundwerk.provenance.watermark")
        try:
            speech = speech_from(audio, transcript, text, engine, voice, language, track)
        except BaseException:
            finding.result()
            raise
        portrait = finding.result()
    progress(0.2)
    curves = mouth_curves(speech, float(options.exact_fps))
    height, width = portrait.image.shape[:2]
    files = [Path(item) for item in (face, audio, cues) if item is not None]
    job: list[str | Path] = [
        *files,
        repr((seed, still, text, transcript, engine, voice, language, fps, size)),
    ]
    job_id, hook = _watermarked(hook, watermark, job)
    idle = idle_motion_for(speech.audio, curves, seed, still)
    with VideoWriter.open(target, width, height, options, sound_track(speech.audio), hook) as writer:
        _write_frames(writer, portrait, curves, idle, progress)
    inputs = _inputs(face, audio, cues, text, transcript)
    sign_output(target, keys, inputs=inputs, watermarked=job_id is not None, job_id=job_id)
    progress(1.0)
    return RenderResult(target, writer.frame_count, speech.duration_ms, options.exact_fps, job_id)


def _watermarked(
    hook: FrameHook | None, watermark: bool, job: list[str | Path]
) -> tuple[int | None, FrameHook | None]:
    """The job id (a function of ``job``: input files by content, options and seed) and the
    frame hook: ``hook`` then the watermark (or ``hook`` alone)."""
    if not watermark:
        return None, hook
    from mundwerk.provenance.watermark import Embedder
    from mundwerk.watermarking import job_id_for

    job_id = job_id_for(job)
    embed = Embedder.for_job(job_id).embed
    if hook is None:
        return job_id, embed
    user_hook = hook
    return job_id, lambda index, frame: embed(index, user_hook(index, frame))


def _inputs(
    face: str | Path,
    audio: str | Path | None,
    cues: str | Path | None,
    text: str | None,
    transcript: str | None,
) -> list[str | Path | Ingredient]:
    """The render's inputs for its content credentials (files by hash; inline text by its hash)."""
    from mundwerk.signing import text_ingredient

    inputs: list[str | Path | Ingredient] = [face, *(item for item in (audio, cues) if item is not None)]
    if text is not None:
        inputs.append(text_ingredient("text", text))
    if transcript is not None:
        inputs.append(text_ingredient("transcript", transcript))
    return inputs


def _checked_output(output: str | Path) -> Path:
    """``output`` as a path, checked before the slow work (the writer checks again)."""
    target = Path(output)
    directory = target.parent
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"output directory is not a directory: {directory}")
    if not directory.is_dir():
        raise OutputError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"output directory is not writable: {directory}")
    if target.suffix.lower() not in {".mp4", ".m4v", ".mov"}:
        raise UsageError(f"output must be an .mp4 file, got {str(target)!r}")
    return target


def load_portrait(path: str | Path, face_index: int) -> Portrait:
    """The photo at ``path`` (scaled to fit 1080p) prepared for animating its face ``face_index``."""
    from mundwerk.face.image_io import load_image
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.render.portrait import Portrait

    image = load_image(path, MAX_SIDE_PX, MAX_SHORT_SIDE_PX)
    try:
        faces = default_analyzer().detect(image)
    except FaceTooSmallError as e:
        raise FaceTooSmallError(f"{path}: {e}") from e
    except NoFaceError as e:
        raise NoFaceError(f"no face found in {path}: {e}") from e
    return Portrait.prepare(image, choose_face(faces, face_index, path))


def choose_face(faces: Sequence[Face], face_index: int, path: str | Path) -> Face:
    """Face ``face_index`` of ``faces`` (largest first), saying which when there are several
    and warning when it is turned away."""
    from mundwerk.face.landmarks import MAX_TURN_DEG

    if not 0 <= face_index < len(faces):
        raise UsageError(f"invalid --face-index {face_index}: {path} has {len(faces)} usable face(s)")
    if len(faces) > 1:
        which = "the largest" if face_index == 0 else f"number {face_index} by size"
        log.warning(
            "%d faces in %s; animating face %d (%s) — use --face-index to choose",
            len(faces),
            path,
            face_index,
            which,
        )
    chosen = faces[face_index]
    if chosen.turned_away:
        pose = chosen.pose
        log.warning(
            "the face in %s is turned away (yaw %.0f°, pitch %.0f°, over %.0f°); the result may look wrong",
            path,
            pose.yaw_deg,
            pose.pitch_deg,
            MAX_TURN_DEG,
        )
    return chosen


def _write_frames(
    writer: VideoWriter, portrait: Portrait, curves: MouthCurves, idle: IdleMotion, progress: Progress
) -> None:
    import cv2

    from mundwerk.render.portrait import portrait_frames

    count = max(curves.frame_count, 1)
    # This thread draws while the writer's thread encodes: OpenCV's own worker threads would
    # only contend with them for the cores.
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        for index, frame in enumerate(portrait_frames(portrait, curves, motion=idle)):
            writer.write(frame)
            if index % 25 == 0:
                progress(0.2 + 0.8 * index / count)
    finally:
        cv2.setNumThreads(threads)

"""``mundwerk.render(...)``: a portrait photo and speech in, a lip-synced MP4 out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from mundwerk.audio.signal import Audio
from mundwerk.core.curves import MouthCurves
from mundwerk.core.errors import NoFaceError, OutputError, UsageError
from mundwerk.core.phones import Phone

if TYPE_CHECKING:
    from mundwerk.render.portrait import Portrait
    from mundwerk.render.video import FrameHook, VideoWriter

log = logging.getLogger(__name__)

#: Called with the share of the work done, 0.0 to 1.0.
Progress = Callable[[float], None]
#: Photos are scaled so their longer side is at most this (1080p).
MAX_SIDE_PX = 1920


def _no_progress(_: float) -> None:
    pass


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What ``render`` wrote: the file, its frame count and the speech's length."""

    path: Path
    frame_count: int
    duration_ms: int
    fps: Fraction


@dataclass(frozen=True, slots=True, eq=False)
class _Spoken:
    audio: Audio
    phones: tuple[Phone, ...]
    duration_ms: int


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
    fps: Fraction | float | str = 25,
    size: tuple[int, int] | None = None,
    seed: int = 0,
    still: bool = False,
    face_index: int = 0,
    hook: FrameHook | None = None,
    progress: Progress = _no_progress,
) -> RenderResult:
    """Make ``face`` (an image file) say ``text`` (spoken by ``engine``) or the speech in
    ``audio`` (aligned to ``transcript`` when given); write an H.264+AAC MP4 to ``output``.

    ``hook`` sees every frame before it is encoded (index, RGB frame) and returns the frame.
    """
    from mundwerk.render.video import VideoOptions, VideoWriter, frame_rate

    options = VideoOptions(fps=frame_rate(fps), size=size)
    target = _checked_output(output)
    portrait = load_portrait(face, face_index)
    progress(0.05)
    spoken = _speech(audio, transcript, text, engine, voice, language)
    progress(0.2)
    curves = _curves(spoken, float(options.exact_fps))
    height, width = portrait.image.shape[:2]
    with VideoWriter.open(target, width, height, options, spoken.audio, hook) as writer:
        _write_frames(writer, portrait, curves, seed, still, progress)
    progress(1.0)
    return RenderResult(target, writer.frame_count, spoken.duration_ms, options.exact_fps)


def _checked_output(output: str | Path) -> Path:
    target = Path(output)
    if not target.parent.is_dir():
        raise OutputError(f"output directory does not exist: {target.parent}")
    if target.suffix.lower() not in {".mp4", ".m4v", ".mov"}:
        raise UsageError(f"output must be an .mp4 file, got {str(target)!r}")
    return target


def load_portrait(path: str | Path, face_index: int) -> Portrait:
    from mundwerk.face.image_io import load_image
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.render.portrait import Portrait

    image = load_image(path, MAX_SIDE_PX)
    try:
        faces = default_analyzer().detect(image)
    except NoFaceError as e:
        raise type(e)(f"no face found in {path}: {e}") from e
    if not 0 <= face_index < len(faces):
        raise UsageError(f"invalid --face-index {face_index}: {path} has {len(faces)} face(s)")
    chosen = faces[face_index]
    if len(faces) > 1:
        log.warning("%s has %d faces; animating face %d (largest first)", path, len(faces), face_index)
    if chosen.turned_away:
        log.warning("the face in %s is turned away; the result may look wrong", path)
    return Portrait.prepare(image, chosen)


def _speech(
    audio: str | Path | None,
    transcript: str | None,
    text: str | None,
    engine: str,
    voice: str | None,
    language: str | None,
) -> _Spoken:
    if (audio is None) == (text is None):
        raise UsageError("give the speech either as audio or as text to speak")
    if text is not None:
        from mundwerk.speaking import speak

        speech = speak(text, engine=engine, voice=voice, language=language)
        analysis = speech.analysis
        return _Spoken(speech.synthesis.native_audio, analysis.alignment.phones, analysis.duration_ms)
    from mundwerk.api import Analyzer
    from mundwerk.audio.decode import decode

    assert audio is not None
    analysis = Analyzer.load().analyze(audio, transcript)
    return _Spoken(decode(audio), analysis.alignment.phones, analysis.duration_ms)


def _curves(spoken: _Spoken, fps: float) -> MouthCurves:
    from mundwerk.mouth.curves.build import curves_from_phones

    return curves_from_phones(spoken.phones, spoken.duration_ms, fps)


def _write_frames(
    writer: VideoWriter, portrait: Portrait, curves: MouthCurves, seed: int, still: bool, progress: Progress
) -> None:
    from mundwerk.render.portrait import portrait_frames

    count = max(curves.frame_count, 1)
    for index, frame in enumerate(portrait_frames(portrait, curves, seed, still)):
        writer.write(frame)
        if index % 25 == 0:
            progress(0.2 + 0.8 * index / count)

"""What a rendered face says, from any of its three sources, as the render job needs it.

- audio with or without a transcript: aligned or recognised (``mundwerk.api.Analyzer``);
- text: spoken by a synthesizer (``mundwerk.speaking``), whose own timing gives the phones;
- a cue or curves file with the audio it was made for: the mouth follows the file.

``speech_from(...)`` gives the sound, the phones (or the cue track) and the length;
``mouth_curves`` the mouth per video frame; ``idle_motion_for`` blinks, gaze, brows and head
motion following the speech's loudness and pitch; ``sound_track`` the sound for the video
writer. An audio file is never held whole: it is read block by block wherever it is needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mundwerk.audio.signal import Audio
from mundwerk.core.curves import MouthCurves
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Phone

if TYPE_CHECKING:
    from mundwerk.export.reading import MouthTrack
    from mundwerk.mouth.idle import IdleMotion
    from mundwerk.render.video import StreamedAudio

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class CueTrack:
    """A cue or curves file's animation, and the file it came from (for messages)."""

    path: Path
    track: MouthTrack


@dataclass(frozen=True, slots=True, eq=False)
class Spoken:
    """The speech: its sound (held when synthesized, else the audio file), its phones (none
    when a cue track drives the mouth), its length and the cue track if any."""

    audio: Audio | Path
    phones: tuple[Phone, ...]
    duration_ms: int
    track: CueTrack | None = None


def read_cue_track(
    cues: str | Path | None,
    cues_format: str | None,
    cues_fps: float,
    audio: str | Path | None,
    text: str | None,
    transcript: str | None,
) -> CueTrack | None:
    """The cue file's animation (None without one), read before the slow work so a bad file
    fails at once."""
    if cues is None:
        return None
    if audio is None or text is not None or transcript is not None:
        raise UsageError("cues go with the audio they were made for (and no text or transcript)")
    from mundwerk.export.readers import read_cue_file
    from mundwerk.export.reading import ReadOptions

    return CueTrack(Path(cues), read_cue_file(cues, cues_format, ReadOptions(dat_fps=cues_fps)))


def speech_from(
    audio: str | Path | None,
    transcript: str | None,
    text: str | None,
    engine: str,
    voice: str | None,
    language: str | None,
    track: CueTrack | None = None,
) -> Spoken:
    """The speech of ``text`` (spoken by ``engine``) or of ``audio`` (aligned to
    ``transcript`` when given; only measured when ``track`` drives the mouth)."""
    if (audio is None) == (text is None):
        raise UsageError("give the speech either as audio or as text to speak")
    if text is not None:
        from mundwerk.speaking import speak

        speech = speak(text, engine=engine, voice=voice, language=language)
        analysis = speech.analysis
        return Spoken(speech.synthesis.native_audio, analysis.alignment.phones, analysis.duration_ms)
    from mundwerk.api import Analyzer
    from mundwerk.audio.decode import measure_duration_ms

    assert audio is not None
    if track is not None:
        return Spoken(Path(audio), (), measure_duration_ms(audio), track)
    analysis = Analyzer.load().analyze(audio, transcript)
    return Spoken(Path(audio), analysis.alignment.phones, analysis.duration_ms)


def mouth_curves(speech: Spoken, fps: float) -> MouthCurves:
    """The mouth at each video frame: from the phones, or the cue track's (cut at the audio's end)."""
    from mundwerk.mouth.curves.build import curves_from_phones

    if speech.track is not None:
        return _cue_curves(speech.track, speech.duration_ms, fps)
    return curves_from_phones(speech.phones, speech.duration_ms, fps)


def _cue_curves(cues: CueTrack, duration_ms: int, fps: float) -> MouthCurves:
    """The cue file's mouth at each frame of the audio; cues past its end are cut (a warning)."""
    end_ms = cues.track.end_ms
    if end_ms > duration_ms + cues.track.resolution_ms:
        log.warning(
            "the cues in %s run to %.2f s, past the end of the audio (%.2f s); cut at %.2f s",
            cues.path,
            end_ms / 1000,
            duration_ms / 1000,
            duration_ms / 1000,
        )
    return cues.track.curves(duration_ms, fps)


def idle_motion_for(audio: Audio | Path, curves: MouthCurves, seed: int, still: bool) -> IdleMotion:
    """Blinks, gaze, brows and head motion for these frames, following the speech's loudness and pitch."""
    from mundwerk.audio.decode import iter_blocks
    from mundwerk.audio.prosody import prosody, prosody_of_blocks
    from mundwerk.mouth.idle import idle_motion

    count, fps = curves.frame_count, curves.fps
    if still:
        return idle_motion(count, fps, still=True)
    if isinstance(audio, Audio):
        speech = prosody(audio, fps, count)
    else:
        speech = prosody_of_blocks(iter_blocks(audio), fps, count)
    return idle_motion(count, fps, energy_db=speech.energy_db, pitch_hz=speech.pitch_hz, seed=seed)


def sound_track(audio: Audio | Path) -> Audio | StreamedAudio:
    """The sound track for the video writer: held audio as it is, a file read block by block."""
    if isinstance(audio, Audio):
        return audio
    from mundwerk.audio.decode import iter_blocks
    from mundwerk.core.constants import SAMPLE_RATE_HZ
    from mundwerk.render.video import StreamedAudio

    return StreamedAudio(SAMPLE_RATE_HZ, (block.samples for block in iter_blocks(audio)))

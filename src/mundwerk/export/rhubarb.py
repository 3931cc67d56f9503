"""Rhubarb Lip Sync's conventions shared by its formats: centisecond times, the rest shape,
the joined, gap-free animation and JSON string escaping."""

from __future__ import annotations

from mundwerk.core.analysis import Analysis
from mundwerk.core.constants import RHUBARB_RESOLUTION_MS
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def to_rhubarb_ms(time_ms: int) -> int:
    """``time_ms`` rounded (half up) to Rhubarb's centisecond resolution, still in ms."""
    step = RHUBARB_RESOLUTION_MS
    return (time_ms + step // 2) // step * step


def seconds_text(time_ms: int) -> str:
    """Rhubarb's time format: seconds with two decimals, e.g. ``"0.38"``."""
    centiseconds = to_rhubarb_ms(time_ms) // RHUBARB_RESOLUTION_MS
    return f"{centiseconds // 100}.{centiseconds % 100:02d}"


def rest_shape(analysis: Analysis) -> MouthShape:
    """The closed, idle mouth in the analysis' shape set: X if allowed, else A."""
    return MouthShape.X if MouthShape.X in analysis.options.extended_shapes else MouthShape.A


def duration_ms(analysis: Analysis) -> int:
    """The animation's length at Rhubarb's resolution: whole centiseconds, rounded down as
    Rhubarb does (its 44,580-sample goforward.wav, 2.786 s, says 2.78)."""
    return analysis.duration_ms // RHUBARB_RESOLUTION_MS * RHUBARB_RESOLUTION_MS


def animation(analysis: Analysis) -> Timeline[MouthShape]:
    """The cues as Rhubarb exports them: centisecond bounds inside ``[0, duration)``,
    no empty cues, gaps filled with the rest shape, equal neighbours joined."""
    end_ms = duration_ms(analysis)
    kept = []
    for cue in analysis.cues:
        start_ms = min(to_rhubarb_ms(max(cue.start_ms, 0)), end_ms)
        stop_ms = min(to_rhubarb_ms(max(cue.end_ms, 0)), end_ms)
        if stop_ms > start_ms:
            kept.append(Timed(start_ms, stop_ms, cue.value))
    return Timeline(kept).filled(rest_shape(analysis), 0, end_ms).merged()


def cues_or_dummy(analysis: Analysis) -> Timeline[MouthShape]:
    """The animation, or one zero-length rest cue when it is empty (as Rhubarb's XML/JSON)."""
    cues = animation(analysis)
    return cues if cues else Timeline([Timed(0, 0, rest_shape(analysis))])


def escape_json(text: str) -> str:
    """``text`` escaped for a JSON string as Rhubarb does: control and non-ASCII characters
    become ``\\uXXXX`` of their UTF-16 code units, lower-case hex."""
    pieces = []
    for character in text:
        if character in _JSON_ESCAPES:
            pieces.append(_JSON_ESCAPES[character])
        elif " " <= character < "\x80":
            pieces.append(character)
        else:
            pieces.append(_utf16_escape(character))
    return "".join(pieces)


def _utf16_escape(character: str) -> str:
    units = character.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))

"""Reading cue and curves files back: the formats mundwerk writes, e.g. after an animator
corrected them by hand. One registry keyed by format name, like the exporters'.

The format is told by the file's content (each format has a clear signature), else by its
extension; ``format`` overrides both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mundwerk.core.errors import UnknownChoiceError, UsageError
from mundwerk.core.text_files import read_utf8
from mundwerk.export import curves_csv, curves_json, dat, json, tsv, xml
from mundwerk.export.reading import CueFileError, MouthTrack, ReadOptions

#: Largest cue file read (a 10-minute curves file at 60 fps is about 12 MB).
MAX_BYTES = 64_000_000


@dataclass(frozen=True, slots=True)
class CueFormat:
    """A registry entry: a format's name, its file extensions, its reader and its signature test."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[str, str, ReadOptions], MouthTrack]
    looks_like: Callable[[str], bool]


_FORMATS: dict[str, CueFormat] = {
    entry.name: entry
    for entry in (
        CueFormat("tsv", ("tsv", "txt"), tsv.read, tsv.looks_like),
        CueFormat("xml", ("xml",), xml.read, xml.looks_like),
        CueFormat("json", ("json",), json.read, json.looks_like),
        CueFormat("dat", ("dat",), dat.read, dat.looks_like),
        CueFormat("curves-csv", ("csv",), curves_csv.read, curves_csv.looks_like),
        CueFormat("curves-json", (), curves_json.read, curves_json.looks_like),
    )
}

#: Every readable format name, in the order they are listed to users.
CUE_FORMATS: tuple[str, ...] = tuple(_FORMATS)


def cue_format(name: str) -> CueFormat:
    """The registry entry called ``name``."""
    try:
        return _FORMATS[name]
    except KeyError as error:
        raise UnknownChoiceError("cue format", name, CUE_FORMATS) from error


def detect_cue_format(text: str, path: Path) -> str:
    """The format of a file with ``text`` at ``path``: by content, else by extension."""
    for entry in _FORMATS.values():
        if entry.looks_like(text):
            return entry.name
    suffix = path.suffix.lower().lstrip(".")
    for entry in _FORMATS.values():
        if suffix in entry.extensions:
            return entry.name
    raise UsageError(f"cannot tell the format of the cue file {path}; give one of: {', '.join(CUE_FORMATS)}")


def read_cue_file(
    path: str | Path, format: str | None = None, options: ReadOptions | None = None
) -> MouthTrack:
    """The mouth animation in the cue or curves file at ``path``."""
    path = Path(path)
    entry = cue_format(format) if format is not None else None
    text = _read_text(path)
    if entry is None:
        entry = _FORMATS[detect_cue_format(text, path)]
    return entry.read(text, path.name, options or ReadOptions())


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_utf8 names what is wrong with the path
    if size > MAX_BYTES:
        raise CueFileError(f"cue file too large: {path} ({size} bytes)")
    return read_utf8(path, "cue file", CueFileError)

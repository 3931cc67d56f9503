"""Reading the text files users give: transcripts, scripts, lexicons (UTF-8, a BOM allowed)."""

from __future__ import annotations

from pathlib import Path

from mundwerk.core.errors import MundwerkError


def read_utf8(path: str | Path, what: str, error: type[MundwerkError]) -> str:
    """The text of ``path``; ``error`` (with ``what`` naming the file's role) when it cannot
    be read or is not UTF-8, naming the file and, for bad bytes, where."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as cause:
        raise error(f"{what} not found: {path}") from cause
    except IsADirectoryError as cause:
        raise error(f"{what} is a directory: {path}") from cause
    except OSError as cause:
        raise error(f"cannot read {what} {path}: {cause.strerror}") from cause
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as cause:
        bad = data[cause.start]
        raise error(f"{what} is not UTF-8 text: {path} (byte {cause.start}: {bad:#04x})") from cause

"""Path handling at the edge: reading transcripts, planning and writing outputs atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from mundwerk.core.errors import OutputError, TranscriptError
from mundwerk.core.file_modes import publish
from mundwerk.core.text_files import read_utf8

STDOUT = "-"


def read_transcript(path: str | Path) -> str:
    """The text of a transcript file (UTF-8, a BOM allowed)."""
    return read_utf8(path, "transcript", TranscriptError)


def sibling_transcript(audio_path: str | Path) -> Path:
    """The ``.txt`` file beside an audio file, with the same stem (``--transcript auto``)."""
    return Path(audio_path).with_suffix(".txt")


def check_output_directory(directory: Path) -> None:
    """Raise unless ``directory`` exists and can be written to."""
    if not directory.exists():
        raise OutputError(f"output directory does not exist: {directory}")
    if not directory.is_dir():
        raise OutputError(f"output directory is not a directory: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"output directory is not writable: {directory}")


def plan_outputs(inputs: Sequence[str], output: str | None, extension: str) -> list[str]:
    """Where each input's result goes: ``-`` for stdout, else a file path.

    One input: ``output`` names the file (default stdout). Several: ``output`` names a
    directory and each result is ``<stem>.<extension>`` (default: beside the input).
    """
    if len(inputs) == 1:
        target = output or STDOUT
        if target != STDOUT:
            check_output_directory(Path(target).parent if Path(target).parent != Path() else Path("."))
            if Path(target).is_dir():
                raise OutputError(f"output is a directory, expected a file: {target}")
        return [target]
    if output == STDOUT:
        return [STDOUT] * len(inputs)
    if output is not None:
        check_output_directory(Path(output))
    planned = [
        str((Path(output) if output else Path(name).parent) / f"{Path(name).stem}.{extension}")
        for name in inputs
    ]
    duplicates = {path for path in planned if planned.count(path) > 1}
    if duplicates:
        raise OutputError(f"several inputs would write the same output: {sorted(duplicates)[0]}")
    return planned


def write_text_atomically(target: str, write: Callable[[TextIO], None]) -> None:
    """Write text to ``target`` (``-`` is stdout) so that no half-written file is ever left."""
    if target == STDOUT:
        write(sys.stdout)
        sys.stdout.flush()
        return
    path = Path(target)
    if path.exists() and not path.is_file() and not path.is_dir():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO): write to it directly. Renaming a
        # finished file over it would replace the device itself.
        with path.open("w", encoding="utf-8", newline="") as stream:
            write(stream)
        return
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as error:
        raise OutputError(f"cannot write to {path.parent or '.'}: {error.strerror}") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            write(stream)
        publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

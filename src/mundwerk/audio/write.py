"""Writing WAV files: 16-bit PCM, appended block by block, renamed into place at the end."""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

from mundwerk.core.errors import OutputError
from mundwerk.core.file_modes import publish

_FULL_SCALE = 32767


class WavWriter:
    """A mono 16-bit WAV file written in blocks (``append``) to a temporary file beside
    ``path``; ``with`` renames it into place on success and deletes it on any error."""

    def __init__(self, path: str | Path, sample_rate_hz: int) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            # Renaming over a device such as /dev/null would replace the device itself.
            raise OutputError(f"output is not a regular file: {self.path}")
        self.sample_rate_hz = sample_rate_hz
        self.frames = 0
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
            )
        except OSError as error:
            raise OutputError(f"cannot write to {self.path.parent}: {error.strerror}") from error
        self._temporary = Path(temporary)
        self._file = os.fdopen(handle, "wb")
        self._wave = wave.open(self._file, "wb")  # noqa: SIM115 (closed in close())
        self._wave.setnchannels(1)
        self._wave.setsampwidth(2)
        self._wave.setframerate(sample_rate_hz)

    def append(self, samples: npt.NDArray[np.float32]) -> None:
        """Add float samples in [-1, 1] (clipped) as 16-bit PCM."""
        pcm = np.clip(np.round(samples * _FULL_SCALE), -_FULL_SCALE - 1, _FULL_SCALE).astype("<i2")
        self._wave.writeframesraw(pcm.tobytes())
        self.frames += len(pcm)

    def close(self) -> None:
        """Finish the header and rename the file into place."""
        self._wave.close()
        self._file.close()
        publish(self._temporary, self.path)

    def discard(self) -> None:
        """Drop the temporary file; ``path`` is left as it was."""
        try:
            self._wave.close()
        finally:
            self._file.close()
            self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_wav(path: str | Path, samples: npt.NDArray[np.float32], sample_rate_hz: int) -> None:
    """Write ``samples`` as a mono 16-bit WAV file, atomically."""
    with WavWriter(path, sample_rate_hz) as writer:
        writer.append(samples)

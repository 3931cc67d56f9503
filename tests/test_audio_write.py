"""The WAV writer never renames a file over a device."""

from __future__ import annotations

from pathlib import Path

import pytest

from mundwerk.audio.write import WavWriter
from mundwerk.core.errors import OutputError


def test_a_device_is_refused_and_left_alone() -> None:
    with pytest.raises(OutputError, match="not a regular file: /dev/null"):
        WavWriter("/dev/null", 22_050)
    assert Path("/dev/null").is_char_device()

"""What ``mundwerk render`` loads before its work starts (start-up is part of its 8 s budget)."""

from __future__ import annotations

import subprocess
import sys

from mundwerk.commands.render import CUE_FORMAT_NAMES
from mundwerk.export.readers import CUE_FORMATS


def _modules_after(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_the_help_names_every_cue_format() -> None:
    assert CUE_FORMAT_NAMES == CUE_FORMATS


def test_the_parser_loads_no_cue_readers_and_no_progress_bar() -> None:
    loaded = _modules_after("from mundwerk.cli import build_parser; build_parser(['render', '-q'])")
    assert "mundwerk.export.readers" not in loaded
    assert not {name for name in loaded if name.split(".")[0] == "rich"}


def test_watermarking_a_frame_loads_no_scipy() -> None:
    code = (
        "import numpy as np\n"
        "from mundwerk.provenance.watermark import Embedder\n"
        "import mundwerk.rendering\n"
        "Embedder.for_job(7).embed(0, np.zeros((720, 1280, 3), np.uint8))"
    )
    assert not {name for name in _modules_after(code) if name.split(".")[0] == "scipy"}

"""Shared test setup: mundwerk's config dir (signing keys) lives in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Local signing keys are made once per session here, never in the user's ~/.config."""
    folder = tmp_path_factory.mktemp("config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MUNDWERK_CONFIG_DIR", str(folder))
        yield folder

"""Finished outputs get the permissions a plainly created file would have."""

from __future__ import annotations

import os
from pathlib import Path


def publish(temporary: str | Path, target: str | Path) -> None:
    """Rename a finished temporary file onto ``target``, with the user's umask applied
    (temporary files are created private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, target)

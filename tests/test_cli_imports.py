"""The command line imports only the command it runs (start-up time is part of every command)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mundwerk.cli import COMMANDS, build_parser


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys; from mundwerk.cli import build_parser; "
        f"build_parser({argv!r}); print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("argv", [["render", "--face", "x.jpg"], ["--debug", "render"]])
def test_a_named_command_imports_only_its_own_module(argv: list[str]) -> None:
    loaded = _modules_after(argv)
    assert "mundwerk.commands.render" in loaded
    assert not {f"mundwerk.commands.{name}" for name in COMMANDS if name != "render"} & loaded
    assert "mediapipe" not in loaded and "matplotlib" not in loaded


def test_help_without_a_command_lists_every_command() -> None:
    listed = build_parser([]).format_help()
    assert all(name in listed for name in COMMANDS)

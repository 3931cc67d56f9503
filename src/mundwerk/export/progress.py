"""Rhubarb's ``--machineReadable`` protocol: one JSON object a line on stderr for plugins."""

from __future__ import annotations

from typing import TextIO

from mundwerk.export.rhubarb import escape_json


class MachineReadableReporter:
    """Writes start, progress, success and failure events exactly as Rhubarb does.

    A progress event is written only when the whole percentage grows.
    """

    def __init__(self, stream: TextIO, file_name: str) -> None:
        self.stream = stream
        self.file_name = file_name
        self._last_percent = -1

    def start(self) -> None:
        file = escape_json(self.file_name)
        log = _log("Info", f"Application startup. Input file: {self.file_name}.")
        self._emit(f'{{ "type": "start", "file": "{file}", {log} }}')

    def progress(self, value: float) -> None:
        value = min(max(value, 0.0), 1.0)
        percent = int(value * 100)
        if percent <= self._last_percent:
            return
        self._last_percent = percent
        log = _log("Trace", f"Progress: {percent}%")
        self._emit(f'{{ "type": "progress", "value": {value:.2f}, {log} }}')

    def success(self) -> None:
        self._emit(f'{{ "type": "success", {_log("Info", "Application terminating normally.")} }}')

    def failure(self, reason: str) -> None:
        log = _log("Fatal", f"Application terminating with error: {reason}")
        self._emit(f'{{ "type": "failure", "reason": "{escape_json(reason)}", {log} }}')

    def _emit(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def _log(level: str, message: str) -> str:
    return f'"log": {{ "level": "{level}", "message": "{escape_json(message)}" }}'

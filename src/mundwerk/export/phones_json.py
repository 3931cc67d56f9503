"""Words and phones with their times in seconds, as the recognizer aligned them."""

from __future__ import annotations

from typing import TextIO

from mundwerk.core.analysis import Analysis
from mundwerk.core.phones import Phone, Word
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.curves_json import json_text


def phone_entry(phone: Phone) -> dict[str, object]:
    stress = None if phone.stress is None else phone.stress.value
    return {
        "phone": phone.symbol,
        "start_s": phone.start_ms / 1000,
        "end_s": phone.end_ms / 1000,
        "stress": stress,
    }


def word_entry(word: Word) -> dict[str, object]:
    phones = [phone_entry(phone) for phone in word.phones]
    return {"text": word.text, "start_s": word.start_ms / 1000, "end_s": word.end_ms / 1000, "phones": phones}


class PhonesJsonExporter:
    """``words`` (each with its phones) and the full ``phones`` sequence, silences included."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        alignment = analysis.alignment
        document = {
            "format": "mundwerk-phones",
            "version": 1,
            "duration_s": max(analysis.duration_ms, 0) / 1000,
            "words": [word_entry(word) for word in alignment.words],
            "phones": [phone_entry(phone) for phone in alignment.phones],
        }
        stream.write(json_text(document) + "\n")


FORMAT = ExportFormat(
    "phones-json", "json", PhonesJsonExporter(), "Aligned words and phones in seconds (JSON)"
)

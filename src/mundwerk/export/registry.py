"""The one place format names map to exporters.

A format plugs in as a module defining ``FORMAT`` (an ``ExportFormat``) and one entry in
``_MODULES``; nothing else branches on a format's name.
"""

from __future__ import annotations

from mundwerk.core.errors import UnknownChoiceError
from mundwerk.export import curves_csv, curves_json, dat, json, phones_json, tsv, visemes_json, xml
from mundwerk.export.base import Exporter, ExportFormat

_MODULES = (tsv, xml, json, dat, curves_csv, curves_json, visemes_json, phones_json)

_FORMATS: dict[str, ExportFormat] = {module.FORMAT.name: module.FORMAT for module in _MODULES}

#: Every format name, in the order they are listed to users.
EXPORT_FORMATS: tuple[str, ...] = tuple(_FORMATS)


def export_format(name: str) -> ExportFormat:
    """The registry entry called ``name``."""
    try:
        return _FORMATS[name]
    except KeyError as error:
        raise UnknownChoiceError("format", name, EXPORT_FORMATS) from error


def get_exporter(name: str) -> Exporter:
    """The exporter of the format called ``name`` (exporters are stateless and shared)."""
    return export_format(name).exporter


def extension_for(name: str) -> str:
    """The file extension (without a dot) of the format called ``name``."""
    return export_format(name).extension

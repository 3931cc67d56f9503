"""Recognizer names → implementations; the one place a name is looked up."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from mundwerk.core.errors import UnknownChoiceError
from mundwerk.speech.base import Recognizer

# name → (module, class); each class has a ``load()`` classmethod doing the heavy I/O.
_RECOGNIZERS: dict[str, tuple[str, str]] = {
    "pocketsphinx": ("mundwerk.speech.pocketsphinx", "PocketSphinxRecognizer"),
    "phonetic": ("mundwerk.speech.phonetic", "PhoneticRecognizer"),
}

RECOGNIZER_NAMES = tuple(_RECOGNIZERS)


def canonical_recognizer_name(name: str) -> str:
    """The registry key for ``name``, accepting Rhubarb's spelling (``pocketSphinx``)."""
    key = name.lower()
    if key not in _RECOGNIZERS:
        raise UnknownChoiceError("recognizer", name, RECOGNIZER_NAMES)
    return key


def load_recognizer(name: str) -> Recognizer:
    """Load the recognizer called ``name`` (models load here, once)."""
    module_name, class_name = _RECOGNIZERS[canonical_recognizer_name(name)]
    factory: Callable[[], Recognizer] = getattr(import_module(module_name), class_name).load
    return factory()

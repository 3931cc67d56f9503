"""A small ctypes binding to libespeak-ng as shipped by the PyPI package espeakng-loader.

The library is global state: every call goes through :data:`LOCK`, and the library is
initialised once (synchronous output, phoneme events carrying IPA names).
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from functools import cache

import espeakng_loader

LOCK = threading.RLock()

# espeak_AUDIO_OUTPUT and initialise options (speak_lib.h)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000

# espeak_EVENT_TYPE
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_SENTENCE = 2
EVENT_END = 5
EVENT_MSG_TERMINATED = 6
EVENT_PHONEME = 7

# espeak_PARAMETER
PARAM_RATE = 1
PARAM_PITCH = 3

_CHARS_UTF8 = 1
#: espeakPHONEMES: text inside ``[[ ]]`` is espeak phoneme mnemonics (the user lexicon uses it).
_PHONEME_INPUT = 0x100
_POS_CHARACTER = 1
_PHONEMES_IPA = 0x02
_EE_OK = 0
_MAX_QUEUED_EVENTS = 4


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


class _Voice(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True, slots=True)
class Event:
    """One synthesis event: its type, the sample it happens at, the text position, a name."""

    kind: int
    sample: int
    text_position: int
    length: int
    name: str


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """An installed espeak voice: its file identifier, display name and language codes."""

    identifier: str
    name: str
    languages: tuple[str, ...]


class _Collector:
    """Receives audio buffers and events from the synth callback."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.events: list[Event] = []

    def __call__(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        if count > 0 and wav:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events[index].type != EVENT_LIST_TERMINATED:
            self.events.append(_to_event(events[index]))
            index += 1
        return 0


def _to_event(raw: _Event) -> Event:
    name = raw.id.string.decode("utf-8", "replace") if raw.type == EVENT_PHONEME else ""
    return Event(raw.type, raw.sample, raw.text_position, raw.length, name)


@dataclass(slots=True)
class _State:
    lib: ctypes.CDLL
    sample_rate_hz: int
    collector: _Collector
    callback: object  # keeps the ctypes callback alive
    voice: str = ""
    #: Voice changes since the last synthesis: each queues an event that the next one reports.
    queued_events: int = 0


@cache
def _state() -> _State:
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    _declare(lib)
    options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
    data_path = espeakng_loader.get_data_path().encode()
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, options)
    if rate <= 0:
        raise RuntimeError(f"libespeak-ng failed to initialise (data {data_path!r})")
    collector = _Collector()
    callback = _CALLBACK(collector)
    lib.espeak_SetSynthCallback(callback)
    return _State(lib, rate, collector, callback)


def _declare(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = (_CALLBACK,)
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = (
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    )  # fmt: skip
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.restype = ctypes.c_int
    lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    lib.espeak_TextToPhonemes.argtypes = (ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int)
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p


def sample_rate_hz() -> int:
    """The rate espeak synthesises at (22050 Hz for its own voices)."""
    return _state().sample_rate_hz


def set_voice(name: str) -> bool:
    """Select a voice by identifier or language code; False if espeak does not know it."""
    with LOCK:
        state = _state()
        if name == state.voice:
            return True
        state.voice = ""
        if int(state.lib.espeak_SetVoiceByName(name.encode())) != _EE_OK:
            return False
        state.voice = name
        state.queued_events += 1
        return True


def set_parameter(parameter: int, value: int) -> None:
    """Set an absolute synthesis parameter (``PARAM_RATE`` in words/minute, ``PARAM_PITCH`` 0–100)."""
    with LOCK:
        _state().lib.espeak_SetParameter(parameter, value, 0)


def synthesize(text: str) -> tuple[bytes, tuple[Event, ...]]:
    """16-bit PCM at :func:`sample_rate_hz` and the events, for the voice set last."""
    with LOCK:
        state = _state()
        if state.queued_events > _MAX_QUEUED_EVENTS:
            _synthesize(state, "")  # reports the queued events, which would crowd out the real ones
        state.queued_events = 0
        return _synthesize(state, text)


def _synthesize(state: _State, text: str) -> tuple[bytes, tuple[Event, ...]]:
    state.collector.chunks.clear()
    state.collector.events.clear()
    data = text.encode() + b"\0"
    buffer = ctypes.create_string_buffer(data)
    status = state.lib.espeak_Synth(
        buffer, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _PHONEME_INPUT, None, None
    )
    if status != _EE_OK:
        raise RuntimeError(f"espeak_Synth failed with status {status}")
    state.lib.espeak_Synchronize()
    return b"".join(state.collector.chunks), tuple(state.collector.events)


def text_to_phonemes(text: str) -> str:
    """IPA for ``text`` in the voice set last, clauses joined by spaces, words by spaces."""
    with LOCK:
        state = _state()
        pointer = ctypes.c_char_p(text.encode())
        clauses: list[str] = []
        while pointer.value:
            result = state.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
            if result:
                clauses.append(result.decode("utf-8", "replace"))
        return " ".join(clause for clause in clauses if clause)


def list_voices() -> tuple[VoiceInfo, ...]:
    """Every voice espeak has, in its own order."""
    with LOCK:
        voices = _state().lib.espeak_ListVoices(None)
        found: list[VoiceInfo] = []
        index = 0
        while voices[index]:
            voice = voices[index].contents
            found.append(_voice_info(voice))
            index += 1
        return tuple(found)


def _voice_info(voice: _Voice) -> VoiceInfo:
    return VoiceInfo(
        identifier=(voice.identifier or b"").decode(),
        name=(voice.name or b"").decode(),
        languages=_languages(voice.languages or 0),
    )


def _languages(address: int) -> tuple[str, ...]:
    """Decode espeak's list of (priority byte, NUL-terminated code) pairs ending in a 0 byte."""
    codes: list[str] = []
    while address and ctypes.string_at(address, 1) != b"\0":
        code = ctypes.string_at(address + 1)
        codes.append(code.decode())
        address += 2 + len(code)
    return tuple(codes)

"""Just enough of protobuf's wire format to look inside the model files mundwerk ships or
loads (the phonetic network's ONNX weights, piper's ONNX graph, MediaPipe's face geometry)
without the protobuf or onnx packages.

A message is a run of fields, each a key (field number and wire type) and a value: a
varint (wire type 0), 8 bytes (1), a length-prefixed run of bytes (2: strings, bytes,
sub-messages, packed repeated numbers) or 4 bytes (5).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
_FIXED_SIZES = {FIXED64: 8, FIXED32: 4}


class WireFormatError(ValueError):
    """The bytes are not a protobuf message this reader understands (truncated, or a wire
    type it does not read)."""


@dataclass(frozen=True, slots=True)
class WireField:
    """One field: its number, wire type, value (an int for varints, else the raw bytes) and
    where it lies in the message (from its key at ``start`` to the end of its value)."""

    number: int
    wire: int
    value: int | bytes
    start: int
    end: int


def read_varint(data: bytes, position: int) -> tuple[int, int]:
    """The varint at ``position`` and the position after it."""
    value = shift = 0
    while True:
        if position >= len(data):
            raise WireFormatError("truncated varint")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, position


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def fields(data: bytes) -> Iterator[WireField]:
    """Every field of the message ``data``, in order."""
    position = 0
    while position < len(data):
        start = position
        key, position = read_varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, end = read_varint(data, position)
            yield WireField(number, wire, value, start, end)
            position = end
            continue
        if wire == LENGTH_DELIMITED:
            size, position = read_varint(data, position)
        elif wire in _FIXED_SIZES:
            size = _FIXED_SIZES[wire]
        else:
            raise WireFormatError(f"unsupported protobuf wire type {wire}")
        end = position + size
        if end > len(data):
            raise WireFormatError("truncated protobuf field")
        yield WireField(number, wire, data[position:end], start, end)
        position = end


def repeated_varints(values: Iterable[int | bytes]) -> list[int]:
    """The integers of a repeated varint field, packed (bytes) or not (ints)."""
    numbers: list[int] = []
    for value in values:
        if isinstance(value, int):
            numbers.append(value)
            continue
        position = 0
        while position < len(value):
            number, position = read_varint(value, position)
            numbers.append(number)
    return numbers

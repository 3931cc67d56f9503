"""The protobuf wire reader on messages written by hand from the protobuf encoding guide."""

from __future__ import annotations

import pytest

from mundwerk.core.protobuf_wire import (
    WireFormatError,
    encode_varint,
    fields,
    read_varint,
    repeated_varints,
)


def test_the_guides_examples_read_back() -> None:
    # field 1 = 150 (varint 96 01), field 2 = "testing", field 3 = fixed32, field 4 = fixed64
    message = b"\x08\x96\x01" + b"\x12\x07testing" + b"\x1d\x01\x02\x03\x04" + b"\x21" + bytes(range(8))
    found = [(f.number, f.wire, f.value) for f in fields(message)]
    assert found == [
        (1, 0, 150),
        (2, 2, b"testing"),
        (3, 5, b"\x01\x02\x03\x04"),
        (4, 1, bytes(range(8))),
    ]
    spans = [(f.start, f.end) for f in fields(message)]
    assert spans == [(0, 3), (3, 12), (12, 17), (17, 26)]


def test_varints_round_trip_and_pack() -> None:
    for value in (0, 1, 127, 128, 300, 2**31, 2**63 - 1):
        assert read_varint(encode_varint(value), 0) == (value, len(encode_varint(value)))
    assert encode_varint(300) == b"\xac\x02"
    packed = b"\x03\x8e\x02\x9e\xa7\x05"  # the guide's packed [3, 270, 86942]
    assert repeated_varints([packed]) == [3, 270, 86942]
    assert repeated_varints([5, b"\x01\x02"]) == [5, 1, 2]


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (b"\x08\x96", "truncated varint"),
        (b"\x12\x07test", "truncated protobuf field"),
        (b"\x0b", "unsupported protobuf wire type 3"),
    ],
)
def test_broken_messages_are_named(message: bytes, problem: str) -> None:
    with pytest.raises(WireFormatError, match=problem):
        list(fields(message))

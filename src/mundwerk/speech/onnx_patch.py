"""Expose a piper (VITS) model's per-phoneme durations without the ``onnx`` package.

piper's own ``include_alignments`` needs ``onnx`` to mark the model's one ``Ceil`` tensor
(``w_ceil``: frames per phoneme id) as a graph output. That edit is small enough to make on
the protobuf wire format directly: find the tensor's name among the graph's nodes and
append one ``ValueInfoProto`` to ``GraphProto.output``.
"""

from __future__ import annotations

from collections.abc import Iterator

# Field numbers from onnx.proto
_MODEL_GRAPH = 7
_GRAPH_NODE = 1
_GRAPH_OUTPUT = 12
_NODE_OUTPUT = 2
_NODE_OP_TYPE = 4
_VALUE_INFO_NAME = 1
_LENGTH_DELIMITED = 2


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, position


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _fields(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """``(field number, tag start, value start, value end)`` of each length-delimited field."""
    position = 0
    while position < len(data):
        tag_start = position
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, position = _varint(data, position)
        elif wire == 1:
            position += 8
        elif wire == 5:
            position += 4
        elif wire == _LENGTH_DELIMITED:
            length, position = _varint(data, position)
            yield number, tag_start, position, position + length
            position += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _delimited(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | _LENGTH_DELIMITED) + _encode_varint(len(payload)) + payload


def ceil_outputs(graph: bytes) -> list[bytes]:
    """Names of the tensors that ``Ceil`` nodes in ``graph`` produce."""
    names: list[bytes] = []
    for number, _, start, end in _fields(graph):
        if number != _GRAPH_NODE:
            continue
        node = graph[start:end]
        parts = [(n, node[s:e]) for n, _, s, e in _fields(node)]
        if (_NODE_OP_TYPE, b"Ceil") in parts:
            names.extend(value for n, value in parts if n == _NODE_OUTPUT)
    return names


def with_duration_output(model: bytes) -> bytes:
    """``model`` with its single ``Ceil`` tensor added as the last graph output."""
    for number, tag_start, start, end in _fields(model):
        if number != _MODEL_GRAPH:
            continue
        graph = model[start:end]
        names = ceil_outputs(graph)
        if len(names) != 1:
            raise ValueError(f"expected one Ceil tensor in the voice model, found {len(names)}")
        output = _delimited(_GRAPH_OUTPUT, _delimited(_VALUE_INFO_NAME, names[0]))
        return model[:tag_start] + _delimited(_MODEL_GRAPH, graph + output) + model[end:]
    raise ValueError("the voice model has no graph")

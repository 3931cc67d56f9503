"""Expose a piper (VITS) model's per-phoneme durations without the ``onnx`` package.

piper's own ``include_alignments`` needs ``onnx`` to mark the model's one ``Ceil`` tensor
(``w_ceil``: frames per phoneme id) as a graph output. That edit is small enough to make on
the protobuf wire format directly: find the tensor's name among the graph's nodes and
append one ``ValueInfoProto`` to ``GraphProto.output``.
"""

from __future__ import annotations

from mundwerk.core.protobuf_wire import LENGTH_DELIMITED, encode_varint, fields

# Field numbers from onnx.proto
_MODEL_GRAPH = 7
_GRAPH_NODE = 1
_GRAPH_OUTPUT = 12
_NODE_OUTPUT = 2
_NODE_OP_TYPE = 4
_VALUE_INFO_NAME = 1


def _delimited(number: int, payload: bytes) -> bytes:
    return encode_varint(number << 3 | LENGTH_DELIMITED) + encode_varint(len(payload)) + payload


def ceil_outputs(graph: bytes) -> list[bytes]:
    """Names of the tensors that ``Ceil`` nodes in ``graph`` produce."""
    names: list[bytes] = []
    for field in fields(graph):
        if field.number != _GRAPH_NODE or not isinstance(field.value, bytes):
            continue
        parts = [(part.number, part.value) for part in fields(field.value)]
        if (_NODE_OP_TYPE, b"Ceil") in parts:
            names.extend(value for n, value in parts if n == _NODE_OUTPUT and isinstance(value, bytes))
    return names


def with_duration_output(model: bytes) -> bytes:
    """``model`` with its single ``Ceil`` tensor added as the last graph output."""
    for field in fields(model):
        if field.number != _MODEL_GRAPH or not isinstance(field.value, bytes):
            continue
        graph = field.value
        names = ceil_outputs(graph)
        if len(names) != 1:
            raise ValueError(f"expected one Ceil tensor in the voice model, found {len(names)}")
        output = _delimited(_GRAPH_OUTPUT, _delimited(_VALUE_INFO_NAME, names[0]))
        return model[: field.start] + _delimited(_MODEL_GRAPH, graph + output) + model[field.end :]
    raise ValueError("the voice model has no graph")

"""The phonetic network in numpy, run incrementally for live streams.

onnxruntime recomputes the whole receptive field (44 frames) on every call, and a live
stream calls it for every couple of new frames. Here each convolution keeps the last inputs
it still needs and computes only the new output frames, so a call costs a few small matrix
products per layer. The weights come from the same verified ``phonetic.onnx``, read with a
tiny protobuf reader (the ``onnx`` package is not a runtime dependency); the graph must be
the exported ``FrameNet`` (training/train_phonetic.py): normalisation, 1-D convolutions
without padding, each but the last followed by ReLU, log-softmax. Anything else is a
:class:`UnsupportedGraph` and the caller stays with onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core import protobuf_wire
from mundwerk.core.protobuf_wire import WireFormatError

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.intp]

# Field numbers from onnx.proto
_MODEL_GRAPH, _GRAPH_NODE, _GRAPH_INITIALIZER = 7, 1, 5
_NODE_INPUT, _NODE_OP_TYPE, _NODE_ATTRIBUTE = 1, 4, 5
_ATTRIBUTE_NAME, _ATTRIBUTE_INT, _ATTRIBUTE_INTS = 1, 3, 8
_TENSOR_DIMS, _TENSOR_DATA_TYPE, _TENSOR_NAME, _TENSOR_RAW_DATA = 1, 2, 8, 9
_FLOAT = 1

Field = tuple[int, int | bytes]

#: Rows per matrix product. numpy's OpenBLAS spreads a product of more than about 400,000
#: multiply-adds over threads, which for products this small costs more than it saves (and
#: on a busy machine the threads spin, costing 100 times more); 8 frames of the widest layer
#: stay under that.
ROWS_PER_PRODUCT = 8


class UnsupportedGraph(ValueError):
    """The ONNX graph is not the convolution stack this module runs."""


def _fields(data: bytes) -> list[Field]:
    """``(field number, value)`` of every field: varints as ints, the rest as bytes."""
    try:
        return [(field.number, field.value) for field in protobuf_wire.fields(data)]
    except WireFormatError as e:
        raise UnsupportedGraph(str(e)) from e


def _ints(fields: list[Field], number: int) -> list[int]:
    """A repeated int64 field, packed or not."""
    try:
        return protobuf_wire.repeated_varints(value for field, value in fields if field == number)
    except WireFormatError as e:
        raise UnsupportedGraph(str(e)) from e


def _text(fields: list[Field], number: int) -> list[str]:
    return [value.decode() for field, value in fields if field == number and isinstance(value, bytes)]


def _tensor(data: bytes) -> tuple[str, FloatArray]:
    fields = _fields(data)
    (name,) = _text(fields, _TENSOR_NAME)
    raw = [value for field, value in fields if field == _TENSOR_RAW_DATA and isinstance(value, bytes)]
    if _ints(fields, _TENSOR_DATA_TYPE) != [_FLOAT] or len(raw) != 1:
        raise UnsupportedGraph(f"initializer {name} is not float32 raw data")
    return name, np.frombuffer(raw[0], "<f4").reshape(_ints(fields, _TENSOR_DIMS)).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Node:
    op: str
    inputs: tuple[str, ...]
    attributes: dict[str, list[int]]


def _node(data: bytes) -> _Node:
    fields = _fields(data)
    attributes: dict[str, list[int]] = {}
    for field, value in fields:
        if field == _NODE_ATTRIBUTE and isinstance(value, bytes):
            parts = _fields(value)
            (name,) = _text(parts, _ATTRIBUTE_NAME)
            attributes[name] = _ints(parts, _ATTRIBUTE_INT) + _ints(parts, _ATTRIBUTE_INTS)
    return _Node(_text(fields, _NODE_OP_TYPE)[0], tuple(_text(fields, _NODE_INPUT)), attributes)


@dataclass(frozen=True, slots=True, eq=False)
class ConvLayer:
    """A 1-D convolution over time: ``weight`` ``(kernel * inputs, outputs)``, taps stacked oldest first."""

    weight: FloatArray
    bias: FloatArray
    kernel: int
    dilation: int
    relu: bool

    @property
    def reach(self) -> int:
        """Input frames before an output frame's last one that it needs."""
        return (self.kernel - 1) * self.dilation

    @property
    def inputs(self) -> int:
        return int(self.weight.shape[0]) // self.kernel


@dataclass(frozen=True, slots=True, eq=False)
class ConvNet:
    """Normalisation, then the convolutions, then log-softmax over the classes."""

    mean: FloatArray
    std: FloatArray
    layers: tuple[ConvLayer, ...]

    @classmethod
    def from_onnx(cls, model: bytes) -> ConvNet:
        """The network of an exported ``FrameNet``; an UnsupportedGraph for any other graph."""
        graphs = [value for field, value in _fields(model) if field == _MODEL_GRAPH]
        if len(graphs) != 1 or not isinstance(graphs[0], bytes):
            raise UnsupportedGraph("the model has no single graph")
        fields = _fields(graphs[0])
        tensors = dict(_tensor(v) for f, v in fields if f == _GRAPH_INITIALIZER and isinstance(v, bytes))
        nodes = [_node(v) for f, v in fields if f == _GRAPH_NODE and isinstance(v, bytes)]
        return cls._from_nodes(nodes, tensors)

    @classmethod
    def _from_nodes(cls, nodes: list[_Node], tensors: dict[str, FloatArray]) -> ConvNet:
        ops = [node.op for node in nodes]
        if ops[:3] != ["Sub", "Div", "Transpose"] or ops[-2:] != ["Transpose", "LogSoftmax"]:
            raise UnsupportedGraph(f"unexpected graph {ops}")
        layers: list[ConvLayer] = []
        for position, node in enumerate(nodes[3:-2], start=3):
            if node.op == "Relu" and layers and not layers[-1].relu:
                last = layers[-1]
                layers[-1] = ConvLayer(last.weight, last.bias, last.kernel, last.dilation, True)
            elif node.op == "Conv":
                layers.append(_conv_layer(node, tensors))
            else:
                raise UnsupportedGraph(f"unexpected node {node.op} at {position}")
        if not layers or layers[-1].relu:
            raise UnsupportedGraph("the graph does not end in a convolution without ReLU")
        mean, std = tensors[nodes[0].inputs[1]], tensors[nodes[1].inputs[1]]
        return cls(mean.reshape(-1), std.reshape(-1), tuple(layers))

    @property
    def reach(self) -> int:
        """Input frames an output frame needs besides one: past context plus lookahead."""
        return sum(layer.reach for layer in self.layers)

    def stream(self) -> ConvStream:
        return ConvStream(self)


def _conv_layer(node: _Node, tensors: dict[str, FloatArray]) -> ConvLayer:
    attributes = node.attributes
    plain = {"group": [1], "strides": [1], "pads": [0, 0]}
    if any(attributes.get(name, value) != value for name, value in plain.items()):
        raise UnsupportedGraph(f"convolution with unsupported attributes {attributes}")
    weight = tensors[node.inputs[1]]  # (outputs, inputs, kernel)
    outputs, inputs, kernel = weight.shape
    (dilation,) = attributes.get("dilations", [1])
    stacked = np.ascontiguousarray(weight.transpose(2, 1, 0).reshape(kernel * inputs, outputs))
    bias = tensors[node.inputs[2]] if len(node.inputs) > 2 else np.zeros(outputs, np.float32)
    return ConvLayer(stacked, bias.astype(np.float32), kernel, dilation, False)


class ConvStream:
    """One stream through the network: feed input frames, get the output frames they complete.

    Output frame ``t`` needs input frames ``t .. t + net.reach``; each layer keeps the last
    ``reach`` frames of its input for the next call.
    """

    def __init__(self, net: ConvNet) -> None:
        self._net = net
        self._kept = [np.zeros((0, layer.inputs), np.float32) for layer in net.layers]
        self._taps: dict[tuple[int, int], IndexArray] = {}
        self._last: FloatArray | None = None  # the last input frame, normalised

    def accept(self, frames: FloatArray, held: int = 0) -> tuple[FloatArray, FloatArray]:
        """Log-probabilities of the output frames ``frames`` complete, and, with ``held`` > 0,
        of the ``held`` frames after them as if the last input frame went on that long (a
        guess; nothing of it is kept). Both in one pass through the weights."""
        x = (np.asarray(frames, np.float32) - self._net.mean) / self._net.std
        real = len(x)
        if real:
            self._last = x[-1:]
        if held:
            if self._last is None:
                raise ValueError("no input frame to hold yet")
            x = np.concatenate([x, np.repeat(self._last, held, axis=0)])
        for index, layer in enumerate(self._net.layers):
            x, real = self._layer(index, layer, x, real)
        scores = _log_softmax(x)
        return scores[:real], scores[real:]

    def _layer(self, index: int, layer: ConvLayer, x: FloatArray, real: int) -> tuple[FloatArray, int]:
        """Layer ``index`` over its kept inputs and ``x`` (the first ``real`` rows to keep)."""
        if layer.reach:
            kept = self._kept[index]
            x = np.concatenate([kept, x])
            real += len(kept)
            self._kept[index] = x[max(0, real - layer.reach) : real]
        count = len(x) - layer.reach
        if count <= 0:
            return np.zeros((0, layer.weight.shape[1]), np.float32), 0
        stacked = x[self._tap_rows(index, layer, count)].reshape(count, -1) if layer.kernel > 1 else x
        y = _product(stacked, layer.weight)
        y += layer.bias
        if layer.relu:
            np.maximum(y, 0.0, out=y)
        return y, max(0, real - layer.reach)

    def _tap_rows(self, index: int, layer: ConvLayer, count: int) -> IndexArray:
        rows = self._taps.get((index, count))
        if rows is None:
            rows = np.arange(count)[:, None] + np.arange(layer.kernel) * layer.dilation
            self._taps[(index, count)] = rows
        return rows


def _product(rows: FloatArray, weight: FloatArray) -> FloatArray:
    """``rows @ weight``, at most ``ROWS_PER_PRODUCT`` rows at a time (one thread)."""
    if len(rows) <= ROWS_PER_PRODUCT:
        result: FloatArray = rows @ weight
        return result
    result = np.empty((len(rows), weight.shape[1]), np.float32)
    for start in range(0, len(rows), ROWS_PER_PRODUCT):
        stop = start + ROWS_PER_PRODUCT
        np.matmul(rows[start:stop], weight, out=result[start:stop])
    return result


def _log_softmax(x: FloatArray) -> FloatArray:
    shifted = x - x.max(axis=1, keepdims=True)
    result: FloatArray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result

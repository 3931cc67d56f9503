"""The watermark's channel code: CRC-16 for integrity, a rate-1/2 convolutional code for errors.

The 56 payload bits (marker, version, job id) get a CRC-16/CCITT and six zero tail bits,
and are encoded with the standard K=7 convolutional code (generators 171, 133 octal, as in
802.11). The detector reads soft values (one real number per coded bit, positive for 1) and
decodes them with a soft-decision Viterbi decoder, which corrects a few percent of wrong
signs; the CRC then tells a decoded payload from noise (a random word passes with p = 2⁻¹⁶).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Bits = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float64]

CRC_BITS = 16
_CRC_POLY = 0x1021
CONSTRAINT_LENGTH = 7
_GENERATORS = (0o171, 0o133)
_STATES = 1 << (CONSTRAINT_LENGTH - 1)
TAIL_BITS = CONSTRAINT_LENGTH - 1


def crc16(bits: Bits) -> Bits:
    """CRC-16/CCITT (initial value 0xFFFF) of a bit string, as 16 bits, most significant first."""
    register = 0xFFFF
    for bit in bits.tolist():
        top = ((register >> 15) & 1) ^ int(bit)
        register = (register << 1) & 0xFFFF
        if top:
            register ^= _CRC_POLY
    return int_to_bits(register, CRC_BITS)


def int_to_bits(value: int, width: int) -> Bits:
    """``value`` as ``width`` bits, most significant first."""
    return np.array([(value >> (width - 1 - i)) & 1 for i in range(width)], dtype=np.uint8)


def bits_to_int(bits: Bits) -> int:
    """Bits (most significant first) as an unsigned integer."""
    value = 0
    for bit in bits.tolist():
        value = (value << 1) | int(bit)
    return value


def coded_length(info_bits: int) -> int:
    """How many coded bits ``info_bits`` information bits become (CRC and tail included)."""
    return 2 * (info_bits + CRC_BITS + TAIL_BITS)


def encode(info: Bits) -> Bits:
    """``info`` + its CRC-16 + tail, convolutionally encoded (two output bits per input bit)."""
    message = np.concatenate([info, crc16(info), np.zeros(TAIL_BITS, dtype=np.uint8)])
    state = 0
    out = np.empty(2 * len(message), dtype=np.uint8)
    for i, bit in enumerate(message.tolist()):
        register = (int(bit) << (CONSTRAINT_LENGTH - 1)) | state
        out[2 * i] = _parity(register & _GENERATORS[0])
        out[2 * i + 1] = _parity(register & _GENERATORS[1])
        state = register >> 1
    return out


def decode(soft: Floats, info_bits: int) -> Bits | None:
    """The information bits whose codeword best matches ``soft`` (positive = 1), or None when
    the decoded word fails its CRC."""
    message = _viterbi(soft, info_bits + CRC_BITS + TAIL_BITS)
    info, check = message[:info_bits], message[info_bits : info_bits + CRC_BITS]
    return info if np.array_equal(crc16(info), check) else None


def _parity(value: int) -> int:
    return bin(value).count("1") & 1


def _trellis() -> npt.NDArray[np.float64]:
    """For each (state, input bit): the two coded outputs as ±1."""
    outputs = np.empty((_STATES, 2, 2), dtype=np.float64)
    for state in range(_STATES):
        for bit in (0, 1):
            register = (bit << (CONSTRAINT_LENGTH - 1)) | state
            for k, generator in enumerate(_GENERATORS):
                outputs[state, bit, k] = 2.0 * _parity(register & generator) - 1.0
    return outputs


_OUTPUTS = _trellis()


def _viterbi(soft: Floats, steps: int) -> Bits:
    """Maximum-correlation path through the trellis, starting and ending in state 0.

    State ``n`` is reached from states ``(2n) mod 64`` and ``(2n) mod 64 + 1`` with input bit ``n >> 5``.
    """
    pairs = np.asarray(soft, dtype=np.float64).reshape(steps, 2)
    states = np.arange(_STATES)
    low = (states << 1) & (_STATES - 1)
    predecessors = np.stack([low, low | 1])  # (2, state)
    bit_in = states >> (CONSTRAINT_LENGTH - 2)
    metric = np.full(_STATES, -np.inf)
    metric[0] = 0.0
    chosen = np.empty((steps, _STATES), dtype=np.int64)  # which predecessor (0 or 1) won
    for step in range(steps):
        gains = _OUTPUTS @ pairs[step]  # (state, bit)
        candidates = metric[predecessors] + gains[predecessors, bit_in]
        winner = np.argmax(candidates, axis=0)
        chosen[step] = winner
        metric = candidates[winner, states]
    bits = np.empty(steps, dtype=np.uint8)
    state = 0
    for step in range(steps - 1, -1, -1):
        bits[step] = state >> (CONSTRAINT_LENGTH - 2)
        state = int(predecessors[chosen[step, state], state])
    return bits

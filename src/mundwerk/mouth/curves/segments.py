"""Phones as gap-free segments of target-table rows: gaps filled with silence, diphthongs
split into onset and offglide, transparent phones (HH) given the next phone's row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.phones import SILENCE, Phone
from mundwerk.mouth.curves.targets import BILABIALS, OFFGLIDES, ROW_OF, SYMBOLS, TRANSPARENT

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Segments:
    """Segment ``i`` shows target row ``rows[i]`` over ``[start_ms[i], end_ms[i])``; no gaps.

    ``lips_meet[i]`` marks the segments of bilabial phones (their own, not a borrowed row).
    """

    start_ms: IntArray
    end_ms: IntArray
    rows: IntArray
    lips_meet: npt.NDArray[np.bool_]

    def symbols(self) -> tuple[str, ...]:
        return tuple(SYMBOLS[row] for row in self.rows)


def segments_from_phones(phones: Sequence[Phone], end_ms: int) -> Segments:
    """Segments covering the phones and ``[0, end_ms)`` (silence where no phone sounds)."""
    pieces = _split_offglides(_gap_free(phones, end_ms))
    start = np.array([piece[0] for piece in pieces], dtype=np.int64)
    stop = np.array([piece[1] for piece in pieces], dtype=np.int64)
    rows = np.array([ROW_OF[piece[2]] for piece in pieces], dtype=np.int64)
    lips_meet = np.array([piece[2] in BILABIALS for piece in pieces], dtype=np.bool_)
    return Segments(start, stop, _resolve_transparent(rows), lips_meet)


def _gap_free(phones: Sequence[Phone], end_ms: int) -> list[tuple[int, int, str]]:
    """(start, end, symbol) in order without gaps or overlaps, silence filling the gaps."""
    ordered = sorted(phones, key=lambda phone: phone.start_ms)
    cursor = min([0, *(phone.start_ms for phone in ordered[:1])])
    pieces: list[tuple[int, int, str]] = []
    for phone in ordered:
        if phone.start_ms > cursor:
            pieces.append((cursor, phone.start_ms, SILENCE))
        start = max(phone.start_ms, cursor)
        cursor = max(phone.end_ms, start)
        pieces.append((start, cursor, phone.symbol))
    pieces.append((cursor, max(end_ms, cursor + 1), SILENCE))
    return pieces


def _split_offglides(pieces: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    result = []
    for start, end, symbol in pieces:
        if symbol in OFFGLIDES:
            offglide, share = OFFGLIDES[symbol]
            middle = end - round((end - start) * share)
            result += [(start, middle, symbol), (middle, end, offglide)]
        else:
            result.append((start, end, symbol))
    return result


#: Per target-table row, whether its phone is transparent (a table lookup: ``np.isin`` costs
#: far more on the few rows of a live stream's window).
_IS_TRANSPARENT = np.array([symbol in TRANSPARENT for symbol in SYMBOLS], dtype=np.bool_)


def _resolve_transparent(rows: IntArray) -> IntArray:
    """Each transparent row replaced by the next non-transparent one (silence at the end)."""
    transparent = _IS_TRANSPARENT[rows]
    if not transparent.any():
        return rows
    resolved = rows.copy()
    following = ROW_OF[SILENCE]
    for index in range(len(rows) - 1, -1, -1):
        if transparent[index]:
            resolved[index] = following
        else:
            following = rows[index]
    return resolved

"""Time intervals in integer milliseconds and ordered timelines of timed values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Timed(Generic[T]):
    """A value that holds over ``[start_ms, end_ms)``."""

    start_ms: int
    end_ms: int
    value: T

    def __post_init__(self) -> None:
        if self.end_ms < self.start_ms:
            raise ValueError(f"interval ends before it starts: [{self.start_ms}, {self.end_ms})")

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def with_value(self, value: U) -> Timed[U]:
        return Timed(self.start_ms, self.end_ms, value)

    def with_bounds(self, start_ms: int, end_ms: int) -> Timed[T]:
        return Timed(start_ms, end_ms, self.value)


class Timeline(Sequence[Timed[T]]):
    """Ordered, non-overlapping timed values (gaps are allowed)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Timed[T]] = ()) -> None:
        self._items: tuple[Timed[T], ...] = tuple(items)
        for before, after in zip(self._items, self._items[1:], strict=False):
            if after.start_ms < before.end_ms:
                raise ValueError(
                    f"timeline items overlap: [{before.start_ms}, {before.end_ms}) and "
                    f"[{after.start_ms}, {after.end_ms})"
                )

    @overload
    def __getitem__(self, index: int) -> Timed[T]: ...

    @overload
    def __getitem__(self, index: slice) -> Timeline[T]: ...

    def __getitem__(self, index: int | slice) -> Timed[T] | Timeline[T]:
        if isinstance(index, slice):
            return Timeline(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Timed[T]]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeline) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Timeline({list(self._items)!r})"

    @property
    def start_ms(self) -> int:
        return self._items[0].start_ms if self._items else 0

    @property
    def end_ms(self) -> int:
        return self._items[-1].end_ms if self._items else 0

    def map(self, function: Callable[[T], U]) -> Timeline[U]:
        return Timeline(item.with_value(function(item.value)) for item in self._items)

    def at(self, time_ms: int) -> T | None:
        """The value holding at ``time_ms``, or None in a gap."""
        low, high = 0, len(self._items)
        while low < high:
            middle = (low + high) // 2
            if self._items[middle].end_ms <= time_ms:
                low = middle + 1
            else:
                high = middle
        if low < len(self._items) and self._items[low].start_ms <= time_ms:
            return self._items[low].value
        return None

    def merged(self) -> Timeline[T]:
        """Adjacent items with equal values joined into one."""
        result: list[Timed[T]] = []
        for item in self._items:
            if result and result[-1].value == item.value and result[-1].end_ms == item.start_ms:
                result[-1] = result[-1].with_bounds(result[-1].start_ms, item.end_ms)
            else:
                result.append(item)
        return Timeline(result)

    def shifted(self, offset_ms: int) -> Timeline[T]:
        return Timeline(
            item.with_bounds(item.start_ms + offset_ms, item.end_ms + offset_ms) for item in self._items
        )

    def filled(self, value: T, start_ms: int, end_ms: int) -> Timeline[T]:
        """Every gap in ``[start_ms, end_ms)`` filled with ``value``."""
        result: list[Timed[T]] = []
        cursor = start_ms
        for item in self._items:
            if item.start_ms > cursor:
                result.append(Timed(cursor, item.start_ms, value))
            result.append(item)
            cursor = max(cursor, item.end_ms)
        if end_ms > cursor:
            result.append(Timed(cursor, end_ms, value))
        return Timeline(result)

"""A per-process store of computed objects, least recently used first out, bounded by what its
values cost (rows held) rather than by how many there are.

A count bound fits neither end: fifty people switching among a city's subtrees ask for many
small results, while at 50,000 units a few city-wide ones are already large.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

__all__ = ["Kept"]

V = TypeVar("V")


class Kept(Generic[V]):
    """Objects by key, their summed ``cost`` kept within ``budget``: a new one pushes out the
    least recently used; the newest is kept however large. Values are shared, not copied:
    callers only read them. Thread-safe."""

    def __init__(self, budget: int, cost: Callable[[V], int]) -> None:
        self.budget = budget
        self._cost = cost
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._costs: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self._costs[key] = max(int(self._cost(value)), 1)
            held = sum(self._costs.values())
            while held > self.budget and len(self._items) > 1:
                old, _ = self._items.popitem(last=False)
                held -= self._costs.pop(old, 0)

    def drop(self, unwanted: Callable[[Hashable], bool]) -> None:
        """Forget every key ``unwanted`` says yes to (e.g. an older data version's)."""
        with self._lock:
            for key in [k for k in self._items if unwanted(k)]:
                del self._items[key]
                self._costs.pop(key, None)

    @property
    def held(self) -> int:
        """The summed cost of what is kept."""
        with self._lock:
            return sum(self._costs.values())

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            return iter(list(self._items))

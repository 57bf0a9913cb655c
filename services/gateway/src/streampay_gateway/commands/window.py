"""A map whose entries expire with the idempotency window, so memory stays bounded.

Entries are kept in arrival order; those older than the window (by their record timestamp)
are dropped from the front, and a hard cap on the number of entries bounds memory even under
a burst far above the usual rate.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger(__name__)

V = TypeVar("V")


def now_ms() -> int:
    return int(time.time() * 1000)


class WindowedIndex(Generic[V]):
    """Key → value for ``window_ms`` after the value's timestamp, at most ``max_entries``."""

    def __init__(self, window_ms: int, max_entries: int) -> None:
        self.window_ms = window_ms
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[int, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def stamped(self, key: str) -> tuple[int, V] | None:
        """The timestamp ``key``'s value was put with, and the value."""
        return self._entries.get(key)

    def expired(self, timestamp_ms: int) -> bool:
        return timestamp_ms < now_ms() - self.window_ms

    def put(self, key: str, value: V, timestamp_ms: int) -> None:
        self._entries[key] = (timestamp_ms, value)
        self.evict()

    def pop(self, key: str) -> V | None:
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[1]

    def evict(self) -> None:
        oldest_kept = now_ms() - self.window_ms
        while self._entries:
            key, (timestamp, _) = next(iter(self._entries.items()))
            if timestamp >= oldest_kept and len(self._entries) <= self._max_entries:
                return
            if timestamp >= oldest_kept:
                log.warning("index full: forgetting an entry inside the window", key=key)
            del self._entries[key]

"""The index of commands produced, by correlation id, fed by a consumer of ``commands``.

It tells, for every command of the idempotency window, who sent it and the fingerprint of its
body (the ``streampay:body-sha256`` header), so that any instance, even after a restart:

- refuses the same idempotency key with a different body (422), and
- knows a command is already on its way, so a retry waits for its reply instead of producing
  it again.

A command this process has just produced is noted at once, before the consumer sees it. When
the topic shows another command under the same correlation id (two instances racing on one
key), the topic's first one wins: it is the one the streams service applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streampay_contracts import headers
from streampay_gateway.commands.correlation import FINGERPRINT_HEADER
from streampay_gateway.commands.window import WindowedIndex, now_ms
from streampay_gateway.http.metrics import INDEX_SIZE


@dataclass(frozen=True, slots=True)
class Submitted:
    identity: str
    fingerprint: str | None
    """None for a command produced without one (by another producer than this gateway)."""
    local: bool = False
    """Noted by this process when producing, not yet confirmed by the topic."""


class SubmittedIndex:
    def __init__(self, window_ms: int, max_entries: int) -> None:
        self._index: WindowedIndex[Submitted] = WindowedIndex(window_ms, max_entries)
        INDEX_SIZE.labels("commands").set_function(lambda: len(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def get(self, correlation_id: str) -> Submitted | None:
        return self._index.get(correlation_id)

    def stamped(self, correlation_id: str) -> tuple[int, Submitted] | None:
        """When the command was written (its record's timestamp once read), and by whom."""
        return self._index.stamped(correlation_id)

    def note(self, correlation_id: str, identity: str, fingerprint: str) -> None:
        """This process is producing the command."""
        if correlation_id not in self._index:
            self._put(correlation_id, Submitted(identity, fingerprint, local=True), now_ms())

    def forget(self, correlation_id: str) -> None:
        """Producing failed: unless the topic has confirmed it, the command does not exist."""
        entry = self._index.get(correlation_id)
        if entry is not None and entry.local:
            self._index.pop(correlation_id)

    def handle(self, record: Any) -> None:
        """Index one ``commands`` record (the follower's handler)."""
        found = headers.from_kafka(record.headers)
        correlation_id = found.get(headers.CORRELATION_ID)
        if not correlation_id or self._index.expired(record.timestamp):
            return
        existing = self._index.get(correlation_id)
        if existing is not None and not existing.local:
            return
        entry = Submitted(found.get(headers.IDENTITY, ""), found.get(FINGERPRINT_HEADER))
        self._put(correlation_id, entry, record.timestamp)

    def _put(self, correlation_id: str, entry: Submitted, timestamp_ms: int) -> None:
        self._index.put(correlation_id, entry, timestamp_ms)

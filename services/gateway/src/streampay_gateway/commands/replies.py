"""The index of replies by correlation id, fed by this process's one consumer of ``replies``.

The topic is read from the start of its retention (the idempotency window) at start-up and
followed from then on, so the reply to any command of the window is known here, whichever
instance produced the command and whenever. The first reply of a correlation id wins: the
streams service writes exactly one, and a duplicate could only repeat it.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from streampay_contracts import Problem, encode, headers
from streampay_gateway.commands.window import WindowedIndex
from streampay_gateway.http.metrics import INDEX_SIZE


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A reply as the HTTP caller gets it: status, content type and the body bytes unchanged."""

    status: int
    content_type: str
    body: bytes
    identity: str
    """The user whose command this answers (``zilla:identity``, copied from the command)."""


def reply_from_record(record: Any) -> tuple[str, StoredReply] | None:
    """The correlation id and reply in a ``replies`` record; None if it names no command."""
    found = headers.from_kafka(record.headers)
    correlation_id = found.get(headers.CORRELATION_ID)
    if not correlation_id:
        return None
    status = found.get(headers.STATUS, "")
    content_type = found.get(headers.CONTENT_TYPE) or headers.JSON_CONTENT_TYPE
    body = bytes(record.value or b"")
    if not (status.isdigit() and 200 <= int(status) <= 599):
        problem = Problem.of(502, "the streams service sent a reply without a valid status")
        status, content_type, body = "502", headers.PROBLEM_CONTENT_TYPE, encode(problem)
    identity = found.get(headers.IDENTITY, "")
    return correlation_id, StoredReply(int(status), content_type, body, identity)


class ReplyIndex:
    """Replies by correlation id for the idempotency window, and waiters for the missing ones."""

    def __init__(self, window_ms: int, max_entries: int) -> None:
        self._index: WindowedIndex[StoredReply] = WindowedIndex(window_ms, max_entries)
        self._waiters: dict[str, set[asyncio.Future[StoredReply]]] = {}
        INDEX_SIZE.labels("replies").set_function(lambda: len(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def get(self, correlation_id: str) -> StoredReply | None:
        return self._index.get(correlation_id)

    def handle(self, record: Any) -> None:
        """Index one ``replies`` record (the follower's handler)."""
        found = reply_from_record(record)
        if found is None or self._index.expired(record.timestamp):
            return
        correlation_id, reply = found
        if correlation_id in self._index:
            return
        self._index.put(correlation_id, reply, record.timestamp)
        for waiter in self._waiters.pop(correlation_id, set()):
            if not waiter.done():
                waiter.set_result(reply)

    async def wait(self, correlation_id: str, patience_s: float) -> StoredReply | None:
        """The reply, waiting for it up to ``patience_s`` seconds; None if it has not come."""
        reply = self.get(correlation_id)
        if reply is not None or patience_s <= 0:
            return reply
        waiter: asyncio.Future[StoredReply] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(correlation_id, set()).add(waiter)
        try:
            with suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(waiter), patience_s)
            return None
        finally:
            waiters = self._waiters.get(correlation_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[correlation_id]

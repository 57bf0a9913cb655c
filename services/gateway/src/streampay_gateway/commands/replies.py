"""The index of replies by correlation id, fed from ``replies`` by the process's consumer.

The topic is read from the start of its retention (the idempotency window) at start-up and
followed from then on, so the reply to any command of the window is known here, whichever
instance produced the command and whenever. The first reply of a correlation id wins: the
streams service answers a copy of a command with the same reply, and an attempt that reused
the key with another body with a 422 of its own, which never takes the command's place.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from streampay_contracts import Problem, encode, headers
from streampay_contracts.envelopes import ReplyEnvelope
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
    fingerprint: str | None = None
    """The fingerprint of the attempt it answers, copied from the command."""

    def answers(self, fingerprint: str | None) -> bool:
        """Whether this is the answer to an attempt with ``fingerprint`` (None: any)."""
        return fingerprint is None or self.fingerprint in (None, fingerprint)


def reply_from_record(record: Any) -> tuple[ReplyEnvelope, StoredReply] | None:
    """The envelope and reply in a ``replies`` record; None if it names no command."""
    envelope = ReplyEnvelope.from_headers(headers.from_kafka(record.headers))
    if envelope is None:
        return None
    status, content_type = envelope.status, envelope.content_type
    body = bytes(record.value or b"")
    if status is None:
        problem = Problem.of(502, "the streams service sent a reply without a valid status")
        status, content_type, body = 502, headers.PROBLEM_CONTENT_TYPE, encode(problem)
    reply = StoredReply(status, content_type, body, envelope.identity or "", envelope.fingerprint)
    return envelope, reply


@dataclass(eq=False, slots=True)
class _Waiter:
    fingerprint: str | None
    future: asyncio.Future[StoredReply]


class ReplyIndex:
    """Replies by correlation id for the idempotency window, and waiters for the missing ones.

    The index keeps the command's own reply: the first reply of its correlation id, unless it
    only refuses one attempt (a reused key, 422), which goes to that attempt's waiter alone.
    """

    def __init__(self, window_ms: int, max_entries: int) -> None:
        self._index: WindowedIndex[StoredReply] = WindowedIndex(window_ms, max_entries)
        self._waiters: dict[str, list[_Waiter]] = {}
        INDEX_SIZE.labels("replies").set_function(lambda: len(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def get(self, correlation_id: str) -> StoredReply | None:
        return self._index.get(correlation_id)

    def stamped(self, correlation_id: str) -> tuple[int, StoredReply] | None:
        """When the command's reply was written, and the reply (whose ``identity`` sent it)."""
        return self._index.stamped(correlation_id)

    def handle(self, record: Any) -> None:
        """Index one ``replies`` record."""
        found = reply_from_record(record)
        if found is None or self._index.expired(record.timestamp):
            return
        envelope, reply = found
        cid = envelope.correlation_id
        if not envelope.answers_attempt_only and cid not in self._index:
            self._index.put(cid, reply, record.timestamp)
        waiters = self._waiters.get(cid)
        if not waiters:
            return
        for waiter in [w for w in waiters if _settles(w, envelope, reply)]:
            waiters.remove(waiter)
            if not waiter.future.done():
                waiter.future.set_result(reply)
        if not waiters:
            del self._waiters[cid]

    async def wait(
        self, correlation_id: str, patience_s: float, fingerprint: str | None = None
    ) -> StoredReply | None:
        """The reply to the attempt with ``fingerprint`` (None: the command's own reply),
        waiting for it up to ``patience_s`` seconds; None if it has not come."""
        reply = self.get(correlation_id)
        if (reply is not None and reply.answers(fingerprint)) or patience_s <= 0:
            return reply
        future: asyncio.Future[StoredReply] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(fingerprint, future)
        self._waiters.setdefault(correlation_id, []).append(waiter)
        try:
            with suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(future), patience_s)
            return None
        finally:
            waiters = self._waiters.get(correlation_id)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[correlation_id]


def _settles(waiter: _Waiter, envelope: ReplyEnvelope, reply: StoredReply) -> bool:
    """Whether ``reply`` is what ``waiter`` waits for: the refusal of its own attempt, or the
    command's reply when it was an attempt with the same body (or any attempt)."""
    if envelope.answers_attempt_only:
        return waiter.fingerprint is not None and waiter.fingerprint == reply.fingerprint
    return reply.answers(waiter.fingerprint)

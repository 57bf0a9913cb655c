"""A subscription as Server-Sent Events: initial state, ``ready``, live changes, expiry.

Every event that moves the client forward carries an id (see :mod:`.positions`). Events of a
fresh client's initial state carry none: it is a snapshot, not a contiguous range, and a client
cut off in the middle of it starts again. Heartbeats are SSE comments; when the client has
everything its readers have applied, a heartbeat also carries an id, so a quiet per-user view
still resumes from near the end rather than from the last record it showed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass

import structlog
from aiokafka.errors import KafkaError
from sse_starlette import ServerSentEvent

from streampay_contracts import encode
from streampay_gateway.views.backfill import RangeReader
from streampay_gateway.views.catalog import View
from streampay_gateway.views.pacing import SLICE, Pacer, ReplaySlot
from streampay_gateway.views.payloads import KeyDeleted, StreamReady, TokenExpiring
from streampay_gateway.views.positions import Cursor, encode_event_id
from streampay_gateway.views.records import Record
from streampay_gateway.views.subscription import Start, Subscription

_READY = encode(StreamReady()).decode()
log = structlog.get_logger(__name__)


class RecordEvent(ServerSentEvent):
    """An event whose data is a record's JSON value.

    Values on the view topics are single-line JSON, so the event is framed as it is, without
    the library's split of the data into lines, which costs more than the framing; a value that
    does hold a line break (JSON may have one between tokens) is framed by the library."""

    def encode(self) -> bytes:
        data = str(self.data)
        if "\n" in data or "\r" in data or self.comment is not None or self.retry is not None:
            return super().encode()
        sep = self._sep
        id_line = "" if self.id is None else f"id: {self.id}{sep}"
        event_line = "" if self.event is None else f"event: {self.event}{sep}"
        return f"{id_line}{event_line}data: {data}{sep}{sep}".encode()


class EventBatch(ServerSentEvent):
    """Several events written to the client at once, each framed as it would be alone."""

    def __init__(self, events: list[ServerSentEvent]) -> None:
        super().__init__()
        self.events = events

    def encode(self) -> bytes:
        return b"".join(event.encode() for event in self.events)


MAX_BATCH = 64
"""Events sent in one write at most."""


@dataclass(frozen=True, slots=True)
class Timing:
    heartbeat: float
    """Seconds between heartbeats."""
    expires_at: float
    """When the caller's token expires (epoch seconds): the stream ends then."""
    warning: float
    """Seconds before expiry to send ``token-expiring``."""


class ViewStream:
    """The events of one client's stream over one or more views."""

    def __init__(
        self,
        subscribe: Callable[[], tuple[Subscription, list[Start]]],
        read_range: RangeReader,
        timing: Timing,
        *,
        multiplexed: bool,
        pacer: Pacer,
        replay: ReplaySlot | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._subscribe = subscribe
        self._read_range = read_range
        self._timing = timing
        self._multiplexed = multiplexed
        self._pacer = pacer
        self.replay = replay
        """The resumed stream's admission (see :mod:`.pacing`), released once it is ready."""
        self._clock = clock
        self._last_id: str | None = None
        self.cursor: Cursor = {}

    async def events(self) -> AsyncGenerator[ServerSentEvent]:
        """The stream; it subscribes when first iterated, so an unsent response holds nothing."""
        self.subscription, self.starts = self._subscribe()
        self.cursor = {s.view.name: dict(s.resume or {}) for s in self.starts}
        try:
            for start in self.starts:
                async for event in self._initial(start):
                    yield event
            self.release_replay()
            yield ServerSentEvent(_READY, event="ready", id=self._id())
            async for event in self._live():
                yield event
        except (KafkaError, TimeoutError) as error:
            log.warning("live view stream ended early; the client will resume", error=str(error))
        finally:
            self.release_replay()
            self.subscription.detach()

    def release_replay(self) -> None:
        if self.replay is not None:
            self.replay.release()

    # -- before ready ------------------------------------------------------------------------

    async def _initial(self, start: Start) -> AsyncIterator[ServerSentEvent]:
        view = start.view
        if start.resume is not None:
            async for batch in self._replayed(start):
                yield batch
        else:
            for record in start.records:
                if (event := self._event(view, record, with_id=False)) is not None:
                    yield event
        offsets = self.cursor[view.name]
        for partition, offset in start.live_from.items():
            offsets[partition] = max(offsets.get(partition, 0), offset)

    async def _replayed(self, start: Start) -> AsyncIterator[ServerSentEvent]:
        """What a resumed client missed: the part older than the window from Kafka, then the
        window's part, in paced slices (see :mod:`.pacing`), each slice one write."""
        if start.backfill:
            pending: list[Record] = []
            async for record in self._read_range(
                start.view.topic, start.view.model, start.backfill
            ):
                pending.append(record)
                if len(pending) == SLICE:
                    async for batch in self._sliced(start.view, pending):
                        yield batch
                    pending = []
            async for batch in self._sliced(start.view, pending):
                yield batch
        async for batch in self._sliced(start.view, start.records):
            yield batch

    async def _sliced(self, view: View, records: list[Record]) -> AsyncIterator[ServerSentEvent]:
        """The events of ``records`` the client has not had, framed ``SLICE`` records a turn.
        ``records`` may hold some the client has (a window's snapshot): they are skipped."""
        for begin in range(0, len(records), SLICE):
            async with self._pacer.turn():
                events = [
                    event
                    for record in records[begin : begin + SLICE]
                    if record.offset >= self.cursor[view.name].get(record.partition, 0)
                    and (event := self._selected_event(view, record)) is not None
                ]
            if events:
                yield events[0] if len(events) == 1 else EventBatch(events)

    # -- live --------------------------------------------------------------------------------

    async def _live(self) -> AsyncIterator[ServerSentEvent]:
        timing = self._timing
        warn_at = timing.expires_at - timing.warning
        next_beat = self._clock() + timing.heartbeat
        warned = False
        while (now := self._clock()) < timing.expires_at:
            wake = min(next_beat, timing.expires_at, timing.expires_at if warned else warn_at)
            self.subscription.alarm(wake, now)
            item = await self.subscription.next()
            if self.subscription.dropped:
                return
            if item is not None and (event := self._live_event(*item)) is not None:
                yield self._with_waiting(event)
            now = self._clock()
            if not warned and now >= warn_at:
                warned = True
                yield self._expiring()
            if now >= next_beat:
                next_beat = now + timing.heartbeat
                yield self._heartbeat()

    def _with_waiting(self, first: ServerSentEvent) -> ServerSentEvent:
        """``first`` and the live records already waiting behind it, as one write.

        A payment puts two activities on the public feed: sent one by one, every client would
        cost two passes through the response stack and two socket writes."""
        events = [first]
        while len(events) < MAX_BATCH and (item := self.subscription.waiting_record()):
            if (event := self._live_event(*item)) is not None:
                events.append(event)
        return first if len(events) == 1 else EventBatch(events)

    def _selected_event(self, view: View, record: Record) -> ServerSentEvent | None:
        if not view.selects(record, self.subscription.user):
            return None
        return self._event(view, record, with_id=True)

    def _live_event(self, index: int, record: Record) -> ServerSentEvent | None:
        view = self.subscription.views[index]
        if record.offset < self.cursor[view.name].get(record.partition, 0):
            return None  # the client already has it (it resumed from further on)
        return self._event(view, record, with_id=True)

    def _expiring(self) -> ServerSentEvent:
        data = encode(TokenExpiring(expires_at=int(self._timing.expires_at)))
        return ServerSentEvent(data.decode(), event="token-expiring")

    def _heartbeat(self) -> ServerSentEvent:
        if not self.subscription.idle():
            return ServerSentEvent(comment="heartbeat")
        for start in self.starts:
            offsets = self.cursor[start.view.name]
            for partition, offset in start.reader.positions.items():
                offsets[partition] = max(offsets.get(partition, 0), offset)
        previous, event_id = self._last_id, self._id()
        return ServerSentEvent(comment="heartbeat", id=event_id if event_id != previous else None)

    # -- events ------------------------------------------------------------------------------

    def _event(self, view: View, record: Record, *, with_id: bool) -> ServerSentEvent | None:
        if view.is_log and record.is_tombstone:
            return None
        self.cursor[view.name][record.partition] = record.offset + 1
        event_id = self._id() if with_id else None
        if view.is_open(record):
            name = view.name if self._multiplexed else None
            return RecordEvent(record.data(), event=name, id=event_id)
        name = f"{view.name}.delete" if self._multiplexed else "delete"
        return ServerSentEvent(encode(KeyDeleted(key=record.key)).decode(), event=name, id=event_id)

    def _id(self) -> str:
        self._last_id = encode_event_id(self.cursor)
        return self._last_id

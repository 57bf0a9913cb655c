"""One client's subscription: a bounded queue fed by the readers, and where each view starts.

Subscribing and taking the initial state happen in one step of the event loop, so no record
falls between the two: everything up to the readers' positions at that instant is in the initial
state, everything after it arrives through the queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from streampay_gateway.views import metrics
from streampay_gateway.views.backfill import Ranges
from streampay_gateway.views.catalog import Fresh, View
from streampay_gateway.views.log import TopicLog
from streampay_gateway.views.positions import Cursor, Offsets
from streampay_gateway.views.reader import Listener, TopicReader
from streampay_gateway.views.records import Record
from streampay_gateway.views.table import TopicTable

Item = tuple[int, Record]
"""A live record for the view at that index of the subscription."""


@dataclass(frozen=True, slots=True)
class Limits:
    queue: int
    """Live records a client may have waiting before it is dropped."""
    recent: int
    """Records of a public feed sent on a fresh connect."""


@dataclass(slots=True)
class Start:
    """What one view sends before ``ready``, and the offsets it goes live from."""

    view: View
    reader: TopicReader
    live_from: Offsets
    records: list[Record]
    backfill: Ranges = field(default_factory=dict)
    resume: Offsets | None = None
    """The client's offsets from ``Last-Event-ID``; None on a fresh connect."""


class Subscription:
    """Receives the selected live records of its views; dropped when its queue overflows."""

    def __init__(self, views: Sequence[View], user: str, limits: Limits) -> None:
        self.views = tuple(views)
        self.user = user
        self.dropped = False
        self._limit = limits.queue
        self._queue: deque[Item | None] = deque()
        """Live records not yet taken; None is a wake-up (an alarm, or the drop)."""
        self._waiter: asyncio.Future[None] | None = None
        self._attached: list[tuple[TopicReader, Listener, str]] = []
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at: float | None = None

    def attach(self, index: int, reader: TopicReader) -> None:
        view = self.views[index]

        def offer(record: Record) -> None:
            if not view.selects(record, self.user):
                return
            if len(self._queue) >= self._limit:
                self.drop()
            else:
                self._put((index, record))

        reader.attach(offer)
        self._attached.append((reader, offer, view.name))
        metrics.SSE_CLIENTS.labels(view.name).inc()

    def detach(self) -> None:
        """Stop receiving; idempotent, so every way a stream ends may call it."""
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = self._alarm_at = None
        for reader, listener, name in self._attached:
            reader.detach(listener)
            metrics.SSE_CLIENTS.labels(name).dec()
        self._attached.clear()

    def drop(self) -> None:
        """Discard what is queued (the client's last id is before it) and end the stream."""
        self.dropped = True
        for view in self.views:
            metrics.SSE_DROPPED.labels(view.name).inc()
        self.detach()
        self._queue.clear()
        self._put(None)

    def idle(self) -> bool:
        """Nothing is waiting: the client has everything its readers have applied."""
        return not self._queue

    def alarm(self, at: float, now: float) -> None:
        """Have :meth:`next` return None at ``at`` (``now`` is the same clock's present time).

        The stream asks before every wait, but the timer is only replaced when the moment
        changes (after a heartbeat, say), not once per record: one event to 10,000 clients would
        otherwise cancel and schedule 10,000 timers."""
        if at == self._alarm_at:
            return
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm_at = at
        self._alarm = asyncio.get_running_loop().call_later(max(at - now, 0), self._ring)

    def _ring(self) -> None:
        self._alarm = self._alarm_at = None  # the next wait sets the next alarm, even the same
        self._put(None)

    def _put(self, item: Item | None) -> None:
        self._queue.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self) -> Item | None:
        """The next live record; None when the :meth:`alarm` rings or once dropped (see
        :attr:`dropped`).

        A waiting record is taken at once, without a turn of the event loop, so a client whose
        socket keeps accepting empties its queue as fast as the readers fill it."""
        while not self._queue:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    def waiting_record(self) -> Item | None:
        """The next live record if one is already waiting (and no wake-up is before it)."""
        if self._queue and self._queue[0] is not None:
            return self._queue.popleft()
        return None


def start_of(
    view: View, reader: TopicReader, user: str, resume: Offsets | None, recent: int
) -> Start:
    """The initial state of ``view`` for ``user`` as of this instant."""
    if isinstance(reader, TopicTable):
        return _table_start(view, reader, user, resume)
    if not isinstance(reader, TopicLog):
        raise TypeError(f"no initial state for a {type(reader).__name__}")
    return _log_start(view, reader, user, resume, recent)


def _table_start(view: View, table: TopicTable[Any], user: str, resume: Offsets | None) -> Start:
    records = [r for r in table.records(resume) if view.selects(r, user)]
    if resume is None:
        records = [r for r in records if view.is_open(r)]
    return Start(view, table, dict(table.positions), records, resume=resume)


def _log_start(view: View, log: TopicLog, user: str, resume: Offsets | None, recent: int) -> Start:
    live_from = dict(log.positions)
    if resume is not None:  # selected as it is sent, in slices (see stream.py)
        replay = log.replay(resume)
        return Start(view, log, live_from, replay.window, replay.backfill, resume)
    if view.fresh is Fresh.MY_HISTORY:
        return Start(view, log, live_from, log.key_tail(user))
    return Start(view, log, live_from, [r for r in log.latest(recent) if view.selects(r, user)])


def open_subscription(
    views: Sequence[tuple[View, TopicReader]], user: str, resume: Cursor | None, limits: Limits
) -> tuple[Subscription, list[Start]]:
    """Subscribe to ``views`` and take their initial states, with no await in between."""
    subscription = Subscription([view for view, _ in views], user, limits)
    starts = []
    for index, (view, reader) in enumerate(views):
        offsets = None if resume is None else resume[view.name]
        starts.append(start_of(view, reader, user, offsets, limits.recent))
        subscription.attach(index, reader)
    return subscription, starts

"""Applying a batch of events to the views: project, publish, then store how far each got.

Like a Kafka Streams table cache, a batch sends a compacted view only the latest value of each
key it changed (``LATEST_ONLY``), and the totals only each payer's latest running totals.

Each event of the log belongs to one account's stream and is applied once, in order: the stage
keeps, per account, the ``seq`` of the last event applied and the statement windows, in a
table. For every event of a batch the projections return view records; these are published
and acknowledged first, then the changed states are written to the table's changelog, then the
events are acknowledged to Faust. A crash in between publishes some view records again, the
same ones (a projection is a pure function of state and event, and the state had not moved),
and readers recognise the copies by their ids and versions.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from streampay_contracts import headers, topics
from streampay_contracts.events import decode_event
from streampay_contracts.views import TOTALS_KEY
from streampay_streams.adapters.publisher import Publisher
from streampay_streams.adapters.records import Emit, RawRecord
from streampay_streams.adapters.store import CodecTable
from streampay_streams.projections import project, totals
from streampay_streams.projections.state import Projected

log = structlog.get_logger(__name__)


class ProjectorWorker:
    def __init__(self, table: CodecTable, publisher: Publisher, payments_topic: str) -> None:
        self._table = table
        self._publisher = publisher
        self._payments_topic = payments_topic

    async def apply(self, raws: Sequence[RawRecord]) -> None:
        """Project every event of the batch; publish the views, then store the states."""
        views: list[Emit] = []
        payments: dict[str, Emit] = {}
        changed: dict[str, tuple[int, Projected]] = {}
        for raw in raws:
            try:
                event = decode_event(raw.value or b"")
            except ValueError as error:
                log.warning("unreadable event", offset=raw.offset, error=str(error))
                continue
            user = event.user_id
            state = self._state(user)
            if event.seq > state.seq + 1:
                log.warning("events missing", user=user, applied=state.seq, next=event.seq)
            after, records = project(state, event)
            if after is state:
                continue
            self._table.keep(user, after)
            changed[user] = (raw.partition, after)
            caused = {headers.CAUSE: event.cause}
            views += [Emit.of(r.topic, r.key, r.value, {**r.headers, **caused}) for r in records]
            payment = totals.recorded(event)
            if payment is not None:  # the totals need each payer's latest running totals only
                payments[user] = Emit.of(self._payments_topic, TOTALS_KEY, payment)
        await self._publisher.publish([*latest_only(views), *payments.values()])
        await self._publisher.publish(
            [self._table.write(p, user, state) for user, (p, state) in changed.items()]
        )

    def _state(self, user: str) -> Projected:
        state: Projected | None = self._table.read(user)
        return state if state is not None else Projected()


LATEST_ONLY = frozenset({topics.BALANCES, topics.SENT_REQUESTS, topics.STATEMENTS})
"""Compacted views whose readers need a key's latest value, not each step to it: a batch
publishes only its last record per key there (``balance-histories`` keeps every step)."""


def latest_only(views: list[Emit]) -> list[Emit]:
    """``views`` without the records of a ``LATEST_ONLY`` topic that a later one replaces."""
    last = {(v.topic, v.key): n for n, v in enumerate(views) if v.topic in LATEST_ONLY}
    return [v for n, v in enumerate(views) if last.get((v.topic, v.key), n) == n]
